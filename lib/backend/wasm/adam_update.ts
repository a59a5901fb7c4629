/** The fused Adam update (../adam_update.ts) for wasm, in JS over the wasm heap. */
import type * as tf from "@tensorflow/tfjs";
import { AdamUpdate, adamUpdateArrays, type AdamUpdateAttrs } from "../adam_update.ts";
import type { KernelArgs, WasmHeapBackend } from "./kernel_call.ts";

function adamUpdate({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo[] {
  const heap = backend as WasmHeapBackend;
  const { value, gradient, m, v } = inputs as Record<string, tf.TensorInfo>;
  const outputs = [value, m, v].map((info) => heap.makeOutput(info.shape, "float32"));
  // Views after every makeOutput: a growing heap invalidates earlier ones.
  const [newValue, newM, newV, ...read] = [...outputs, value, gradient, m, v].map((info) =>
    heap.typedArrayFromHeap(info) as Float32Array
  );
  adamUpdateArrays(
    read[0],
    read[1],
    read[2],
    read[3],
    newValue,
    newM,
    newV,
    attrs as unknown as AdamUpdateAttrs,
  );
  return outputs;
}

/** Registered for wasm (and so for onednn, which is wasm with more kernels). */
export const adamUpdateConfig: tf.KernelConfig = {
  kernelName: AdamUpdate,
  backendName: "wasm",
  kernelFunc: adamUpdate as unknown as tf.KernelFunc,
};
