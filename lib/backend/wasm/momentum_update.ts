/**
 * The fused momentum-SGD update (../momentum_update.ts) for wasm, over the wasm heap: the bulk
 * four lanes at a time in a wasm SIMD function of our own (heap_simd.ts), with the float32
 * operations of the JS reference in the same order, so results are identical; the last few
 * elements, and every element where the heap's memory object cannot be found, go through the JS
 * loop.
 */
import type * as tf from "@tensorflow/tfjs";
import {
  MomentumUpdate,
  momentumUpdateArrays,
  type MomentumUpdateAttrs,
} from "../momentum_update.ts";
import type { KernelArgs, WasmHeapBackend } from "./kernel_call.ts";
import {
  F32,
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
 * run(value, gradient, accumulation, newValue, newAccumulation, bytes, μ, −lr, decay): byte
 * addresses and a byte count that is a multiple of 16;
 *   g ← g + value·decay (`decayed` only);  a' = μ·a + g;
 *   value' = (−lr)·a' + value,  with Nesterov (−lr)·(g + a'·μ) + value
 */
function momentumCode(nesterov: boolean, decayed: boolean): HeapFunctionCode {
  const { get, set, load, store, f32x4Add: add, f32x4Mul: mul } = op;
  // Parameters 0-5 i32, 6-8 f32. Locals: 9 byte offset; 10 μ, 11 −lr, 12 decay splatted;
  // 13 g, 14 a'.
  const at = (base: number) => [...get(base), ...get(9), ...op.i32Add];
  const gradient = [
    ...at(1),
    ...load,
    ...(decayed ? [...at(0), ...load, ...get(12), ...mul, ...add] : []),
  ];
  const step = nesterov ? [...get(13), ...get(14), ...get(10), ...mul, ...add] : get(14);
  return {
    params: [...Array(6).fill(I32), F32, F32, F32],
    locals: [[1, I32], [5, V128]],
    body: [
      ...[6, 7, 8].flatMap((p) => [...get(p), ...op.f32x4Splat, ...set(p + 4)]),
      ...loopWhileBelow(9, 5, [
        ...[...gradient, ...set(13)],
        ...[...get(10), ...at(2), ...load, ...mul, ...get(13), ...add, ...set(14)],
        ...[...at(4), ...get(14), ...store],
        ...[...at(3), ...get(11), ...step, ...mul, ...at(0), ...load, ...add, ...store],
        ...increment(9, 16),
      ]),
    ],
  };
}
const CODES = [false, true].map((nesterov) =>
  [false, true].map((decayed) => momentumCode(nesterov, decayed))
);

/** The SIMD function for this backend's heap; null where the plain JS loop runs instead. */
export function simdMomentum(
  backend: tf.KernelBackend,
  nesterov: boolean,
  decayed: boolean,
): HeapFunction | null {
  return heapFunction(backend, CODES[+nesterov][+decayed]);
}

function momentumUpdate({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const heap = backend as WasmHeapBackend;
  const { value, gradient, accumulation } = inputs as Record<string, tf.TensorInfo>;
  const outputs = [value, accumulation].map((info) => heap.makeOutput(info.shape, "float32"));
  // Views after every makeOutput: a growing heap invalidates earlier ones.
  const views = [value, gradient, accumulation, ...outputs].map((info) =>
    heap.typedArrayFromHeap(info) as Float32Array
  );
  const a = attrs as unknown as MomentumUpdateAttrs;
  const simd = simdMomentum(heap, a.nesterov, a.weightDecay !== 0);
  const count = views[0].length;
  const vectorised = simd ? count - (count % 4) : 0;
  if (simd && vectorised > 0) {
    const { momentum, learningRate, weightDecay } = a;
    simd(
      ...views.map((view) => view.byteOffset),
      vectorised * 4,
      momentum,
      -learningRate,
      weightDecay,
    );
  }
  const [inValue, inGradient, inAccumulation, newValue, newAccumulation] = views.map((view) =>
    view.subarray(vectorised)
  );
  momentumUpdateArrays(inValue, inGradient, inAccumulation, newValue, newAccumulation, a);
  return outputs;
}

/** Registered for wasm (and so for onednn, which is wasm with more kernels). */
export const momentumUpdateConfig: tf.KernelConfig = {
  kernelName: MomentumUpdate,
  backendName: "wasm",
  kernelFunc: momentumUpdate as unknown as tf.KernelFunc,
};
