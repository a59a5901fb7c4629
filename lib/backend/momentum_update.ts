/**
 * One momentum-SGD step for one variable as a single kernel: the new value and accumulation in one
 * pass over the three arrays, the L2 penalty included. tfjs's MomentumOptimizer makes two
 * element-wise kernels of it, six with Nesterov, and the penalty two more, each a pass over memory
 * that allocates its result: on khaireddin-vgg's 30M parameters that was about a sixth of a
 * training step on the onednn backend (docs/BENCHMARKS.md).
 * Backends offer it by registering the kernel (wasm does, wasm/momentum_update.ts); elsewhere
 * lib/train/optimizers.ts's momentum SGD runs tfjs's composition.
 */
import * as tf from "@tensorflow/tfjs";

/** Inputs value, gradient, accumulation (one shape); attrs MomentumUpdateAttrs; outputs the new value and accumulation. */
export const MomentumUpdate = "FerMomentumUpdate";

/** tfjs's MomentumOptimizer fields, and the L2 penalty this variable's gradient takes (0: none). */
export interface MomentumUpdateAttrs {
  readonly learningRate: number;
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

/** Whether the current backend runs the fused momentum update. */
export function hasMomentumUpdate(): boolean {
  return tf.getKernel(MomentumUpdate, tf.getBackend()) !== undefined;
}

/** [new value, new accumulation]. Only where hasMomentumUpdate() is true; not differentiable. */
export function momentumUpdate(
  value: tf.Tensor,
  gradient: tf.Tensor,
  accumulation: tf.Tensor,
  attrs: MomentumUpdateAttrs,
): [tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(
    MomentumUpdate,
    { value, gradient, accumulation },
    attrs as unknown as tf.NamedAttrMap,
  ) as unknown as [tf.Tensor, tf.Tensor];
}

/**
 * The update over plain arrays, rounding to float32 after every operation in the order tfjs's
 * MomentumOptimizer runs its kernels, after lib/train/step.ts's g + value·decay where decay is not
 * 0, so the results are those kernels' to the bit:
 *   a' = μ·a + g;  value' = (−lr)·a' + value,  with Nesterov (−lr)·(g + a'·μ) + value
 */
export function momentumUpdateArrays(
  value: Float32Array,
  gradient: Float32Array,
  accumulation: Float32Array,
  newValue: Float32Array,
  newAccumulation: Float32Array,
  attrs: MomentumUpdateAttrs,
): void {
  const f = Math.fround;
  // tfjs turns each JS number into a float32 scalar tensor.
  const momentum = f(attrs.momentum), minusLr = f(-attrs.learningRate);
  const decay = f(attrs.weightDecay);
  for (let i = 0; i < value.length; i++) {
    const g = decay === 0 ? gradient[i] : f(gradient[i] + f(value[i] * decay));
    const a = f(f(momentum * accumulation[i]) + g);
    const step = attrs.nesterov ? f(g + f(a * momentum)) : a;
    newValue[i] = f(f(minusLr * step) + value[i]);
    newAccumulation[i] = a;
  }
}
