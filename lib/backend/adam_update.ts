/**
 * One Adam step for one variable as a single kernel: the new value and both moments in one pass
 * over the four arrays. tfjs's AdamOptimizer makes about twelve element-wise kernels of it, each a
 * pass over memory: on ResNet-50's 23.5M parameters that was a fifth of a training step on the
 * onednn backend (docs/BENCHMARKS.md). Backends offer it by registering the kernel (wasm does,
 * wasm/adam_update.ts); elsewhere lib/train/optimizers.ts's Adam runs tfjs's composition.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Inputs value, gradient, m, v (one shape); attrs AdamUpdateAttrs; outputs the new value, m, v.
 */
export const AdamUpdate = "FerAdamUpdate";

/** The step's constants: tfjs's Adam fields, and 1 − βᵗ of this step. */
export interface AdamUpdateAttrs {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ as float32 (tfjs computes them as float32 tensors). */
  readonly oneMinusAccBeta1: number;
  readonly oneMinusAccBeta2: number;
}

/** Whether the current backend runs the fused Adam update. */
export function hasAdamUpdate(): boolean {
  return tf.getKernel(AdamUpdate, tf.getBackend()) !== undefined;
}

/** [new value, new m, new v]. Only where hasAdamUpdate() is true; not differentiable. */
export function adamUpdate(
  value: tf.Tensor,
  gradient: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  attrs: AdamUpdateAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(
    AdamUpdate,
    { value, gradient, m, v },
    attrs as unknown as tf.NamedAttrMap,
  ) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
}

/**
 * The update over plain arrays, rounding to float32 after every operation in the order tfjs's
 * AdamOptimizer runs its kernels, so the results are tfjs's to the bit:
 *   m' = m·β₁ + g·(1−β₁);  v' = v·β₂ + g²·(1−β₂)
 *   value' = (m'/(1−β₁ᵗ)) / (√(v'/(1−β₂ᵗ)) + ε) · (−lr) + value
 */
export function adamUpdateArrays(
  value: Float32Array,
  gradient: Float32Array,
  m: Float32Array,
  v: Float32Array,
  newValue: Float32Array,
  newM: Float32Array,
  newV: Float32Array,
  attrs: AdamUpdateAttrs,
): void {
  const f = Math.fround;
  // tfjs turns each JS number into a float32 scalar tensor.
  const beta1 = f(attrs.beta1), beta2 = f(attrs.beta2);
  const oneMinusBeta1 = f(1 - attrs.beta1), oneMinusBeta2 = f(1 - attrs.beta2);
  const epsilon = f(attrs.epsilon), minusLr = f(-attrs.learningRate);
  const correction1 = f(attrs.oneMinusAccBeta1), correction2 = f(attrs.oneMinusAccBeta2);
  for (let i = 0; i < value.length; i++) {
    const g = gradient[i];
    const m1 = f(f(m[i] * beta1) + f(g * oneMinusBeta1));
    const v1 = f(f(v[i] * beta2) + f(f(g * g) * oneMinusBeta2));
    const step = f(f(m1 / correction1) / f(f(Math.sqrt(f(v1 / correction2))) + epsilon));
    newValue[i] = f(f(step * minusLr) + value[i]);
    newM[i] = m1;
    newV[i] = v1;
  }
}
