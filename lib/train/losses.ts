/**
 * The classification loss, with the two options the papers use (label smoothing and class weights)
 * and soft targets (mixup, CutMix); and the distillation term.
 */
import * as tf from "@tensorflow/tfjs";

const EPSILON = 1e-7;

/**
 * Mean categorical cross-entropy of softmax `probabilities` against integer `labels` (or soft
 * targets, N×K rows that sum to 1, as mixup makes), as Keras computes it from probabilities
 * (clipped to [1e-7, 1 − 1e-7]). With `labelSmoothing` ε the target is (1 − ε)·target + ε/K. With
 * `classWeights`, each sample's loss is scaled by its class weight (a soft target's: the weights
 * averaged by the target) and the batch mean is taken over samples, as Keras' `class_weight` does.
 */
export function crossEntropy(
  probabilities: tf.Tensor2D,
  labels: tf.Tensor1D | tf.Tensor2D,
  options: { labelSmoothing?: number; classWeights?: tf.Tensor1D } = {},
): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = probabilities.shape[1];
    const soft = labels.rank === 2;
    const hard = soft ? labels : tf.oneHot(labels as tf.Tensor1D, numClasses).toFloat();
    let targets = hard;
    const smoothing = options.labelSmoothing ?? 0;
    if (smoothing > 0) targets = targets.mul(1 - smoothing).add(smoothing / numClasses);
    const logP = probabilities.clipByValue(EPSILON, 1 - EPSILON).log();
    let perSample = targets.mul(logP).sum(1).neg();
    if (options.classWeights) {
      perSample = perSample.mul(
        soft
          ? hard.mul(options.classWeights).sum(1)
          : tf.gather(options.classWeights, labels as tf.Tensor1D),
      );
    }
    return perSample.mean() as tf.Scalar;
  });
}

/**
 * Hinton et al.'s distillation term: T²·KL(teacher_T ‖ student_T), the batch mean, where
 * `teacher` holds the teacher's probabilities at temperature T (rows summing to 1) and the
 * student's are softmax(`studentLogits` / T). The T² keeps its gradients' scale independent of T.
 * It is 0 when the two agree.
 */
export function distillationLoss(
  teacher: tf.Tensor2D,
  studentLogits: tf.Tensor2D,
  temperature: number,
): tf.Scalar {
  return tf.tidy(() => {
    const studentLog = tf.logSoftmax(studentLogits.div(temperature));
    // 0·log 0 = 0: a teacher probability of 0 contributes nothing.
    const teacherLog = teacher.maximum(1e-30).log();
    const kl = teacher.mul(teacherLog.sub(studentLog)).sum(1);
    return kl.mean().mul(temperature * temperature) as tf.Scalar;
  });
}

/** "balanced" class weights, n / (K · count_k), as sklearn computes them; 0 for absent classes. */
export function balancedClassWeights(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts.map((c) => (c === 0 ? 0 : labels.length / (numClasses * c)));
}
