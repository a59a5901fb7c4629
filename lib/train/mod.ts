/**
 * Training: run configs, the training loop (Keras-style `fit` with callbacks), checkpoints that
 * survive a crash, run folders, and evaluation of trained models.
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
  type EvaluationResult,
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
export { defaultProgressMode, EpochProgress, type ProgressMode } from "./progress.ts";
export {
  deadlineAfter,
  evaluateSplit,
  modelFolder,
  predictionsCsv,
  readRunResult,
  type RunResult,
  trainRun,
  type TrainRunOptions,
} from "./run.ts";
export { historyCsv, parseHistoryCsv, RunFolder } from "./run_folder.ts";
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
