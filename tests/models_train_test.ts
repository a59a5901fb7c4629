/**
 * Every registered model runs a forward pass and one training step on two images at its smallest
 * input size, on the cpu backend.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createModel, getModelSpec, listModels, resolveConfig } from "../lib/models/mod.ts";
import { initBackend } from "../lib/backend/init.ts";

// initBackend registers our typed-array Conv2DBackpropFilter for cpu (checked against the shipped
// one in backend_cpu_kernels_test.ts); with tfjs-cpu's, one step of the bigger models takes minutes.
await initBackend("cpu");

for (const name of listModels()) {
  Deno.test(`${name}: forward pass and one training step`, async () => {
    const spec = getModelSpec(name);
    const size = spec.minInputSize(resolveConfig(spec));
    const channels = spec.defaults.inputShape[2];
    const before = tf.memory().numTensors;
    const fer = createModel(name, { inputShape: [size, size, channels], seed: 1 });
    const { numClasses } = fer.config;
    const x = tf.randomUniform([2, size, size, channels], 0, 1, "float32", 2);
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1], "int32"), numClasses).toFloat());
    const optimizer = tf.train.sgd(0.05);
    try {
      const probabilities = tf.tidy(() =>
        (fer.model.predict(x) as tf.Tensor).arraySync()
      ) as number[][];
      assert.equal(probabilities.length, 2);
      for (const row of probabilities) {
        assert.equal(row.length, numClasses);
        assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
      }
      const embedding = tf.tidy(() => (fer.features.predict(x) as tf.Tensor).shape);
      assert.deepEqual(embedding, [2, fer.features.outputs[0].shape[1]]);

      // The first convolution's kernel sits at the far end of the gradient path.
      const firstKernel = fer.model.trainableWeights[0];
      const kernelBefore = firstKernel.read().dataSync().slice();
      fer.model.compile({ optimizer, loss: "categoricalCrossentropy" });
      const loss = await fer.model.trainOnBatch(x, y) as number;
      assert.ok(Number.isFinite(loss), `loss ${loss}`);
      const kernelAfter = firstKernel.read().dataSync();
      assert.ok(
        kernelAfter.some((v, i) => v !== kernelBefore[i]),
        `${firstKernel.originalName} did not change`,
      );
    } finally {
      tf.dispose([x, y]);
      optimizer.dispose();
      fer.dispose();
    }
    assert.equal(tf.memory().numTensors, before, "tensors leaked");
  });
}
