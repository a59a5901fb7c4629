/**
 * The gradient of clipByValue (ReLU6 in MobileNetV2) in one pass over the wasm heap: dy where
 * min ≤ x ≤ max, else +0, as tfjs-core's where(x ≥ min && x ≤ max, dy, 0) gives it (NaN x passes
 * nothing), with the bounds rounded to float32 as tfjs's comparisons round them. tfjs-core builds
 * it from GreaterEqual, LessEqual, LogicalAnd, ZerosLike and Select, which took 18 % of a
 * MobileNetV2 training step on wasm. The bulk runs four lanes at a time in a wasm SIMD function of
 * ours (heap_simd.ts): about 5× faster than the branchless JS loop, which does the last few
 * elements (and all of them where the heap's memory object cannot be found).
 */
import type * as tf from "@tensorflow/tfjs";
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

/** Our kernel's name; gradients/clip_by_value.ts calls it where a backend registers it. */
export const CLIP_BY_VALUE_GRAD = "FerClipByValueGrad";

/**
 * run(x, dy, dx, bytes, min, max): byte addresses and a byte count that is a multiple of 16;
 * dx = dy & (x ≥ min & x ≤ max), lane by lane.
 */
const CLIP_GRADIENT: HeapFunctionCode = (() => {
  const { get, set, load, store, v128And: and } = op;
  // Parameters 0-3 i32, 4-5 f32. Locals: 6 byte offset; 7 min, 8 max splatted, 9 x.
  const at = (base: number) => [...get(base), ...get(6), ...op.i32Add];
  return {
    params: [I32, I32, I32, I32, F32, F32],
    locals: [[1, I32], [3, V128]],
    body: [
      ...[...get(4), ...op.f32x4Splat, ...set(7)],
      ...[...get(5), ...op.f32x4Splat, ...set(8)],
      ...loopWhileBelow(6, 3, [
        ...[...at(0), ...load, ...set(9)],
        ...at(2),
        ...[...at(1), ...load],
        ...[...get(9), ...get(7), ...op.f32x4Ge, ...get(9), ...get(8), ...op.f32x4Le, ...and],
        ...[...and, ...store],
        ...increment(6, 16),
      ]),
    ],
  };
})();

/** The SIMD function for this backend's heap; null where the JS loop runs instead. */
export function simdClipGradient(backend: tf.KernelBackend): HeapFunction | null {
  return heapFunction(backend, CLIP_GRADIENT);
}

function clipByValueGrad(args: KernelArgs): tf.TensorInfo {
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const attrs = args.attrs as unknown as tf.ClipByValueAttrs;
  const min = Math.fround(attrs.clipValueMin);
  const max = Math.fround(attrs.clipValueMax);
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput(dy.shape, "float32");
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dyFloats = backend.typedArrayFromHeap(dy) as Float32Array;
  const outFloats = backend.typedArrayFromHeap(out) as Float32Array;
  const simd = simdClipGradient(backend);
  const vectorised = simd ? xs.length - (xs.length % 4) : 0;
  if (simd && vectorised > 0) {
    simd(xs.byteOffset, dyFloats.byteOffset, outFloats.byteOffset, vectorised * 4, min, max);
  }
  // Branchless (a bit mask on dy's bits): with a branch, mispredictions made it 3× slower.
  const dyBits = new Int32Array(dyFloats.buffer, dyFloats.byteOffset, dyFloats.length);
  const outBits = new Int32Array(outFloats.buffer, outFloats.byteOffset, outFloats.length);
  for (let i = vectorised; i < xs.length; i++) {
    const inRange = +(xs[i] >= min) & +(xs[i] <= max);
    outBits[i] = dyBits[i] & -inRange;
  }
  return out;
}

export const clipByValueGradConfig: tf.KernelConfig = {
  kernelName: CLIP_BY_VALUE_GRAD,
  backendName: "wasm",
  kernelFunc: clipByValueGrad as unknown as tf.KernelFunc,
};
