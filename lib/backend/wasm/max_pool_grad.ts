/**
 * MaxPoolGrad for wasm over the wasm heap. The shipped C kernel took 245 ms for a 64×48×48×64
 * input on our machine; one pass that sends each output gradient to its window's maximum is
 * several times faster in JS (50 ms), and ten times faster again as wasm SIMD for the common 2×2
 * pools (5 ms). Other pools with channels in fours (ResNet's 3×3 stride-2 stem pool) run as two
 * SIMD passes, 3× faster than the JS loop (16×114×114×64: 186 → 40–65 ms). Ties go to the first
 * maximum in row-major window order and a window with no value above −Infinity passes no
 * gradient, as in the cpu backend; where windows overlap, an input's gradients are summed in
 * double precision in row-major window order and rounded once, as the cpu kernel sums them, so
 * every path gives its bits (but for a −0 gradient, which the 2×2 kernels pass on as −0 where the
 * cpu kernel's sum makes it +0).
 */
import * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "./kernel_call.ts";
import {
  type HeapFunction,
  heapFunction,
  type HeapFunctionCode,
  I32,
  increment,
  loopWhileBelow,
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

/** The byte offsets of four float32 lanes, added to a splatted offset. */
const LANE_OFFSETS = [0, 4, 8, 12].flatMap((n) => [n, 0, 0, 0]);

/** a if `compare`(a, b) holds, else b: two i32 expressions (signed), a evaluated once into `scratch`. */
function pickI32(a: number[], b: number[], scratch: number, compare: number[]): number[] {
  return [
    ...a,
    ...op.set(scratch),
    ...op.get(scratch),
    ...b,
    ...op.get(scratch),
    ...b,
    ...compare,
    ...op.select,
  ];
}
const maxI32 = (a: number[], b: number[], scratch: number) => pickI32(a, b, scratch, op.i32GtS);
const minI32 = (a: number[], b: number[], scratch: number) => pickI32(a, b, scratch, op.i32LtS);

/**
 * The first pass of the general gradient, one output row of one image: each output's window
 * maximum, four channels at a time, as the byte offset (from the image's start) of the input
 * value that wins, or −1 where no value beats −Infinity. run(xRow, rows, positions, outWidth,
 * channel bytes, input row bytes, inWidth, strideWidth, padLeft, filterWidth, xRow's offset in
 * the image): xRow is the window's first row inside the input, rows how many lie inside. Rows,
 * then columns, strictly greater: the first maximum in row-major window order wins, as tfjs's
 * maxPoolPositions picks it.
 */
const WINDOW_MAXIMA: HeapFunctionCode = (() => {
  const { get, set, load, store, i32Add: add, i32Mul: mul, v128Bitselect: select } = op;
  // Parameters 0-10. i32 locals: 11 yC, 12 first column, 13 column end, 14 channel byte,
  // 15 window row, 16 column, 17 offset from xRow, 18 position address, 19 scratch.
  // v128 locals: 20 best, 21 its offsets, 22 value, 23 "greater" mask, 24 −Infinity, 25 −1,
  // 26 lane offsets.
  const windowValue = [
    ...[...get(15), ...get(5), ...mul, ...get(16), ...get(4), ...mul, ...add, ...get(14), ...add],
    ...set(17),
    ...[...get(0), ...get(17), ...add, ...load, ...set(22)],
    ...[...get(22), ...get(20), ...op.f32x4Gt, ...set(23)],
    ...[...get(22), ...get(20), ...get(23), ...select, ...set(20)],
    ...[...get(10), ...get(17), ...add, ...op.i32x4Splat, ...get(26), ...op.i32x4Add],
    ...[...get(21), ...get(23), ...select, ...set(21)],
    ...increment(16, 1),
  ];
  const channelGroup = [
    ...[...get(24), ...set(20), ...get(25), ...set(21)],
    ...loopWhileBelow(15, 1, [
      ...loopWhileBelow(16, 13, windowValue, get(12)),
      ...increment(15, 1),
    ]),
    ...[...get(18), ...get(21), ...store],
    ...increment(18, 16),
    ...increment(14, 16),
  ];
  const corner = [...get(11), ...get(7), ...mul, ...get(8), ...op.i32Sub];
  const column = [
    ...maxI32(corner, op.i32(0), 19),
    ...set(12),
    ...minI32([...corner, ...get(9), ...add], get(6), 19),
    ...set(13),
    ...loopWhileBelow(14, 4, channelGroup),
    ...increment(11, 1),
  ];
  return {
    params: Array(11).fill(I32),
    locals: [[9, I32], [7, V128]],
    body: [
      ...[...op.minusInfinity, ...op.f32x4Splat, ...set(24)],
      ...[...op.i32(-1), ...op.i32x4Splat, ...set(25)],
      ...[...op.v128(LANE_OFFSETS), ...set(26)],
      ...[...get(2), ...set(18)],
      ...loopWhileBelow(11, 3, column),
    ],
  };
})();

/**
 * The second pass, one input row of one image: each input value's gradient is the sum of dy over
 * the windows whose maximum it is, added in double precision in row-major window order and then
 * rounded, as tfjs's cpu kernel sums them (so overlapping windows give its bits). run(dyRow,
 * positionRow, window rows, dxRow, dxRow's offset in the image, inWidth, channel bytes, output
 * row bytes, strideWidth, padLeft, filterWidth, outWidth): dyRow and positionRow are the first
 * output row whose windows hold this input row, window rows how many do (0: all zeros).
 */
const ROUTED_SUMS: HeapFunctionCode = (() => {
  const { get, set, load, store, i32Add: add, i32Mul: mul, f64x2Add: addF64 } = op;
  const { f64x2PromoteLow: promote, f32x4DemoteF64x2: demote } = op;
  // Parameters 0-11. i32 locals: 12 c, 13 first window column, 14 window column end,
  // 15 channel byte, 16 window row, 17 window column, 18 offset, 19 scratch, 20 dx address.
  // v128 locals: 21, 22 the sums of lanes 0-1 and 2-3 (f64x2), 23 this value's offsets, 24 dy
  // where this value won, 25 lane offsets.
  const highHalf = [...Array(8).keys()].map((i) => i + 8);
  const window = [
    ...[...get(16), ...get(7), ...mul, ...get(17), ...get(6), ...mul, ...add, ...get(15), ...add],
    ...set(18),
    ...[...get(0), ...get(18), ...add, ...load],
    ...[...get(1), ...get(18), ...add, ...load, ...get(23), ...op.i32x4Eq, ...op.v128And],
    ...set(24),
    ...[...get(21), ...get(24), ...promote, ...addF64, ...set(21)],
    ...[...get(22), ...get(24), ...get(24), ...op.shuffle([...highHalf, ...highHalf]), ...promote],
    ...[...addF64, ...set(22)],
    ...increment(17, 1),
  ];
  const channelGroup = [
    ...[...op.v128(Array(16).fill(0)), ...op.v128(Array(16).fill(0)), ...set(21), ...set(22)],
    ...[...get(4), ...get(12), ...get(6), ...mul, ...add, ...get(15), ...add],
    ...[...op.i32x4Splat, ...get(25), ...op.i32x4Add, ...set(23)],
    ...loopWhileBelow(16, 2, [...loopWhileBelow(17, 14, window, get(13)), ...increment(16, 1)]),
    ...[...get(20), ...get(21), ...demote, ...get(22), ...demote],
    ...[...op.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]), ...store],
    ...increment(20, 16),
    ...increment(15, 16),
  ];
  // Windows yC hold column c where yC·stride − padLeft ≤ c < yC·stride − padLeft + filterWidth.
  const last = [...get(12), ...get(9), ...add]; // c + padLeft
  const beyond = [...last, ...get(10), ...op.i32Sub, ...op.i32(1), ...add]; // c + padLeft − fW + 1
  const column = [
    // ⌈beyond / stride⌉ where beyond > 0, else 0.
    ...[...beyond, ...set(19), ...get(19), ...get(8), ...add, ...op.i32(1), ...op.i32Sub],
    ...[...get(8), ...op.i32DivU, ...op.i32(0), ...get(19), ...op.i32(0), ...op.i32GtS],
    ...[...op.select, ...set(13)],
    ...minI32([...last, ...get(8), ...op.i32DivU, ...op.i32(1), ...add], get(11), 19),
    ...set(14),
    ...loopWhileBelow(15, 6, channelGroup),
    ...increment(12, 1),
  ];
  return {
    params: Array(12).fill(I32),
    locals: [[9, I32], [5, V128]],
    body: [
      ...[...op.v128(LANE_OFFSETS), ...set(25)],
      ...[...get(3), ...set(20)],
      ...loopWhileBelow(12, 5, column),
    ],
  };
})();

/** The general SIMD passes for this backend's heap; null where the JS loop runs instead. */
export function simdMaxPoolGrad(
  backend: tf.KernelBackend,
): { windowMaxima: HeapFunction; routedSums: HeapFunction } | null {
  const windowMaxima = heapFunction(backend, WINDOW_MAXIMA);
  const routedSums = heapFunction(backend, ROUTED_SUMS);
  return windowMaxima && routedSums ? { windowMaxima, routedSums } : null;
}

/** The SIMD 2×2 function for this backend's heap; null where the JS loop runs instead. */
export function simdMaxPoolGrad2x2(backend: tf.KernelBackend): HeapFunction | null {
  return heapFunction(backend, TWO_BY_TWO);
}

/**
 * The general SIMD gradient (any window, stride and padding; channels in fours), image by image:
 * the window maxima's offsets into a scratch tensor of one image's outputs, then every input
 * row's sums.
 */
function simdGeneral(
  backend: WasmHeapBackend,
  passes: NonNullable<ReturnType<typeof simdMaxPoolGrad>>,
  input: tf.TensorInfo,
  dy: tf.TensorInfo,
  dx: tf.TensorInfo,
  info: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top: padTop, left: padLeft } = info.padInfo;
  const positions = backend.makeOutput([outHeight * outWidth * channels], "int32");
  // Addresses after every makeOutput: a growing heap moves nothing, but views would go stale.
  const [x, dyAt, dxAt, at] = [input, dy, dx, positions].map((info) =>
    backend.typedArrayFromHeap(info).byteOffset
  );
  const channelBytes = channels * 4;
  const rowBytes = inWidth * channelBytes;
  const outRowBytes = outWidth * channelBytes;
  for (let b = 0; b < batchSize; b++) {
    const image = b * inHeight * rowBytes;
    const pooled = b * outHeight * outRowBytes;
    for (let yR = 0; yR < outHeight; yR++) {
      const corner = yR * strideHeight - padTop;
      const first = Math.max(0, corner);
      const end = Math.min(inHeight, corner + filterHeight);
      passes.windowMaxima(
        x + image + first * rowBytes,
        Math.max(0, end - first),
        at + yR * outRowBytes,
        outWidth,
        channelBytes,
        rowBytes,
        inWidth,
        strideWidth,
        padLeft,
        filterWidth,
        first * rowBytes,
      );
    }
    for (let r = 0; r < inHeight; r++) {
      // The output rows whose windows hold input row r.
      const beyond = r + padTop - filterHeight + 1;
      const first = beyond > 0 ? Math.ceil(beyond / strideHeight) : 0;
      const end = Math.min(outHeight, Math.floor((r + padTop) / strideHeight) + 1);
      passes.routedSums(
        dyAt + pooled + first * outRowBytes,
        at + first * outRowBytes,
        Math.max(0, end - first),
        dxAt + image + r * rowBytes,
        r * rowBytes,
        inWidth,
        channelBytes,
        outRowBytes,
        strideWidth,
        padLeft,
        filterWidth,
        outWidth,
      );
    }
  }
  backend.disposeData(positions.dataId);
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
  const fitsTwoByTwo = info.filterHeight === 2 && info.filterWidth === 2 &&
    info.strideHeight === 2 && info.strideWidth === 2 && info.padInfo.top === 0 &&
    info.padInfo.left === 0 && 2 * outHeight <= inHeight && 2 * outWidth <= inWidth;
  // The general passes assume every window starts left of and above the input's far edge.
  const fitsGeneral = !fitsTwoByTwo && outHeight > 0 && outWidth > 0 &&
    info.padInfo.top < info.filterHeight && info.padInfo.left < info.filterWidth;
  const general = fitsGeneral && channels % 4 === 0 ? simdMaxPoolGrad(backend) : null;
  if (general) {
    simdGeneral(backend, general, input, dy, dx, info);
    return dx;
  }
  const x = backend.typedArrayFromHeap(input) as Float32Array;
  const dyValues = backend.typedArrayFromHeap(dy) as Float32Array;
  const dxValues = backend.typedArrayFromHeap(dx) as Float32Array;
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
  // Sums in double precision, in row-major window order (each input's windows are visited in
  // that order), rounded once at the end: tfjs's cpu kernel's bits where windows overlap.
  const sums = new Float64Array(dxValues.length);
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
          if (bestAt[d] >= 0) sums[bestAt[d]] += dyValues[dyAt + d];
        }
      }
    }
  }
  dxValues.set(sums);
  return dx;
}

/** Registered for wasm in place of the shipped kernel. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
