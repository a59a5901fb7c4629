/**
 * Sum and Mean over leading axes for wasm, over the wasm heap. The shipped kernels reduce only
 * innermost axes, so for NHWC batch statistics and bias gradients (axes [0, 1, 2]) they first
 * transpose the whole tensor: 59 ms for a 64×48×48×64 sum against ~10 ms for one pass in JS, and
 * less again in wasm SIMD where the kept axes hold a multiple of four values (channels do).
 * Accumulation is in float64, row after row, like the cpu backend, so both paths give its bits.
 * Other reductions go to the shipped kernel.
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
 * run(x, totals, rows, row bytes): adds each row of float32 x (row bytes a multiple of 16) into
 * the float64 totals, four columns at a time: lanes 0-1 and 2-3 promoted and added as two f64x2.
 */
const SUM_ROWS: HeapFunctionCode = (() => {
  const { get, set, load, store, i32Add: add } = op;
  // Parameters 0-3. Locals: 4 row, 5 byte in row, 6 row address, 7 totals address; 8 four values.
  const addPair = (promoted: number[], offset: number) => [
    ...[...get(7), ...op.i32(offset), ...add],
    ...[...get(7), ...op.i32(offset), ...add, ...load],
    ...[...get(8), ...promoted, ...op.f64x2PromoteLow, ...op.f64x2Add, ...store],
  ];
  const highToLow = op.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15]);
  const column = [
    ...[...get(6), ...get(5), ...add, ...load, ...set(8)],
    ...[...get(1), ...get(5), ...get(5), ...add, ...add, ...set(7)],
    ...addPair([], 0),
    ...addPair([...get(8), ...highToLow], 16),
    ...increment(5, 16),
  ];
  return {
    params: Array(4).fill(I32),
    locals: [[4, I32], [1, V128]],
    body: [
      ...[...get(0), ...set(6)],
      ...loopWhileBelow(4, 2, [
        ...loopWhileBelow(5, 3, column),
        ...[...get(6), ...get(3), ...add, ...set(6)],
        ...increment(4, 1),
      ]),
    ],
  };
})();

/** The SIMD function for this backend's heap; null where the JS loop runs instead. */
export function simdSumRows(backend: tf.KernelBackend): HeapFunction | null {
  return heapFunction(backend, SUM_ROWS);
}

/** The number of leading axes `axes` covers, or 0 when they are not exactly 0..k-1. */
function leadingAxisCount(axes: number[]): number {
  const sorted = [...axes].sort((a, b) => a - b);
  return sorted.every((axis, i) => axis === i) ? sorted.length : 0;
}

function reduceLeading(mean: boolean, shipped: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { inputs, attrs } = args as KernelArgs;
    const backend = args.backend as WasmHeapBackend;
    const x = inputs.x as tf.TensorInfo;
    const { axis, keepDims } = attrs as unknown as tf.SumAttrs;
    const axes = tf.util.parseAxisParam(axis, x.shape);
    const leading = leadingAxisCount(axes);
    if (x.dtype !== "float32" || leading === 0) return shipped(args);
    const rows = x.shape.slice(0, leading).reduce((a, b) => a * b, 1);
    const kept = x.shape.slice(leading);
    const columns = kept.reduce((a, b) => a * b, 1);
    const outShape = keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept;
    const out = backend.makeOutput(outShape, "float32");
    const simd = columns > 0 && columns % 4 === 0 ? simdSumRows(backend) : null;
    // The SIMD path keeps its float64 totals on the heap, in a float32 tensor of twice the length.
    const scratch = simd ? backend.makeOutput([2 * columns], "float32") : undefined;
    // Views after every makeOutput: a growing heap invalidates earlier ones.
    const values = backend.typedArrayFromHeap(x) as Float32Array;
    const result = backend.typedArrayFromHeap(out) as Float32Array;
    const heap = scratch && backend.typedArrayFromHeap(scratch) as Float32Array;
    let totals: Float64Array;
    if (simd && heap && heap.byteOffset % 8 === 0) {
      totals = new Float64Array(heap.buffer, heap.byteOffset, columns).fill(0);
      simd(values.byteOffset, totals.byteOffset, rows, columns * 4);
    } else {
      totals = new Float64Array(columns);
      for (let r = 0; r < rows; r++) {
        const base = r * columns;
        for (let c = 0; c < columns; c++) totals[c] += values[base + c];
      }
    }
    const scale = mean ? 1 / rows : 1;
    for (let c = 0; c < columns; c++) result[c] = totals[c] * scale;
    if (scratch) backend.disposeData(scratch.dataId);
    return out;
  };
}

/** Our Sum, calling `shipped` for reductions that are not over leading axes. */
export function sumConfig(shipped: tf.KernelFunc): tf.KernelConfig {
  return { kernelName: tf.Sum, backendName: "wasm", kernelFunc: reduceLeading(false, shipped) };
}

/** Our Mean, calling `shipped` for reductions that are not over leading axes. */
export function meanConfig(shipped: tf.KernelFunc): tf.KernelConfig {
  return { kernelName: tf.Mean, backendName: "wasm", kernelFunc: reduceLeading(true, shipped) };
}
