/**
 * What a training callback is and what it may touch. `Trainer.fit` (../trainer.ts) only runs the
 * steps and calls these hooks; everything else a fit does is a callback in this folder.
 */
import type * as tf from "@tensorflow/tfjs";
import type { TrainingState } from "../trainer.ts";

/** The per-epoch numbers, with Keras' names. `val_*` are absent when there is no validation set. */
export interface EpochLogs {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  lr: number;
  seconds: number;
}

/** The numbers of one training step. */
export interface BatchLogs {
  /** Mean loss of the step's batch (NaN or ±Infinity when training diverged). */
  readonly loss: number;
}

export const MONITORS = ["val_loss", "val_accuracy", "loss", "accuracy"] as const;
export type Monitor = typeof MONITORS[number];

/** What callbacks may read and change while training runs. */
export interface TrainingControl {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  /** Ends training after the current epoch. */
  stop(reason: string): void;
  /** Prints a line between epochs (kept with the run's log). */
  log(message: string): void;
}

/**
 * A Keras-style callback. Hooks run in the order the callbacks were given; `state` is saved in
 * each checkpoint (under `TrainingState.callbacks[name]`) and handed to `restore` on resume, so
 * a resumed run continues exactly where the interrupted one stopped.
 */
export interface Callback {
  readonly name: string;
  /** At the start of an epoch (not when a run resumes in the middle of one). */
  onEpochBegin?(epoch: number, control: TrainingControl): void | Promise<void>;
  /** Before each training step; `step` counts the epoch's steps already done. */
  onBatchBegin?(step: number, control: TrainingControl): void | Promise<void>;
  /** After each training step; `step` counts the epoch's steps done, this one included. */
  onBatchEnd?(step: number, logs: BatchLogs, control: TrainingControl): void | Promise<void>;
  /** After an epoch's steps, before validation (also when the fit halts mid-epoch). */
  onBatchesEnd?(control: TrainingControl): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, control: TrainingControl): void | Promise<void>;
  /** When the fit ends, unless a signal interrupted it. */
  onTrainEnd?(control: TrainingControl): void | Promise<void>;
  /** JSON-safe state for checkpoints. */
  state?(): unknown;
  restore?(state: unknown): void;
}

/**
 * How a fit ends before its schedule, checkpointed where it stood; resuming continues it. An
 * interrupted fit returns at once; one cut by the time limit ends like a finished one, its reason
 * logged and returned as `timeLimitReached`.
 */
export type Halt =
  | { readonly kind: "interrupted"; readonly reason: string }
  | { readonly kind: "timeLimit"; readonly reason: string };

/** What the trainer's own callbacks see besides `TrainingControl`. */
export interface FitControl extends TrainingControl {
  /** The loop's state as checkpoints save it (epoch, step, history, ...). */
  readonly state: TrainingState;
  readonly epochs: number;
  /** Steps per epoch. */
  readonly steps: number;
  readonly batchSize: number;
  /** `performance.now()` at the start of the current epoch, less the time of resumed steps. */
  readonly epochStarted: number;
  /** Set by `stop`: the fit ends after the current epoch. */
  readonly stopReason: string | undefined;
  /** Set by `halt`. */
  readonly halted: Halt | undefined;
  /** Ends the fit before the next step; later callbacks' hooks for this moment are skipped. */
  halt(halt: Halt): void;
  /** `state` with every callback's resume state written into it, ready for a checkpoint. */
  snapshot(): TrainingState;
}

/**
 * A callback of the trainer itself. Its resume state lives in the TrainingState fields that
 * checkpoints have always had (`best`, `lr`, `timeLimitReached`, ...), so old checkpoints resume.
 */
export interface FitCallback extends Callback {
  onEpochBegin?(epoch: number, control: FitControl): void | Promise<void>;
  onBatchBegin?(step: number, control: FitControl): void | Promise<void>;
  onBatchEnd?(step: number, logs: BatchLogs, control: FitControl): void | Promise<void>;
  onBatchesEnd?(control: FitControl): void | Promise<void>;
  onEpochEnd?(logs: EpochLogs, control: FitControl): void | Promise<void>;
  /** A halt ended the fit (the checkpoint callback saves here). */
  onHalt?(control: FitControl): void | Promise<void>;
  onTrainEnd?(control: FitControl): void | Promise<void>;
  /** Writes this callback's resume state into `state`. */
  saveTo?(state: TrainingState): void;
  /** Takes this callback's resume state back from a checkpoint's `state`. */
  restoreFrom?(state: TrainingState): void;
}
