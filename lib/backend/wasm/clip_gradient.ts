/**
 * The gradient of clipByValue (ReLU6 in MobileNetV2) in one pass over the wasm heap: dy where
 * min ≤ x ≤ max, else 0. tfjs-core builds it from GreaterEqual, LessEqual, LogicalAnd, ZerosLike
 * and Select, which took 18 % of a MobileNetV2 training step on wasm. The loop is branchless (a
 * bit mask on dy's bits): with a branch, mispredictions made it three times slower.
 */
import type * as tf from "@tensorflow/tfjs";
import type { KernelArgs, WasmHeapBackend } from "./kernel_call.ts";

/** Our kernel's name; gradients/clip_by_value.ts calls it where a backend registers it. */
export const CLIP_BY_VALUE_GRAD = "FerClipByValueGrad";

function clipByValueGrad(args: KernelArgs): tf.TensorInfo {
  const { dy, x } = args.inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
  const { clipValueMin: min, clipValueMax: max } = args.attrs as unknown as tf.ClipByValueAttrs;
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput(dy.shape, "float32");
  const xs = backend.typedArrayFromHeap(x) as Float32Array;
  const dyFloats = backend.typedArrayFromHeap(dy) as Float32Array;
  const dyBits = new Int32Array(dyFloats.buffer, dyFloats.byteOffset, dyFloats.length);
  const outFloats = backend.typedArrayFromHeap(out) as Float32Array;
  const outBits = new Int32Array(outFloats.buffer, outFloats.byteOffset, outFloats.length);
  for (let i = 0; i < xs.length; i++) {
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
