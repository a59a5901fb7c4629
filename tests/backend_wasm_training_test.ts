/**
 * Training on wasm gives cpu's numbers: forward and backward of every layer type our models use,
 * and whole training steps with Adam, SGD and RMSprop including L2 penalties.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { maxScaledDifference, seededValues, valuesOn } from "../lib/backend/mod.ts";
import { initBackend } from "../lib/backend/init.ts";
import { probeOneDnn } from "../lib/backend/onednn/library.ts";
import { BatchNormalization } from "../lib/models/batch_norm.ts";
import { syntheticBatch, trainingStep } from "../lib/train/step.ts";

await initBackend("wasm", { threads: 1 });
const l = tf.layers;

/**
 * Seeded initial weights: with tfjs's unseeded defaults about one model in a thousand puts a relu
 * input or a max-pool tie within rounding distance of zero, so the two backends take different
 * branches and a comparison fails at random.
 */
const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });

/** Output and gradients (input, then every trainable weight) of `model` on `x` in training mode. */
function forwardAndBackward(model: tf.LayersModel, x: tf.Tensor, seed: number): tf.Tensor[] {
  const input = tf.clone(x);
  const output = model.apply(input, { training: true }) as tf.Tensor;
  const weights = tf.tensor(seededValues(output.shape, seed), output.shape);
  const loss = (t: tf.Tensor) =>
    tf.sum(tf.mul(model.apply(t, { training: true }) as tf.Tensor, weights)) as tf.Scalar;
  const inputGradient = tf.grad(loss)(input);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  if (variables.length === 0) return [output, inputGradient];
  const { grads } = tf.variableGrads(() => loss(input), variables);
  return [output, inputGradient, ...Object.keys(grads).sort().map((name) => grads[name])];
}

/** Builds `layers` on an input of `shape` as a model; weights are shared by both backends. */
function sequential(shape: number[], layers: tf.layers.Layer[]): tf.LayersModel {
  const input = tf.input({ shape });
  let output = input as tf.SymbolicTensor;
  for (const layer of layers) output = layer.apply(output) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

function residualConcat(): tf.LayersModel {
  const input = tf.input({ shape: [6, 6, 4] });
  const a = l.conv2d({ filters: 4, kernelSize: 3, padding: "same" }).apply(input);
  const sum = l.add().apply([a, input] as tf.SymbolicTensor[]);
  const b = l.conv2d({ filters: 3, kernelSize: 1 }).apply(input);
  const joined = l.concatenate().apply([sum, b] as tf.SymbolicTensor[]);
  return tf.model({ inputs: input, outputs: joined as tf.SymbolicTensor });
}

const layerCases: [string, number[], () => tf.LayersModel][] = [
  ["conv2d strided 'same' + relu", [9, 8, 3], () =>
    sequential([9, 8, 3], [
      l.conv2d({
        filters: 5,
        kernelSize: 3,
        strides: 2,
        padding: "same",
        activation: "relu",
        kernelInitializer: seeded(1),
      }),
    ])],
  ["conv2d 'valid' 2×3 strides [1,2]", [7, 9, 2], () =>
    sequential([7, 9, 2], [
      l.conv2d({ filters: 4, kernelSize: [2, 3], strides: [1, 2], padding: "valid" }),
    ])],
  ["depthwiseConv2d ×2 strided", [9, 9, 3], () =>
    sequential([9, 9, 3], [
      l.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: "same" }),
    ])],
  [
    "separableConv2d",
    [7, 7, 3],
    () =>
      sequential([7, 7, 3], [l.separableConv2d({ filters: 4, kernelSize: 3, padding: "same" })]),
  ],
  [
    "batchNormalization (training)",
    [5, 5, 4],
    () => sequential([5, 5, 4], [l.batchNormalization()]),
  ],
  [
    "batchNormalization on dense features",
    [6],
    () => sequential([6], [l.dense({ units: 5 }), l.batchNormalization()]),
  ],
  [
    "maxPooling2d 'same' 3/2",
    [7, 7, 2],
    () => sequential([7, 7, 2], [l.maxPooling2d({ poolSize: 3, strides: 2, padding: "same" })]),
  ],
  [
    "averagePooling2d",
    [7, 6, 2],
    () => sequential([7, 6, 2], [l.averagePooling2d({ poolSize: 2, strides: 2 })]),
  ],
  [
    "globalAveragePooling2d + dense",
    [5, 5, 3],
    () => sequential([5, 5, 3], [l.globalAveragePooling2d({}), l.dense({ units: 4 })]),
  ],
  [
    "dropout (seeded) + relu6",
    [4, 4, 3],
    () => sequential([4, 4, 3], [l.dropout({ rate: 0.5, seed: 7 }), l.reLU({ maxValue: 6 })]),
  ],
  ["add + concatenate", [6, 6, 4], residualConcat],
];

Deno.test("every layer type trains to the same numbers on wasm and cpu", async () => {
  for (const [index, [name, shape, build]] of layerCases.entries()) {
    const model = build();
    const xValues = seededValues([3, ...shape], index).map((v) => 3 * v);
    const compute = () => forwardAndBackward(model, tf.tensor(xValues, [3, ...shape]), 90 + index);
    const difference = maxScaledDifference(
      await valuesOn("wasm", compute),
      await valuesOn("cpu", compute),
    );
    assert.ok(difference < 1e-5, `${name}: wasm differs from cpu by ${difference}`);
    model.dispose();
  }
});

Deno.test("channel shuffle, split and softmax cross-entropy match cpu", async () => {
  const x = seededValues([2, 3, 3, 8], 1);
  const labels = [[0, 1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 1]];
  const compute = () => {
    const input = tf.tensor4d(x, [2, 3, 3, 8]);
    const shuffleAndSplit = (t: tf.Tensor) => {
      // ShuffleNet: [N,H,W,g·c] → [N,H,W,g,c] → swap g and c → split channels in two halves.
      const grouped = tf.reshape(t, [2, 3, 3, 2, 4]);
      const shuffled = tf.reshape(tf.transpose(grouped, [0, 1, 2, 4, 3]), [2, 3, 3, 8]);
      const [left, right] = tf.split(shuffled, 2, 3);
      const sliced = tf.slice(right, [0, 1, 0, 0], [2, 2, 3, 4]);
      const logits = tf.reshape(
        tf.mean(tf.mul(left, tf.pad(sliced, [[0, 0], [0, 1], [0, 0], [0, 0]])), [1, 2]),
        [2, 4],
      );
      const wide = tf.concat([logits, tf.slice(logits, [0, 0], [2, 3])], 1);
      return tf.losses.softmaxCrossEntropy(tf.tensor2d(labels), wide);
    };
    return [shuffleAndSplit(input), tf.grad(shuffleAndSplit)(input)];
  };
  const difference = maxScaledDifference(
    await valuesOn("wasm", compute),
    await valuesOn("cpu", compute),
  );
  assert.ok(difference < 1e-5, `wasm differs from cpu by ${difference}`);
});

/**
 * A tiny liu-style conv net with L2 penalties on its kernels, with our batch norm layer (which
 * trains through the fused kernels where a backend has them, i.e. on onednn). Layers feeding batch
 * norm have no bias: its true gradient is zero, and Adam would turn the rounding noise in it into
 * full steps that differ between any two backends.
 */
function tinyConvNet(): tf.LayersModel {
  const l2 = () => tf.regularizers.l2({ l2: 1e-3 });
  const model = tf.sequential();
  model.add(
    l.conv2d({
      inputShape: [12, 12, 1],
      filters: 4,
      kernelSize: 3,
      padding: "same",
      activation: "relu",
      kernelInitializer: seeded(2),
      kernelRegularizer: l2(),
    }),
  );
  model.add(
    l.conv2d({
      filters: 6,
      kernelSize: 3,
      padding: "same",
      useBias: false,
      kernelInitializer: seeded(3),
      kernelRegularizer: l2(),
    }),
  );
  model.add(new BatchNormalization());
  model.add(l.activation({ activation: "relu" }));
  model.add(l.maxPooling2d({ poolSize: 2 }));
  model.add(
    l.depthwiseConv2d({
      kernelSize: 3,
      strides: 2,
      padding: "same",
      useBias: false,
      depthwiseInitializer: seeded(4),
    }),
  );
  model.add(l.flatten());
  model.add(
    l.dense({ units: 8, useBias: false, kernelInitializer: seeded(5), kernelRegularizer: l2() }),
  );
  model.add(new BatchNormalization());
  model.add(l.activation({ activation: "relu" }));
  model.add(l.dense({ units: 7, activation: "softmax", kernelInitializer: seeded(6) }));
  return model;
}

const optimizers: [string, () => tf.Optimizer][] = [
  ["adam", () => tf.train.adam(1e-2)],
  ["sgd", () => tf.train.sgd(5e-2)],
  ["rmsprop", () => tf.train.rmsprop(1e-2)],
];

/** Losses of `steps` training steps from `initial` weights on `backend`, and the final weights. */
async function train(
  backend: string,
  model: tf.LayersModel,
  initial: tf.Tensor[],
  makeOptimizer: () => tf.Optimizer,
  steps: number,
): Promise<{ losses: number[]; weights: Float32Array[]; tensorCounts: number[] }> {
  await tf.setBackend(backend);
  model.setWeights(initial);
  const optimizer = makeOptimizer();
  const { x, labels } = syntheticBatch(model, 5, 3);
  const losses: number[] = [];
  const tensorCounts: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push((await trainingStep(model, optimizer, x, labels)).loss);
    tensorCounts.push(tf.memory().numTensors);
  }
  const weights = await Promise.all(
    model.getWeights().map(async (w) => new Float32Array(await w.data())),
  );
  tf.dispose([x, labels]);
  optimizer.dispose();
  return { losses, weights, tensorCounts };
}

/** Trains the tiny net on the current wasm kernels and on cpu: same losses, weights, no leaks. */
async function assertTrainsLikeCpu(): Promise<void> {
  for (const [name, makeOptimizer] of optimizers) {
    const model = tinyConvNet();
    const initial = model.getWeights().map((w) => tf.clone(w));
    const wasm = await train("wasm", model, initial, makeOptimizer, 4);
    const cpu = await train("cpu", model, initial, makeOptimizer, 4);
    for (let i = 0; i < wasm.losses.length; i++) {
      assert.ok(
        Math.abs(wasm.losses[i] - cpu.losses[i]) < 1e-4,
        `${name} step ${i + 1}: loss ${wasm.losses[i]} on wasm, ${cpu.losses[i]} on cpu`,
      );
    }
    // Training moved the weights, by the same amounts on both backends.
    assert.notDeepEqual(wasm.losses[0], wasm.losses[3]);
    const difference = maxScaledDifference(wasm.weights, cpu.weights);
    assert.ok(difference < 1e-4, `${name}: weights after 4 steps differ by ${difference}`);
    // No tensor leaks: the count is flat once the optimizer has created its slots.
    assert.deepEqual(
      wasm.tensorCounts.slice(1),
      wasm.tensorCounts.slice(1).map(() => wasm.tensorCounts[1]),
    );
    tf.dispose(initial);
    model.dispose();
  }
  await tf.setBackend("wasm");
}

Deno.test("a tiny conv net trains to the same losses and weights on wasm and cpu", async () => {
  await initBackend("wasm", { threads: 1 });
  await assertTrainsLikeCpu();
});

const oneDnn = probeOneDnn(1);
Deno.test({
  name: "... and on onednn (oneDNN convolutions and fused batch norm)",
  ignore: !oneDnn.available,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    await assertTrainsLikeCpu();
    await initBackend("wasm", { threads: 1 });
  },
});
