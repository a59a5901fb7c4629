/**
 * The gradient of ClipByValue through our one-pass kernel (wasm/clip_gradient.ts) on backends
 * that register it, and tfjs-core's own gradient elsewhere. Same values: dy where the clip passes
 * x through, else 0.
 */
import * as tf from "@tensorflow/tfjs";
import { CLIP_BY_VALUE_GRAD } from "../wasm/clip_gradient.ts";

/** Taken when this module loads, before ours replaces it. */
const coreGradient = tf.getGradient(tf.ClipByValue)!.gradFunc;

/** Replaces tfjs-core's ClipByValue gradient (globally: gradients are not per backend). */
export const clipByValueGradient: tf.GradConfig = {
  kernelName: tf.ClipByValue,
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const gradient = dy as tf.Tensor;
    const fused = tf.getKernel(CLIP_BY_VALUE_GRAD, tf.getBackend()) !== undefined &&
      x.dtype === "float32" && gradient.dtype === "float32";
    if (!fused) return coreGradient(dy, saved, attrs);
    return {
      x: () => tf.engine().runKernel(CLIP_BY_VALUE_GRAD, { dy: gradient, x }, attrs) as tf.Tensor,
    };
  },
};
