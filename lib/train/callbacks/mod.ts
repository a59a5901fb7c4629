/**
 * Training callbacks, Keras-style: each concern of a fit besides the steps themselves is one
 * callback in its own file here, with the state it saves for `--resume`. A new concern (a
 * logger, a schedule, a stopping rule) is a new file here implementing `Callback` (types.ts):
 * user callbacks go in `TrainerOptions.callbacks` and keep their resume state under
 * `TrainingState.callbacks[name]`; the trainer's own (`FitCallback`) are listed in
 * `Trainer.fit`'s order in ../trainer.ts.
 * @module
 */
export { BackendRecord } from "./backend_record.ts";
export { BestEpoch, BestTracker } from "./best.ts";
export { ModelCheckpoint } from "./checkpoint.ts";
export { EarlyStopping, type EarlyStoppingOptions } from "./early_stopping.ts";
export { StopOnSignal } from "./interrupt.ts";
export {
  cosineSchedule,
  type EpochSchedule,
  LearningRateScheduler,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  stepSchedule,
} from "./lr_schedules.ts";
export { TerminateOnNaN } from "./nan_guard.ts";
export { ProgressLogger } from "./progress.ts";
export { TimeLimit } from "./time_limit.ts";
export {
  type BatchLogs,
  type Callback,
  type EpochLogs,
  type FitCallback,
  type FitControl,
  type Halt,
  type Monitor,
  MONITORS,
  type TrainingControl,
} from "./types.ts";
