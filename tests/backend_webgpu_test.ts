/**
 * Our Deno WebGPU backend factory on whatever adapter Deno offers (llvmpipe on our machines: slow
 * shader compilation, so the model is tiny). Skipped, saying why, without an adapter.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend, requestGpuAdapter } from "../lib/backend/mod.ts";
import { syntheticBatch, trainingStep } from "../lib/train/step.ts";

function tinyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({
      inputShape: [5, 5, 1],
      filters: 2,
      kernelSize: 3,
      activation: "relu",
      // Seeded: a relu input within rounding distance of zero would branch differently on the GPU.
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  model.add(tf.layers.flatten());
  model.add(
    tf.layers.dense({
      units: 3,
      activation: "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  return model;
}

/** Weights as plain values: WebGPU tensors cannot move to another backend synchronously in Deno. */
type Weights = { values: Float32Array; shape: number[] }[];

async function losses(backend: string, model: tf.LayersModel, initial: Weights) {
  await initBackend(backend as "webgpu" | "cpu");
  model.setWeights(initial.map((w) => tf.tensor(w.values, w.shape)));
  const { x, labels } = syntheticBatch(model, 2, 1);
  const optimizer = tf.train.sgd(0.1);
  const values: number[] = [];
  for (let i = 0; i < 2; i++) values.push((await trainingStep(model, optimizer, x, labels)).loss);
  tf.dispose([x, labels]);
  return values;
}

Deno.test("a training step on WebGPU gives the cpu backend's loss", async () => {
  const found = await requestGpuAdapter();
  if ("reason" in found) {
    console.log(`skipped: ${found.reason}`);
    return;
  }
  const info = await initBackend("webgpu");
  assert.equal(info.name, "webgpu");
  assert.equal(info.adapter, found.summary.description);
  assert.equal(info.notes.length > 0, found.summary.software);
  const model = tinyModel();
  const initial = await Promise.all(
    model.getWeights().map(async (w) => ({
      values: new Float32Array(await w.data()),
      shape: w.shape,
    })),
  );
  const gpu = await losses("webgpu", model, initial);
  const cpu = await losses("cpu", model, initial);
  for (let i = 0; i < gpu.length; i++) {
    assert.ok(
      Math.abs(gpu[i] - cpu[i]) < 1e-4,
      `step ${i + 1}: ${gpu[i]} on webgpu, ${cpu[i]} on cpu`,
    );
  }
  assert.notEqual(gpu[0], gpu[1]);
  model.dispose();
});
