/**
 * The onednn backend (wasm with oneDNN convolutions) against the cpu backend: convolutions and
 * their gradients with strides, padding, dilations and depthwise filters, fused bias and
 * activations, the wasm fallback, the fused training batch norm (whole training steps:
 * backend_wasm_training_test.ts), ReLU and its bounded primitive cache. Skipped, saying why,
 * where oneDNN cannot be opened (Debian's libdnnl2 is not installed); .ci/run installs it.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { backendDifference, seededValues } from "../lib/backend/cross_check.ts";
import { type Shape4, withGradients } from "./helpers.ts";
import { initBackend } from "../lib/backend/init.ts";
import { probeOneDnn } from "../lib/backend/onednn/library.ts";
import { eltwisePrimitives, RELU_GRAD } from "../lib/backend/onednn/eltwise.ts";
import { hasBatchNormTraining } from "../lib/backend/batch_norm_training.ts";
import { BatchNormalization } from "../lib/models/batch_norm.ts";

const probe = probeOneDnn(1);
if (!probe.available) console.log(`onednn tests skipped: ${probe.reason}`);
const ignore = !probe.available;
const TOLERANCE = 1e-5;

type Pad = "same" | "valid" | number;

async function assertMatchesCpu(label: string, compute: () => tf.Tensor[]): Promise<void> {
  const difference = await backendDifference(compute, "wasm");
  assert.ok(difference <= TOLERANCE, `${label}: onednn differs from cpu by ${difference}`);
}

const cases: { x: Shape4; kernel: [number, number]; strides: number; pad: Pad }[] = [
  { x: [2, 7, 5, 3], kernel: [3, 3], strides: 1, pad: "same" },
  { x: [3, 9, 8, 2], kernel: [3, 3], strides: 2, pad: "same" },
  { x: [3, 9, 8, 2], kernel: [3, 3], strides: 2, pad: "valid" },
  { x: [2, 10, 9, 2], kernel: [5, 4], strides: 3, pad: "valid" },
  { x: [2, 6, 6, 4], kernel: [1, 1], strides: 2, pad: "same" },
  { x: [2, 6, 7, 3], kernel: [3, 3], strides: 2, pad: 2 },
];

Deno.test({
  name: "onednn conv2d and depthwise conv2d with gradients match cpu",
  ignore,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    for (const [i, c] of cases.entries()) {
      const label = `x ${c.x} kernel ${c.kernel} strides ${c.strides} pad ${c.pad}`;
      await assertMatchesCpu(
        `conv2d ${label}`,
        () =>
          withGradients(
            (x, f) => tf.conv2d(x, f, c.strides, c.pad),
            c.x,
            [...c.kernel, c.x[3], 5],
            10 * i,
          ),
      );
      if (typeof c.pad === "number") continue;
      for (const multiplier of [1, 2]) {
        await assertMatchesCpu(
          `depthwise ×${multiplier} ${label}`,
          () =>
            withGradients(
              (x, f) => tf.depthwiseConv2d(x, f, c.strides, c.pad as "same"),
              c.x,
              [...c.kernel, c.x[3], multiplier],
              10 * i + 5,
            ),
        );
      }
    }
    // tfjs has no gradients for dilated convolutions: forward only.
    await assertMatchesCpu("dilated conv2d and depthwise", () => {
      const x = tf.tensor4d(seededValues([2, 11, 10, 3], 1), [2, 11, 10, 3]);
      const f = tf.tensor4d(seededValues([3, 3, 3, 4], 2), [3, 3, 3, 4]);
      const d = tf.tensor4d(seededValues([3, 3, 3, 2], 3), [3, 3, 3, 2]);
      return [
        tf.conv2d(x, f, 1, "same", "NHWC", 2),
        tf.depthwiseConv2d(x, d, 1, "valid", "NHWC", 3),
      ];
    });
  },
});

Deno.test({
  name: "onednn fused convolutions: bias and every activation; PReLU falls back to wasm",
  ignore,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    const xShape: Shape4 = [2, 8, 7, 3];
    const activations = ["linear", "relu", "relu6", "elu", "leakyrelu", "sigmoid", "prelu"];
    for (const activation of activations) {
      await assertMatchesCpu(`fused ${activation}`, () => {
        // Large enough values that relu6 clips and leaky slopes matter.
        const x = tf.mul(tf.tensor4d(seededValues(xShape, 4), xShape), 6);
        const f = tf.tensor4d(seededValues([3, 3, 3, 4], 5), [3, 3, 3, 4]);
        const d = tf.tensor4d(seededValues([3, 3, 3, 2], 6), [3, 3, 3, 2]);
        const fused = {
          x: x as tf.Tensor4D,
          strides: 1,
          pad: "same" as const,
          activation: activation as tf.fused.Activation,
          leakyreluAlpha: 0.3,
        };
        return [
          tf.fused.conv2d({
            ...fused,
            filter: f,
            bias: tf.tensor1d(seededValues([4], 7)),
            preluActivationWeights: activation === "prelu" ? tf.scalar(0.25) : undefined,
          }),
          tf.fused.depthwiseConv2d({
            ...fused,
            filter: d,
            bias: tf.tensor1d(seededValues([6], 8)),
            preluActivationWeights: activation === "prelu" ? tf.scalar(0.25) : undefined,
          }),
        ];
      });
    }
  },
});

Deno.test({
  name: "switching from onednn back to wasm restores the wasm kernels",
  ignore,
  fn: async () => {
    const onednn = await initBackend("onednn", { threads: 1 });
    assert.match(onednn.description, /oneDNN 2\./);
    const wasm = await initBackend("wasm", { threads: 1 });
    assert.equal(wasm.oneDnn, undefined);
    await assertMatchesCpu(
      "conv2d on wasm after onednn",
      () => withGradients((x, f) => tf.conv2d(x, f, 1, "same"), [1, 5, 5, 2], [3, 3, 2, 3], 1),
    );
  },
});

Deno.test("onednn names the package, the override and the fallback when oneDNN is missing", async () => {
  const script = "import { initBackend } from './lib/backend/init.ts';\n" +
    "await initBackend('onednn');";
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    env: { FER_ONEDNN_LIB: "/nonexistent/libdnnl.so.2" },
    stdout: "null",
  }).output();
  const message = new TextDecoder().decode(stderr);
  assert.notEqual(code, 0);
  for (
    const part of ["/nonexistent/libdnnl.so.2", "libdnnl2", "FER_ONEDNN_LIB", "--backend wasm"]
  ) {
    assert.ok(message.includes(part), `missing '${part}' in: ${message}`);
  }
});

Deno.test({
  name: "onednn's fused training batch norm gives tfjs's outputs, gradients and moving averages",
  ignore,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    assert.ok(hasBatchNormTraining());
    for (const shape of [[3, 5, 4, 6], [7, 5]]) {
      const layer = new BatchNormalization({ momentum: 0.9, epsilon: 1e-3 });
      const input = tf.input({ shape: shape.slice(1) });
      const model = tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor });
      // Non-trivial scale and shift, so their gradients and effect are checked.
      model.setWeights(
        model.getWeights().map((w, i) => tf.tensor(seededValues(w.shape, 50 + i), w.shape).add(1)),
      );
      const initial = model.getWeights().map((w) => w.clone());
      await assertMatchesCpu(`batch norm ${shape}`, () => {
        model.setWeights(initial);
        const x = tf.mul(tf.tensor(seededValues(shape, 3), shape), 4);
        const weights = tf.tensor(seededValues(shape, 4), shape);
        const [gamma, beta] = model.trainableWeights.map((w) => w.read() as tf.Variable);
        const loss = () =>
          tf.sum(tf.mul(model.apply(x, { training: true }) as tf.Tensor, weights)) as tf.Scalar;
        const inputGradient = tf.grad((t: tf.Tensor) =>
          tf.sum(tf.mul(model.apply(t, { training: true }) as tf.Tensor, weights)) as tf.Scalar
        )(x);
        const { grads } = tf.variableGrads(loss, [gamma, beta]);
        // Three training calls so far: the moving averages moved three times.
        return [
          model.apply(x, { training: true }) as tf.Tensor,
          inputGradient,
          grads[gamma.name],
          grads[beta.name],
          ...model.getWeights().map((w) => w.clone()),
        ];
      });
      tf.dispose(initial);
    }
  },
});

Deno.test({
  name: "onednn matrix products (sgemm): transposes, batches, broadcasts, fused bias and ReLU",
  ignore,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    const tensor = (shape: number[], seed: number) => tf.tensor(seededValues(shape, seed), shape);
    for (
      const [transposeA, transposeB] of [[false, false], [true, false], [false, true], [true, true]]
    ) {
      await assertMatchesCpu(`matMul transposeA ${transposeA} transposeB ${transposeB}`, () => {
        const a = tensor(transposeA ? [3, 5, 4] : [3, 4, 5], 11);
        const b = tensor(transposeB ? [3, 6, 5] : [3, 5, 6], 12);
        // Batch 1 against 3, both ways round.
        const single = tensor(transposeB ? [1, 6, 5] : [1, 5, 6], 13);
        return [
          tf.matMul(a, b, transposeA, transposeB),
          tf.matMul(a, single, transposeA, transposeB),
          tf.matMul(tensor([1, 2, 5], 14), b, false, transposeB),
          // Rank 4 against a single matrix, and plain 2-D.
          tf.matMul(tensor([2, 3, 4, 5], 19), tensor([5, 6], 20)),
          tf.matMul(tensor([4, 5], 21), tensor([6, 5], 22), false, true),
        ];
      });
    }
    for (const activation of ["linear", "relu", "elu"] as const) {
      // A dense layer: its output and the gradients of input, kernel and bias.
      await assertMatchesCpu(`dense ${activation}`, () => {
        const x = tensor([7, 9], 15);
        const w = tensor([9, 4], 16);
        const bias = tensor([4], 17);
        const weights = tensor([7, 4], 18);
        const dense = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: c, activation });
        const loss = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(tf.mul(dense(a, b, c), weights));
        return [dense(x, w, bias), ...tf.grads(loss)([x, w, bias])];
      });
    }
  },
});

Deno.test({
  name: "onednn ReLU, its gradient and ReLU6's clip match cpu (zeros and odd sizes included)",
  ignore,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    assert.ok(tf.getKernel(RELU_GRAD, "wasm"), "onednn registers the one-pass ReLU gradient");
    for (const shape of [[2, 5, 3, 7], [13], [4, 33]]) {
      await assertMatchesCpu(`relu and relu6 ${shape}`, () => {
        // Exact zeros (the gradient's boundary) among values on both sides of both bounds.
        const x = tf.mul(tf.round(tf.mul(tf.tensor(seededValues(shape, 50), shape), 4)), 2);
        const weights = tf.tensor(seededValues(shape, 51), shape);
        const gradient = (f: (t: tf.Tensor) => tf.Tensor) =>
          tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), weights)))(x);
        return [
          tf.relu(x),
          tf.relu6(x),
          tf.clipByValue(x, -3, 5),
          gradient(tf.relu),
          gradient(tf.relu6),
        ];
      });
    }
    // An int32 ReLU is wasm's kernel's.
    assert.deepEqual(await tf.relu(tf.tensor1d([-2, 3], "int32")).data(), new Int32Array([0, 3]));
  },
});

Deno.test({
  name:
    "onednn eltwise primitives stay bounded over many sizes; an evicted size is rebuilt exactly",
  ignore,
  fn: async () => {
    await initBackend("onednn", { threads: 1 });
    const values = (size: number) => Float32Array.from({ length: size }, (_, i) => (i % 7) - 3.5);
    const relu = async (size: number) => {
      const x = tf.tensor1d(values(size));
      const y = tf.relu(x);
      const out = await y.data();
      tf.dispose([x, y]);
      return out;
    };
    const first = await relu(1);
    // More distinct sizes than the cache holds: the oldest are destroyed, not kept forever.
    for (let size = 2; size <= eltwisePrimitives.capacity + 20; size++) await relu(size);
    assert.equal(eltwisePrimitives.size, eltwisePrimitives.capacity);
    // Size 1 was evicted long ago: its rebuilt primitive gives the same bits.
    assert.deepEqual(await relu(1), first);
    assert.deepEqual(await relu(9), values(9).map((v) => Math.max(v, 0)));
  },
});
