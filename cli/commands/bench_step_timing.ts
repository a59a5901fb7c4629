/**
 * Times the project's own training step (lib/train/step.ts, the function `fit` calls) on one
 * synthetic batch, so `fer bench train` measures what training does and nothing else: no data
 * loading, no augmentation. The timing itself is lib/backend's `timeSteps`.
 */
import * as tf from "@tensorflow/tfjs";
import { syntheticBatch, trainingStep } from "../../lib/train/step.ts";
import { type StepTimingOptions, type Throughput, timeSteps } from "../../lib/backend/mod.ts";

/** What to time. */
export interface TrainingTimingOptions extends StepTimingOptions {
  readonly optimizer: tf.Optimizer;
  /** Gradient accumulation chunk, as `fit` uses it (StepOptions.microBatch); default none. */
  readonly microBatch?: number;
}

/** Times `warmup + steps` of the project's training steps of `model` on one synthetic batch. */
export async function timeTrainingSteps(
  model: tf.LayersModel,
  options: TrainingTimingOptions,
): Promise<Throughput> {
  const { x, labels } = syntheticBatch(model, options.batch);
  try {
    return await timeSteps(
      async () =>
        (await trainingStep(model, options.optimizer, x, labels, {
          microBatch: options.microBatch,
        })).loss,
      options,
    );
  } finally {
    tf.dispose([x, labels]);
  }
}
