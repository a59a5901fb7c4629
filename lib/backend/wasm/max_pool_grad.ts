/**
 * MaxPoolGrad for wasm over the wasm heap. The shipped C kernel took 245 ms for a 64×48×48×64
 * input on our machine; one pass that sends each output gradient to its window's maximum is
 * several times faster in JS (50 ms), and ten times faster again as wasm SIMD for the common 2×2
 * pools (5 ms). Ties go to the first maximum in row-major window order and a window with no value
 * above -Infinity passes no gradient, as in the cpu backend.
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "./kernel_call.ts";
import {
  type HeapFunction,
  heapFunction,
  type HeapFunctionCode,
  I32,
  op,
  V128,
} from "./heap_simd.ts";

/**
 * The common 2×2, stride-2 pooling with every window inside the input: four loads and three
 * comparisons per output value, no per-window bookkeeping.
 */
function maxPoolGrad2x2(
  x: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const rowStride = inWidth * channels;
  let dyAt = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const windowStart = ((b * inHeight + 2 * yR) * inWidth + 2 * yC) * channels;
        for (let d = 0; d < channels; d++, dyAt++) {
          const topLeft = windowStart + d;
          const topRight = topLeft + channels;
          const bottomLeft = topLeft + rowStride;
          const bottomRight = bottomLeft + channels;
          // Strictly greater, starting from -Infinity: the first maximum wins ties and a window
          // of -Infinity/NaN passes nothing, as in the cpu backend.
          let best = -Infinity;
          let at = -1;
          if (x[topLeft] > best) {
            best = x[topLeft];
            at = topLeft;
          }
          if (x[topRight] > best) {
            best = x[topRight];
            at = topRight;
          }
          if (x[bottomLeft] > best) {
            best = x[bottomLeft];
            at = bottomLeft;
          }
          if (x[bottomRight] > best) at = bottomRight;
          // Windows do not overlap, so each input position receives at most one value.
          if (at >= 0) dx[at] = dy[dyAt];
        }
      }
    }
  }
}

/**
 * maxPoolGrad2x2 in wasm SIMD for one image, four channels at a time (heap_simd.ts): run(x, dy,
 * dx, outHeight, outWidth, channels × 4, inWidth × channels × 4), byte addresses, channels a
 * multiple of 4. The same strictly-greater comparisons in the same order pick each window's
 * winner; it writes dy there and 0 to the window's other three positions.
 */
const TWO_BY_TWO: HeapFunctionCode = (() => {
  const { get, set, load, store, i32Add: add, f32x4Gt: gt, v128Bitselect: select } = op;
  const { v128And: and, v128AndNot: andNot, v128Or: or } = op;
  // Parameters 0-6. i32 locals 7 oy, 8 ox, 9 channel byte, 10 row offset, 11 window offset,
  // 12 offset, 13 dy address; v128 locals 14-17 the window's four values, 18 best so far,
  // 19-22 "greater than all before" masks, 23 dy, 24 −Infinity, 25 masks of later winners.
  const x = (
    ...offsets: number[]
  ) => [...get(0), ...get(12), ...add, ...offsets.flatMap((o) => [...get(o), ...add])];
  const dx = (
    ...offsets: number[]
  ) => [...get(2), ...get(12), ...add, ...offsets.flatMap((o) => [...get(o), ...add])];
  const increment = (
    local: number,
    by: number,
  ) => [...get(local), ...op.i32(by), ...add, ...set(local)];
  const loopWhileBelow = (counter: number, limit: number, body: number[]) => [
    ...op.i32(0),
    ...set(counter),
    ...op.block,
    ...op.loop,
    ...[...get(counter), ...get(limit), ...op.i32GeU, ...op.brIf(1)],
    ...body,
    ...op.br(0),
    ...op.end,
    ...op.end,
  ];
  const channelStep = [
    ...[...get(11), ...get(9), ...add, ...set(12)],
    ...[...x(), ...load, ...set(14)],
    ...[...x(5), ...load, ...set(15)],
    ...[...x(6), ...load, ...set(16)],
    ...[...x(6, 5), ...load, ...set(17)],
    ...[...get(14), ...get(24), ...gt, ...set(19)],
    ...[...get(14), ...get(24), ...get(19), ...select, ...set(18)],
    ...[...get(15), ...get(18), ...gt, ...set(20)],
    ...[...get(15), ...get(18), ...get(20), ...select, ...set(18)],
    ...[...get(16), ...get(18), ...gt, ...set(21)],
    ...[...get(16), ...get(18), ...get(21), ...select, ...set(18)],
    ...[...get(17), ...get(18), ...gt, ...set(22)],
    ...[...get(13), ...load, ...set(23)],
    ...[...dx(6, 5), ...get(23), ...get(22), ...and, ...store],
    ...[...dx(6), ...get(23), ...get(21), ...get(22), ...andNot, ...and, ...store],
    ...[...get(21), ...get(22), ...or, ...set(25)],
    ...[...dx(5), ...get(23), ...get(20), ...get(25), ...andNot, ...and, ...store],
    ...[...get(20), ...get(25), ...or, ...set(25)],
    ...[...dx(), ...get(23), ...get(19), ...get(25), ...andNot, ...and, ...store],
    ...increment(13, 16),
    ...increment(9, 16),
  ];
  const column = [
    ...[
      ...get(10),
      ...get(8),
      ...get(5),
      ...op.i32Mul,
      ...op.i32(1),
      ...op.i32Shl,
      ...add,
      ...set(11),
    ],
    ...loopWhileBelow(9, 5, channelStep),
    ...increment(8, 1),
  ];
  const row = [
    ...[...get(7), ...get(6), ...op.i32Mul, ...op.i32(1), ...op.i32Shl, ...set(10)],
    ...loopWhileBelow(8, 4, column),
    ...increment(7, 1),
  ];
  return {
    params: Array(7).fill(I32),
    locals: [[7, I32], [12, V128]],
    body: [
      ...[...op.minusInfinity, ...op.f32x4Splat, ...set(24)],
      ...[...get(1), ...set(13)],
      ...loopWhileBelow(7, 3, row),
    ],
  };
})();

/** The SIMD 2×2 function for this backend's heap; null where the JS loop runs instead. */
export function simdMaxPoolGrad2x2(backend: tf.KernelBackend): HeapFunction | null {
  return heapFunction(backend, TWO_BY_TWO);
}

function maxPoolGrad(args: KernelArgs): tf.TensorInfo {
  const { inputs, attrs } = args;
  const backend = args.backend as WasmHeapBackend;
  const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const dx = backend.makeOutput(input.shape, "float32");
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  const dxValues = backend.typedArrayFromHeap(dx) as Float32Array;
  const fitsTwoByTwo = info.filterHeight === 2 && info.filterWidth === 2 &&
    info.strideHeight === 2 && info.strideWidth === 2 && info.padInfo.top === 0 &&
    info.padInfo.left === 0 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth;
  const simd = fitsTwoByTwo && channels % 4 === 0 ? simdMaxPoolGrad2x2(backend) : null;
  if (simd) {
    // The windows cover every position but an odd last row or column.
    if (2 * outHeight < inHeight || 2 * outWidth < inWidth) dxValues.fill(0);
    const image = inHeight * inWidth * channels * 4;
    const pooled = outHeight * outWidth * channels * 4;
    for (let b = 0; b < batchSize; b++) {
      simd(
        x.byteOffset + b * image,
        dyValues.byteOffset + b * pooled,
        dxValues.byteOffset + b * image,
        outHeight,
        outWidth,
        channels * 4,
        inWidth * channels * 4,
      );
    }
    return dx;
  }
  dxValues.fill(0);
  if (fitsTwoByTwo) {
    maxPoolGrad2x2(x, dyValues, dxValues, info);
    return dx;
  }
  const best = new Float32Array(channels);
  const bestAt = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    const xBatch = b * inHeight * inWidth * channels;
    for (let yR = 0; yR < outHeight; yR++) {
      const rowStart = yR * info.strideHeight - info.padInfo.top;
      const rowMin = Math.max(0, rowStart);
      const rowMax = Math.min(inHeight, rowStart + info.effectiveFilterHeight);
      for (let yC = 0; yC < outWidth; yC++) {
        const colStart = yC * info.strideWidth - info.padInfo.left;
        const colMin = Math.max(0, colStart);
        const colMax = Math.min(inWidth, colStart + info.effectiveFilterWidth);
        best.fill(-Infinity);
        bestAt.fill(-1);
        // Channels innermost: every load is contiguous.
        for (let r = rowMin; r < rowMax; r++) {
          for (let c = colMin; c < colMax; c++) {
            const at = xBatch + (r * inWidth + c) * channels;
            for (let d = 0; d < channels; d++) {
              const v = x[at + d];
              if (v > best[d]) {
                best[d] = v;
                bestAt[d] = at + d;
              }
            }
          }
        }
        const dyAt = ((b * outHeight + yR) * outWidth + yC) * channels;
        for (let d = 0; d < channels; d++) {
          if (bestAt[d] >= 0) dxValues[bestAt[d]] += dyValues[dyAt + d];
        }
      }
    }
  }
  return dx;
}

/** Registered for wasm in place of the shipped kernel. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
