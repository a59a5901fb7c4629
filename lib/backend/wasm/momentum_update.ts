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
 * run(value, gradient, accumulation, newValue, newAccumulation, bytes, μ, −lr): byte addresses
 * and a byte count that is a multiple of 16;
 *   a' = μ·a + g;  value' = (−lr)·a' + value,  with Nesterov (−lr)·(g + a'·μ) + value
 */
function momentumCode(nesterov: boolean): HeapFunctionCode {
  const { get, set, load, store, f32x4Add: add, f32x4Mul: mul } = op;
  // Parameters 0-5 i32, 6-7 f32. Locals: 8 byte offset; 9 μ, 10 −lr splatted; 11 g, 12 a'.
  const at = (base: number) => [...get(base), ...get(8), ...op.i32Add];
  const step = nesterov ? [...get(11), ...get(12), ...get(9), ...mul, ...add] : get(12);
  return {
    params: [...Array(6).fill(I32), F32, F32],
    locals: [[1, I32], [4, V128]],
    body: [
      ...[...get(6), ...op.f32x4Splat, ...set(9)],
      ...[...get(7), ...op.f32x4Splat, ...set(10)],
      ...loopWhileBelow(8, 5, [
        ...[...at(1), ...load, ...set(11)],
        ...[...get(9), ...at(2), ...load, ...mul, ...get(11), ...add, ...set(12)],
        ...[...at(4), ...get(12), ...store],
        ...[...at(3), ...get(10), ...step, ...mul, ...at(0), ...load, ...add, ...store],
        ...increment(8, 16),
      ]),
    ],
  };
}
const MOMENTUM = momentumCode(false);
const NESTEROV = momentumCode(true);

/** The SIMD function for this backend's heap; null where the plain JS loop runs instead. */
export function simdMomentum(backend: tf.KernelBackend, nesterov: boolean): HeapFunction | null {
  return heapFunction(backend, nesterov ? NESTEROV : MOMENTUM);
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
  const simd = simdMomentum(heap, a.nesterov);
  const count = views[0].length;
  const vectorised = simd ? count - (count % 4) : 0;
  if (simd && vectorised > 0) {
    simd(...views.map((view) => view.byteOffset), vectorised * 4, a.momentum, -a.learningRate);
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
