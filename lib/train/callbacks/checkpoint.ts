/**
 * Keras' ModelCheckpoint and BackupAndRestore in one: saves the model, the optimizer and the
 * TrainingState (every callback's resume state, see FitControl.snapshot) at each epoch's end, every
 * `everySteps` steps inside an epoch, and where a halt (signal, time limit) stopped the fit; with
 * a copy of the model when the epoch is the best so far. `resume` loads such a checkpoint back.
 * Its own resume state: the learning rate and the optimizer's scalars (`lr`, `optimizer`).
 */
import type * as tf from "@tensorflow/tfjs";
import {
  type CheckpointState,
  type CheckpointStore,
  loadModelTensors,
  loadOptimizerTensors,
} from "../checkpoint.ts";
import {
  getLearningRate,
  optimizerScalars,
  restoreOptimizerScalars,
  setLearningRate,
} from "../optimizers.ts";
import type { TrainingState } from "../trainer.ts";
import type { BestEpoch } from "./best.ts";
import type { BatchLogs, FitCallback, FitControl } from "./types.ts";

export class ModelCheckpoint implements FitCallback {
  readonly name = "ModelCheckpoint";

  constructor(
    readonly store: CheckpointStore<TrainingState>,
    readonly optimizer: tf.Optimizer,
    readonly best: BestEpoch,
    readonly everySteps = 0,
    /** The checkpoint the fit resumed from (numbering continues from it). */
    private last?: CheckpointState<TrainingState>,
  ) {}

  /** Loads the tensors of `checkpoint` into `model` and the optimizer. */
  async resume(model: tf.LayersModel, checkpoint: CheckpointState<TrainingState>): Promise<void> {
    await loadModelTensors(this.store.dir, checkpoint.last.model, model);
    if (checkpoint.last.optimizer) {
      await loadOptimizerTensors(this.store.dir, checkpoint.last.optimizer, this.optimizer);
    }
    this.last = checkpoint;
  }

  async onBatchEnd(step: number, _logs: BatchLogs, control: FitControl) {
    const every = this.everySteps;
    if (every > 0 && step % every === 0 && step < control.steps) await this.#save(control);
  }

  async onEpochEnd(_logs: unknown, control: FitControl) {
    await this.#save(control, this.best.improved);
  }

  async onHalt(control: FitControl) {
    await this.#save(control);
  }

  async #save(control: FitControl, bestImproved = false) {
    const { tracker } = this.best;
    const best = bestImproved
      ? { epoch: tracker.bestEpoch, value: tracker.best, monitor: tracker.monitor }
      : undefined;
    this.last = await this.store.write(
      this.last,
      control.model,
      this.optimizer,
      control.snapshot(),
      best,
    );
  }

  saveTo(state: TrainingState) {
    state.lr = getLearningRate(this.optimizer);
    state.optimizer = optimizerScalars(this.optimizer);
  }

  restoreFrom(state: TrainingState) {
    restoreOptimizerScalars(this.optimizer, state.optimizer);
    setLearningRate(this.optimizer, state.lr);
  }
}
