/**
 * Our wasm kernels (lib/backend/wasm) against the cpu backend: values and gradients, with strides,
 * 'same'/'valid'/explicit padding, dilations, odd sizes and batches > 1.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  backendDifference,
  maxScaledDifference,
  seededValues as randomValues,
  valuesOn,
} from "../lib/backend/cross_check.ts";
import { initBackend } from "../lib/backend/init.ts";
import { hasAdamUpdate } from "../lib/backend/adam_update.ts";
import { simdAdam } from "../lib/backend/wasm/adam_update.ts";
import { simdSumRows } from "../lib/backend/wasm/leading_axis_reduce.ts";
import { hasMomentumUpdate } from "../lib/backend/momentum_update.ts";
import { simdMomentum } from "../lib/backend/wasm/momentum_update.ts";
import { simdMaxPoolGrad, simdMaxPoolGrad2x2 } from "../lib/backend/wasm/max_pool_grad.ts";
import { simdClipGradient } from "../lib/backend/wasm/clip_gradient.ts";
import {
  applyGradientsWithDecay,
  createOptimizer,
  setLearningRate,
} from "../lib/train/optimizers.ts";

// One thread: these tests check numbers, and starting pthread workers costs a second.
await initBackend("wasm", { threads: 1 });
const TOLERANCE = 1e-5;

/** Runs `compute` on wasm and cpu and asserts the outputs agree. */
async function assertSameOnWasmAndCpu(
  label: string,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<void> {
  const difference = await backendDifference(compute, "wasm");
  assert.ok(difference <= TOLERANCE, `${label}: wasm differs from cpu by ${difference}`);
}

type Pad = "same" | "valid" | number;
interface ConvCase {
  x: [number, number, number, number];
  kernel: [number, number];
  outChannels: number;
  strides: [number, number];
  pad: Pad;
}

const convCases: ConvCase[] = [
  { x: [2, 7, 5, 3], kernel: [3, 3], outChannels: 4, strides: [1, 1], pad: "same" },
  { x: [2, 7, 5, 3], kernel: [3, 3], outChannels: 4, strides: [1, 1], pad: "valid" },
  { x: [3, 9, 8, 2], kernel: [3, 3], outChannels: 5, strides: [2, 2], pad: "same" },
  { x: [3, 9, 8, 2], kernel: [3, 3], outChannels: 5, strides: [2, 2], pad: "valid" },
  { x: [2, 8, 7, 3], kernel: [2, 3], outChannels: 4, strides: [2, 1], pad: "same" },
  { x: [2, 10, 9, 2], kernel: [5, 4], outChannels: 3, strides: [3, 2], pad: "valid" },
  { x: [2, 6, 6, 4], kernel: [1, 1], outChannels: 6, strides: [2, 2], pad: "same" },
  // A numeric pad with unequal strides is broken in tfjs itself (its output shape uses the row
  // stride for columns too), so only equal strides here.
  { x: [2, 6, 7, 3], kernel: [3, 3], outChannels: 2, strides: [2, 2], pad: 2 },
  { x: [1, 4, 4, 1], kernel: [4, 4], outChannels: 1, strides: [1, 1], pad: "valid" },
];

function describe(c: ConvCase): string {
  return `x ${c.x} kernel ${c.kernel} strides ${c.strides} pad ${c.pad}`;
}

Deno.test("conv2d input and filter gradients on wasm match cpu", async () => {
  for (const [index, c] of convCases.entries()) {
    const filterShape = [...c.kernel, c.x[3], c.outChannels];
    const xValues = randomValues(c.x, index);
    const fValues = randomValues(filterShape, 100 + index);
    await assertSameOnWasmAndCpu(`conv2d ${describe(c)}`, () => {
      const x = tf.tensor4d(xValues, c.x);
      const f = tf.tensor4d(fValues, filterShape as [number, number, number, number]);
      const y = tf.conv2d(x, f, c.strides, c.pad);
      // A non-uniform output gradient, so every position's contribution is checked.
      const weights = tf.tensor(randomValues(y.shape, 200 + index), y.shape);
      const loss = (a: tf.Tensor, b: tf.Tensor) =>
        tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), weights));
      return [y, ...tf.grads(loss)([x, f])];
    });
  }
});

Deno.test("the backprop kernels alone match cpu, including explicit padding", async () => {
  const c = { x: [2, 7, 6, 3] as [number, number, number, number], outChannels: 4 };
  const explicit = [[0, 0], [2, 0], [1, 3], [0, 0]] as tf.backend_util.ExplicitPadding;
  const filterShape: [number, number, number, number] = [3, 2, 3, 4];
  for (const strides of [[1, 1], [2, 3]] as [number, number][]) {
    const info = tf.backend_util.computeConv2DInfo(c.x, filterShape, strides, 1, explicit);
    const dyShape = [2, info.outHeight, info.outWidth, 4];
    const x = randomValues(c.x, 1);
    const f = randomValues(filterShape, 2);
    const dy = randomValues(dyShape, 3);
    await assertSameOnWasmAndCpu(`explicit padding, strides ${strides}`, () => [
      tf.conv2d(tf.tensor4d(x, c.x), tf.tensor4d(f, filterShape), strides, explicit),
      tf.engine().runKernel(tf.Conv2DBackpropFilter, {
        x: tf.tensor4d(x, c.x),
        dy: tf.tensor(dy, dyShape),
      }, { strides, pad: explicit, dataFormat: "NHWC", filterShape }) as tf.Tensor,
      tf.engine().runKernel(tf.Conv2DBackpropInput, {
        dy: tf.tensor(dy, dyShape),
        filter: tf.tensor4d(f, filterShape),
      }, { strides, pad: explicit, dataFormat: "NHWC", inputShape: c.x }) as tf.Tensor,
    ]);
  }
});

interface DepthwiseCase {
  x: [number, number, number, number];
  kernel: [number, number];
  multiplier: number;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
}

const depthwiseCases: DepthwiseCase[] = [
  {
    x: [2, 7, 5, 3],
    kernel: [3, 3],
    multiplier: 1,
    strides: [1, 1],
    dilations: [1, 1],
    pad: "same",
  },
  {
    x: [2, 9, 8, 4],
    kernel: [3, 3],
    multiplier: 1,
    strides: [2, 2],
    dilations: [1, 1],
    pad: "same",
  },
  {
    x: [2, 9, 8, 2],
    kernel: [3, 3],
    multiplier: 2,
    strides: [2, 2],
    dilations: [1, 1],
    pad: "valid",
  },
  {
    x: [3, 8, 9, 3],
    kernel: [2, 3],
    multiplier: 3,
    strides: [1, 2],
    dilations: [1, 1],
    pad: "same",
  },
  {
    x: [2, 9, 9, 2],
    kernel: [3, 3],
    multiplier: 1,
    strides: [1, 1],
    dilations: [2, 2],
    pad: "same",
  },
  {
    x: [2, 10, 9, 2],
    kernel: [3, 2],
    multiplier: 2,
    strides: [1, 1],
    dilations: [2, 3],
    pad: "valid",
  },
];

/**
 * The cpu backprop kernels ignore dilations (tfjs never asks for dilated gradients), so dilated
 * cases are checked against the equivalent undilated filter with zeros between its taps.
 */
function dilateFilter(values: Float32Array, shape: number[], [dh, dw]: number[]) {
  const [kh, kw, c, m] = shape;
  const dilatedShape = [(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m];
  const dilated = new Float32Array(dilatedShape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = (i * kw + j) * c * m;
      const to = (i * dh * dilatedShape[1] + j * dw) * c * m;
      dilated.set(values.subarray(from, from + c * m), to);
    }
  }
  return { values: dilated, shape: dilatedShape as [number, number, number, number] };
}

function undilateFilter(
  values: Float32Array,
  shape: number[],
  dilatedShape: number[],
  [dh, dw]: number[],
) {
  const [kh, kw, c, m] = shape;
  const taps = new Float32Array(kh * kw * c * m);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = (i * dh * dilatedShape[1] + j * dw) * c * m;
      taps.set(values.subarray(from, from + c * m), (i * kw + j) * c * m);
    }
  }
  return taps;
}

Deno.test("depthwise backprop kernels on wasm match cpu (strides, dilations, multipliers)", async () => {
  for (const [index, c] of depthwiseCases.entries()) {
    const filterShape: [number, number, number, number] = [...c.kernel, c.x[3], c.multiplier];
    const info = tf.backend_util.computeConv2DInfo(
      c.x,
      filterShape,
      c.strides,
      c.dilations,
      c.pad,
      undefined,
      true,
    );
    const dyShape = [c.x[0], info.outHeight, info.outWidth, c.x[3] * c.multiplier];
    const x = randomValues(c.x, index);
    const f = randomValues(filterShape, 50 + index);
    const dy = randomValues(dyShape, 150 + index);
    const gradients = (filter: Float32Array, shape: number[], dilations: number[]) => [
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropFilter, {
        x: tf.tensor4d(x, c.x),
        dy: tf.tensor(dy, dyShape),
      }, { strides: c.strides, dilations, pad: c.pad, filterShape: shape }) as tf.Tensor,
      tf.engine().runKernel(tf.DepthwiseConv2dNativeBackpropInput, {
        dy: tf.tensor(dy, dyShape),
        filter: tf.tensor(filter, shape),
      }, { strides: c.strides, dilations, pad: c.pad, inputShape: c.x }) as tf.Tensor,
    ];
    const forward = () =>
      tf.depthwiseConv2d(
        tf.tensor4d(x, c.x),
        tf.tensor4d(f, filterShape),
        c.strides,
        c.pad,
        "NHWC",
        c.dilations,
      );
    const wasm = await valuesOn(
      "wasm",
      () => [forward(), ...gradients(f, filterShape, c.dilations)],
    );
    const dilated = dilateFilter(f, filterShape, c.dilations);
    const cpu = await valuesOn(
      "cpu",
      () => [forward(), ...gradients(dilated.values, dilated.shape, [1, 1])],
    );
    cpu[1] = undilateFilter(cpu[1], filterShape, dilated.shape, c.dilations);
    const difference = maxScaledDifference(wasm, cpu);
    assert.ok(difference <= TOLERANCE, `depthwise ${JSON.stringify(c)}: differs by ${difference}`);
  }
});

Deno.test("sum and mean over leading axes (and the shipped paths) match cpu", async () => {
  const x = randomValues([3, 5, 4, 6], 7);
  await assertSameOnWasmAndCpu("reductions", () => {
    const t = tf.tensor4d(x, [3, 5, 4, 6]);
    return [
      tf.sum(t, [0, 1, 2]),
      tf.mean(t, [0, 1, 2], true),
      tf.sum(t, [1, 0]),
      tf.mean(t, 0),
      tf.sum(t),
      tf.mean(t),
      tf.sum(t, [3]), // innermost: the shipped kernel
      tf.mean(t, [1, 3]), // neither: the shipped kernel
    ];
  });
  // Kept axes of a multiple of four values take the SIMD path; its float64 sums are cpu's bits
  // (means scale them in float64 where cpu divides in float32: the check above covers those).
  assert.ok(simdSumRows(tf.backend()) !== null, "the SIMD sum runs on wasm's heap");
  const channels = randomValues([7, 9, 5, 12], 8);
  await assertSameBitsAsCpu("sums over rows of 12", () => {
    const t = tf.tensor4d(channels, [7, 9, 5, 12]);
    return [tf.sum(t, [0, 1, 2]), tf.sum(t, [0, 1]), tf.sum(t, 0)];
  });
  await assertSameOnWasmAndCpu("means over rows of 12", () => {
    const t = tf.tensor4d(channels, [7, 9, 5, 12]);
    return [tf.mean(t, [0, 1, 2]), tf.mean(t, 0)];
  });
  // Integer sums keep their dtype (they go to the shipped kernel).
  const ints = await valuesOn("wasm", () => tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), 0));
  assert.deepEqual([...ints[0]], [4, 6]);
});

/** Asserts that `compute` gives exactly the same numbers on wasm as `reference` on cpu. */
async function assertExactlyAsCpu(
  label: string,
  compute: () => tf.Tensor[],
  reference = compute,
): Promise<void> {
  const difference = maxScaledDifference(
    await valuesOn("wasm", compute),
    await valuesOn("cpu", reference),
  );
  assert.equal(difference, 0, `${label}: wasm differs from the reference by ${difference}`);
}

/** Asserts that `compute` gives the same bits on wasm as on cpu (−0, NaN and all). */
async function assertSameBitsAsCpu(label: string, compute: () => tf.Tensor[]): Promise<void> {
  const [ours, reference] = [await valuesOn("wasm", compute), await valuesOn("cpu", compute)];
  assert.equal(ours.length, reference.length);
  for (const [k, values] of ours.entries()) {
    const [a, b] = [values, reference[k]].map((v) => new Int32Array(v.buffer));
    assert.equal(a.length, b.length, `${label}, output ${k}: sizes differ`);
    const at = a.findIndex((bits, i) => bits !== b[i]);
    assert.equal(at, -1, `${label}, output ${k}[${at}]: ${values[at]} against ${reference[k][at]}`);
  }
}

Deno.test("clipByValue's gradient is tfjs-core's, bit for bit, bounds included", async () => {
  assert.ok(simdClipGradient(tf.backend()) !== null, "the SIMD clip gradient runs on wasm's heap");
  // A float32 value and its two float32 neighbours.
  const around = (v: number) => {
    const values = new Float32Array([v, v, v]);
    const bits = new Int32Array(values.buffer);
    if (v === 0) return [0, 2 ** -149, -(2 ** -149)];
    bits[1] -= 1;
    bits[2] += 1;
    return [...values];
  };
  // 0.1 and 5.9 are rounded to float32 (as tfjs's comparisons round them) before comparing.
  for (const [min, max] of [[0, 6], [0.1, 5.9], [-3, 5]]) {
    const special = [NaN, Infinity, -Infinity, -0, ...around(min), ...around(max), min, max];
    // 4·25 + 3 values, the special ones at both ends: in the SIMD bulk and in the JS tail.
    const random = randomValues([103 - 2 * special.length], 3).map((v) => 8 * v);
    const x = [...special, ...random, ...special];
    const dy = [...randomValues([x.length], 4)];
    dy[4] = -0; // where x = min
    dy[5] = NaN;
    await assertSameBitsAsCpu(`clipByValue(${min}, ${max})`, () => {
      const gradient = tf.grad((t: tf.Tensor) => tf.clipByValue(t, min, max));
      return [gradient(tf.tensor(x, [1, x.length]), tf.tensor(dy, [1, x.length]))];
    });
  }
});

Deno.test("mean's gradient is tfjs-core's dy·ones/n, exactly", async () => {
  const shape = [3, 5, 4, 6];
  const x = randomValues(shape, 5);
  for (const axes of [[0, 1, 2], [1, 2], [0, 1, 2, 3], [3]]) {
    const keptShape = shape.map((size, axis) => axes.includes(axis) ? 1 : size);
    const dy = randomValues(keptShape, 6);
    const n = axes.reduce((product, axis) => product * shape[axis], 1);
    await assertExactlyAsCpu(
      `mean over ${axes}`,
      () => [
        tf.grad((t: tf.Tensor) => tf.mean(t, axes, true))(
          tf.tensor(x, shape),
          tf.tensor(dy, keptShape),
        ),
      ],
      () => [tf.div(tf.mul(tf.tensor(dy, keptShape), tf.ones(shape)), n)],
    );
  }
});

Deno.test("square and tile (what broadcastTo runs) equal cpu exactly", async () => {
  const x = randomValues([2, 3, 1, 4], 8);
  await assertExactlyAsCpu("square and tile", () => {
    const t = tf.tensor4d(x, [2, 3, 1, 4]);
    return [
      tf.square(t),
      tf.tile(t, [3, 1, 5, 1]),
      tf.broadcastTo(tf.slice(t, [0, 0, 0, 0], [1, 1, 1, 4]), [3, 2, 5, 4]), // one row
      tf.tile(t, [1, 2, 1, 2]), // the innermost axis repeats: the shipped kernel
      tf.tile(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), [3, 1]),
    ];
  });
});

Deno.test("max pooling gradients are cpu's, bit for bit, ties and -Infinity included", async () => {
  const cases = [
    { shape: [2, 6, 6, 3], pool: 2, strides: 2, pad: "valid" },
    { shape: [2, 7, 5, 2], pool: 2, strides: 2, pad: "same" },
    { shape: [1, 9, 8, 3], pool: 3, strides: 2, pad: "same" },
    { shape: [3, 7, 7, 1], pool: 3, strides: 1, pad: "valid" },
    // 2×2 with channels in fours: the SIMD 2×2 kernel, even and odd sizes.
    { shape: [2, 6, 6, 8], pool: 2, strides: 2, pad: "valid" },
    { shape: [2, 7, 9, 4], pool: 2, strides: 2, pad: "valid" },
    // Channels in fours otherwise: the general SIMD kernel. ResNet's stem pool (zero-padded
    // input, 3×3 stride 2), 'same' padding on odd and even sizes, overlapping 3×3 stride 1,
    // unequal windows and strides, 2×2 stride 1.
    { shape: [2, 13, 13, 8], pool: 3, strides: 2, pad: "valid" },
    { shape: [2, 9, 9, 4], pool: 3, strides: 2, pad: "same" },
    { shape: [2, 8, 10, 4], pool: 3, strides: 2, pad: "same" },
    { shape: [3, 7, 7, 4], pool: 3, strides: 1, pad: "valid" },
    { shape: [2, 11, 10, 8], pool: [3, 2], strides: [2, 3], pad: "same" },
    { shape: [2, 6, 6, 4], pool: 2, strides: 1, pad: "same" },
  ] as const;
  assert.ok(simdMaxPoolGrad2x2(tf.backend()) !== null, "the SIMD 2×2 gradient runs on wasm's heap");
  assert.ok(simdMaxPoolGrad(tf.backend()) !== null, "the SIMD gradient runs on wasm's heap");
  for (const [index, c] of cases.entries()) {
    const shape = c.shape as unknown as [number, number, number, number];
    const [, height, width, channels] = shape;
    // Few distinct values, so windows often hold equal maxima.
    const x = randomValues(shape, index).map((v) => Math.round(v * 2));
    x[0] = -Infinity;
    // The first window's channel 0 all −Infinity: it passes no gradient.
    for (const at of [channels, width * channels, (width + 1) * channels]) x[at] = -Infinity;
    // One maximum shared by the windows around input (2, 2) of channel 1, whose gradients sum to
    // 1 + 3·2⁻²⁴: in float32 one at a time that stays 1, in double then rounded (cpu) it does
    // not.
    if (height > 4 && width > 4) x[(2 * width + 2) * channels + 1] = 10;
    const pool = (t: tf.Tensor4D) => tf.maxPool(t, c.pool as number, c.strides as number, c.pad);
    const outShape = tf.tidy(() => pool(tf.zeros(shape)).shape);
    const dy = randomValues(outShape, 40 + index);
    for (let at = 1; at < dy.length; at += channels) dy[at] = at === 1 ? 1 : 2 ** -24;
    await assertSameBitsAsCpu(`maxPool ${JSON.stringify(c)}`, () => {
      const input = tf.tensor4d(x, shape);
      const weights = tf.tensor(dy, outShape);
      // The forward pass is XNNPACK's, whose maximum of 0 and −0 may be either: + 0 makes both +0.
      return [
        tf.add(pool(input), 0),
        tf.grad((t) => tf.sum(tf.mul(pool(t as tf.Tensor4D), weights)))(input),
      ];
    });
  }
});

Deno.test("slice copies what the shipped kernel and cpu copy", async () => {
  const x = randomValues([3, 6, 5, 4, 2], 9);
  await assertSameBitsAsCpu("slice", () => {
    const t = tf.tensor(x, [3, 6, 5, 4, 2]);
    const t4 = t.reshape([3, 6, 5, 8]);
    return [
      tf.slice(t4, [0, 1, 1, 0], [3, 4, 3, 8]), // ZeroPadding2D's gradient: runs of 3×8
      tf.slice(t4, [1, 0, 0, 0], [2, 6, 5, 8]), // one run
      tf.slice(t4, [0, 2, 1, 3], [2, 3, 4, 2]), // the innermost axis cut: runs of 2
      tf.slice(t, [1, 1, 0, 1, 0], [2, 4, 5, 2, 2]), // rank 5
      tf.slice(tf.tensor1d([1, 2, 3, 4]), [1], [2]),
      tf.slice(t4.reshape([18, 40]), [3, 5], [10, -1]), // size −1: to the end
      tf.cast(
        tf.slice(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], "int32"), [0, 1], [2, 2]),
        "float32",
      ),
      tf.cast(tf.slice(tf.tensor2d([1, 0, 1, 1, 0, 0], [3, 2], "bool"), [1, 0], [2, 1]), "float32"),
    ];
  });
});

Deno.test("matMul with transposed operands matches cpu", async () => {
  const a = randomValues([2, 5, 3], 1);
  const b = randomValues([2, 5, 4], 2);
  await assertSameOnWasmAndCpu("matMul", () => {
    const a3 = tf.tensor3d(a, [2, 5, 3]);
    const b3 = tf.tensor3d(b, [2, 5, 4]);
    const a3t = tf.transpose(a3, [0, 2, 1]);
    const b3t = tf.transpose(b3, [0, 2, 1]);
    return [
      tf.matMul(a3, b3, true, false),
      tf.matMul(a3t, b3t, false, true),
      tf.matMul(a3, b3t, true, true),
      tf.matMul(a3t, b3),
    ];
  });
});

Deno.test("identity and same-type cast share data safely on wasm", async () => {
  await initBackend("wasm", { threads: 1 });
  const original = tf.tensor1d([1, 2, 3]);
  const copy = tf.clone(original);
  const cast = tf.cast(original, "float32");
  original.dispose();
  assert.deepEqual([...await copy.data()], [1, 2, 3]);
  assert.deepEqual([...await cast.data()], [1, 2, 3]);
  const variable = tf.variable(tf.tensor1d([4, 5]));
  const snapshot = variable.clone();
  variable.assign(tf.tensor1d([6, 7]));
  assert.deepEqual([...await snapshot.data()], [4, 5]);
  assert.deepEqual([...await tf.cast(tf.tensor1d([1.7, -2.5]), "int32").data()], [1, -2]);
  tf.dispose([copy, cast, variable, snapshot]);
});

Deno.test("the batch-norm gradient matches plain-op autodiff on wasm and cpu", async () => {
  const shape: [number, number, number, number] = [3, 4, 5, 6];
  const x = randomValues(shape, 1);
  const mean = randomValues([6], 2);
  const variance = randomValues([6], 3).map((v) => v + 1.5);
  const scale = randomValues([6], 4);
  const offset = randomValues([6], 5);
  const dy = randomValues(shape, 6);
  const inputs = () => [
    tf.tensor4d(x, shape),
    tf.tensor1d(mean),
    tf.tensor1d(variance),
    tf.tensor1d(scale),
    tf.tensor1d(offset),
  ];
  const gradients = (f: (...t: tf.Tensor[]) => tf.Tensor) => () =>
    tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(f(...t), tf.tensor4d(dy, shape))))(inputs());
  const fused = gradients((x, m, v, s, o) =>
    tf.batchNorm(
      x as tf.Tensor4D,
      m as tf.Tensor1D,
      v as tf.Tensor1D,
      o as tf.Tensor1D,
      s as tf.Tensor1D,
      1e-3,
    )
  );
  const plain = gradients((x, m, v, s, o) =>
    tf.add(tf.mul(tf.mul(tf.sub(x, m), tf.rsqrt(tf.add(v, 1e-3))), s), o)
  );
  for (const backend of ["wasm", "cpu"]) {
    const difference = maxScaledDifference(
      await valuesOn(backend, fused),
      await valuesOn(backend, plain),
    );
    assert.ok(difference < 1e-5, `${backend}: batch-norm gradient differs by ${difference}`);
  }
});

Deno.test("the fused Adam step gives tfjs's Adam's values and moments to the bit", async () => {
  /** Three Adam steps from the same start, with changing gradients and a learning rate cut. */
  const run = (optimizer: tf.Optimizer) =>
    tf.tidy(() => {
      const weights = [tf.variable(tf.tensor(randomValues([5, 7], 1), [5, 7]), true, "adamA")];
      weights.push(tf.variable(tf.tensor(randomValues([13], 2), [13]), true, "adamB"));
      for (let step = 0; step < 3; step++) {
        if (step === 2) setLearningRate(optimizer, 3e-4);
        optimizer.applyGradients(
          weights.map((w, i) => ({
            name: w.name,
            tensor: tf.mul(tf.tensor(randomValues(w.shape, 10 * step + i), w.shape), 10 ** -step),
          })),
        );
      }
      const slots = optimizer as unknown as {
        accumulatedFirstMoment: { variable: tf.Variable }[];
        accumulatedSecondMoment: { variable: tf.Variable }[];
      };
      const out = [
        ...weights.map((w) => w.clone()),
        ...slots.accumulatedFirstMoment.map((s) => s.variable.clone()),
        ...slots.accumulatedSecondMoment.map((s) => s.variable.clone()),
      ];
      weights.forEach((w) => w.dispose());
      optimizer.dispose();
      return out;
    });
  await initBackend("wasm", { threads: 1 });
  assert.ok(hasAdamUpdate(), "wasm registers the fused Adam kernel");
  // 35 and 13 elements: SIMD for groups of four, the JS loop for the rest.
  assert.ok(simdAdam(tf.backend()) !== null, "the SIMD update runs on wasm's heap");
  const fused = await valuesOn("wasm", () => run(createOptimizer({ name: "adam", lr: 1e-3 })));
  const composed = await valuesOn("wasm", () => run(tf.train.adam(1e-3, 0.9, 0.999, 1e-7)));
  const onCpu = await valuesOn("cpu", () => run(createOptimizer({ name: "adam", lr: 1e-3 })));
  assert.equal(fused.length, 6);
  assert.deepEqual(fused, composed);
  assert.deepEqual(fused, onCpu);
});

Deno.test("the fused momentum and Nesterov steps, weight decay included, give tfjs's values and accumulations to the bit", async () => {
  /**
   * Three steps from the same start, with changing gradients and a learning rate cut; `decay` on
   * the first variable only.
   */
  const run = (optimizer: tf.Optimizer, decay: number) =>
    tf.tidy(() => {
      const weights = [tf.variable(tf.tensor(randomValues([5, 7], 1), [5, 7]), true, "sgdA")];
      weights.push(tf.variable(tf.tensor(randomValues([13], 2), [13]), true, "sgdB"));
      for (let step = 0; step < 3; step++) {
        if (step === 2) setLearningRate(optimizer, 3e-3);
        const gradients = Object.fromEntries(weights.map((w, i) => [
          w.name,
          tf.mul(tf.tensor(randomValues(w.shape, 10 * step + i), w.shape), 10 ** -step),
        ]));
        applyGradientsWithDecay(optimizer, gradients, { sgdA: decay });
      }
      const slots = optimizer as unknown as { accumulations: { variable: tf.Variable }[] };
      const out = [
        ...weights.map((w) => w.clone()),
        ...slots.accumulations.map((s) => s.variable.clone()),
      ];
      weights.forEach((w) => w.dispose());
      optimizer.dispose();
      return out;
    });
  await initBackend("wasm", { threads: 1 });
  assert.ok(hasMomentumUpdate(), "wasm registers the fused momentum kernel");
  // tfjs's optimizers keep one tensor after dispose; the fused one may keep no more.
  const left = async (compute: () => Promise<Float32Array[]>) => {
    const before = tf.memory().numTensors;
    return { values: await compute(), left: tf.memory().numTensors - before };
  };
  for (const nesterov of [false, true]) {
    for (const decay of [0, 0.05]) {
      const label = `nesterov ${nesterov}, decay ${decay}`;
      // 35 and 13 elements: SIMD for groups of four, the JS loop for the rest.
      assert.ok(simdMomentum(tf.backend(), nesterov, decay !== 0) !== null, `${label}: SIMD`);
      const config = { name: nesterov ? "nesterov" : "sgd", lr: 0.01, momentum: 0.9 } as const;
      const fused = await left(() => valuesOn("wasm", () => run(createOptimizer(config), decay)));
      const composed = await left(() =>
        valuesOn("wasm", () => run(tf.train.momentum(0.01, 0.9, nesterov), decay))
      );
      const onCpu = await valuesOn("cpu", () => run(createOptimizer(config), decay));
      assert.equal(fused.values.length, 4);
      assert.deepEqual(fused.values, composed.values, `${label}: fused against tfjs's`);
      assert.deepEqual(fused.values, onCpu, `${label}: wasm against cpu`);
      assert.equal(fused.left, composed.left, `${label}: no more tensors left than tfjs's`);
    }
  }
});
