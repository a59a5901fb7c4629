/**
 * Batch normalisation in training mode as one operation with its own gradient: batch mean and
 * variance, normalised output, and the gradients of input, scale and shift in closed form. tfjs
 * builds it from moments, FusedBatchNorm and their gradients: five to eight passes over every
 * activation where PyTorch makes two, which was a third of a MobileNetV2 step. Backends offer it
 * by registering the two kernels below and the gradient (the onednn backend does); elsewhere the layer keeps tfjs's
 * composition (lib/models/batch_norm.ts), so numbers on wasm, cpu and WebGPU do not change.
 */
import * as tf from "@tensorflow/tfjs";

/** Inputs x [..., C], scale [C], offset [C]; attrs { epsilon }; outputs y, mean, variance [C]. */
export const BatchNormTraining = "FerBatchNormTraining";
/** Inputs x, dy, scale, mean, variance; attrs { epsilon }; outputs dx, dscale, doffset. */
export const BatchNormTrainingGrad = "FerBatchNormTrainingGrad";

/** Whether the current backend runs the fused training batch norm. */
export function hasBatchNormTraining(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(BatchNormTraining, backend) !== undefined &&
    tf.getKernel(BatchNormTrainingGrad, backend) !== undefined;
}

/** The gradient of BatchNormTraining, registered with the kernels (onednn/kernels.ts). */
export const batchNormTrainingGradient: tf.GradConfig = {
  kernelName: BatchNormTraining,
  inputsToSave: ["x", "scale"],
  outputsToSave: [false, true, true],
  // The mean and variance outputs only feed the moving averages, which no loss depends on.
  gradFunc: ((dys: tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const [x, scale, mean, variance] = saved;
    const [dx, dscale, doffset] = tf.engine().runKernel(
      BatchNormTrainingGrad,
      { x, dy: dys[0], scale, mean, variance },
      attrs,
    ) as tf.Tensor[];
    return { x: () => dx, scale: () => dscale, offset: () => doffset };
  }) as unknown as tf.GradFunc,
};

/**
 * Normalises `x` over every axis but the last with the batch's own statistics, then scales and
 * shifts: [y, mean, variance] (the biased variance, as tf.moments gives). Differentiable in x,
 * scale and offset. Only where hasBatchNormTraining() is true.
 */
export function batchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
): [tf.Tensor, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel(
    BatchNormTraining,
    { x, scale, offset },
    { epsilon },
  ) as unknown as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
}
