/**
 * Training: run configs, the training loop (Keras-style `fit` with callbacks), checkpoints that
 * survive a crash, run folders, and evaluation of trained models.
 *
 * Where a change goes:
 * - a training setting (an option of `fer train` and a key of config.json): an entry in
 *   settings.ts, and the code that uses the setting; nothing else;
 * - what a run does from start to end: run.ts (trainRun, resumeRun); what every command that
 *   makes a run folder does first: run_setup.ts; what a run's result is and how it is read back:
 *   run_result.ts;
 * - what a saved model's card says: model_card.ts (its type and provenance: lib/models/card.ts);
 * - how a model is scored and what the scores files hold: eval_run.ts;
 * - the run folder's files: run_folder.ts; its lock: run_lock.ts.
 * The library never reads the process's arguments: the CLI passes the command line down.
 * @module
 */
export {
  BestTracker,
  type Callback,
  cosineSchedule,
  EarlyStopping,
  type EarlyStoppingOptions,
  type EpochLogs,
  type EpochSchedule,
  LearningRateScheduler,
  type Monitor,
  MONITORS,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  stepSchedule,
  type TrainingControl,
} from "./callbacks.ts";
export { type AverageOptions, averageRuns } from "./average.ts";
export {
  type CheckpointState,
  CheckpointStore,
  loadModelTensors,
  loadOptimizerTensors,
  saveTensorFile,
  writeFileAtomic,
} from "./checkpoint.ts";
export {
  BACKEND_CHOICES,
  type BackendChoice,
  checkRunConfig,
  type DataConfig,
  dataRecipe,
  defaultRunConfig,
  type LrScheduleConfig,
  type NormalizationConfig,
  PRECISION_CHOICES,
  type PrecisionChoice,
  type RunConfig,
  type ScheduleConfig,
  TTA_CHOICES,
  type TtaChoice,
  valueChanges,
  withDefaults,
} from "./config.ts";
export {
  evaluateModel,
  type EvaluateOptions,
  evaluateRunSplits,
  evaluateSplit,
  type EvaluationResult,
  type ModelScores,
  predictionsCsv,
  SPLIT_NAMES,
  type SplitName,
} from "./eval_run.ts";
export { balancedClassWeights, crossEntropy } from "./losses.ts";
export {
  createOptimizer,
  getLearningRate,
  OPTIMIZER_NAMES,
  type OptimizerConfig,
  type OptimizerName,
  setLearningRate,
} from "./optimizers.ts";
export {
  checkTtaFits,
  type DataCounts,
  ImageBatcher,
  type InputLayout,
  predictProbabilities,
  prepareData,
  type PreparedData,
  type SplitSizes,
} from "./pipeline.ts";
export { defaultProgressMode, type ProgressMode } from "../progress.ts";
export { EpochProgress } from "./progress.ts";
export { deadlineAfter, resumeRun, trainRun, type TrainRunOptions } from "./run.ts";
export { finishedRun, readRunResult, type RunResult } from "./run_result.ts";
export { isLockedByLiveProcess } from "./run_lock.ts";
export { historyCsv, modelFolder, parseHistoryCsv, RunFolder } from "./run_folder.ts";
export {
  experimentSettingArgs,
  type ExperimentSettings,
  experimentSettingsOver,
  type Setting,
  SETTINGS,
  settingsFromOptions,
  withSettingDefaults,
} from "./settings.ts";
export { automaticMicroBatch, type StepOptions, syntheticBatch, trainingStep } from "./step.ts";
export {
  type Batcher,
  evaluateBatches,
  type FitResult,
  predictInBatches,
  Trainer,
  type TrainerOptions,
  type TrainingState,
} from "./trainer.ts";
