/**
 * One training run from start to finish: backend, data, model, fit, best weights, the saved model,
 * and the final evaluation on the test split. `fer train` and the experiments call `trainRun`;
 * `--resume` calls `resumeRun` with the folder of an interrupted run. The other jobs of a run have
 * files of their own: its setup (run_setup.ts), its evaluation (eval_run.ts), its model card
 * (model_card.ts; the type and provenance in lib/models/card.ts) and its result (run_result.ts).
 */
import type { BackendChoice, BackendInfo } from "../backend/init.ts";
import { FerError, UsageError } from "../errors.ts";
import {
  createModel,
  type FerModel,
  getModelSpec,
  loadModel,
  loadWeightsInto,
  type Provenance,
  provenanceOf,
  saveModel,
} from "../models/mod.ts";
import type { Normalization } from "../data/mod.ts";
import { Random, routeMathRandom } from "../random.ts";
import {
  BackendRecord,
  type Callback,
  cosineSchedule,
  EarlyStopping,
  LearningRateScheduler,
  ReduceLROnPlateau,
  stepSchedule,
} from "./callbacks.ts";
import { CheckpointStore, loadModelTensors } from "./checkpoint.ts";
import {
  checkRunConfig,
  dataRecipe,
  defaultRunConfig,
  keepsLastEpoch,
  type RunConfig,
} from "./config.ts";
import { checkTeachersUnchanged, loadTeachers, recordTeachers } from "./distill.ts";
import { evaluateRunSplits } from "./eval_run.ts";
import { balancedClassWeights } from "./losses.ts";
import { trainedModelCard } from "./model_card.ts";
import { createOptimizer } from "./optimizers.ts";
import { ImageBatcher, type InputLayout, resolveRunNormalization } from "./pipeline.ts";
import type { ProgressMode } from "../progress.ts";
import { modelFolder, RunFolder } from "./run_folder.ts";
import { finishedRun, type RunResult } from "./run_result.ts";
import { lockRunFolder } from "./run_lock.ts";
import { makeRunFolder, recordRun, RunLog, startRun } from "./run_setup.ts";
import { automaticMicroBatch } from "./step.ts";
import { Interrupted, listenForInterrupt } from "./interrupt.ts";
import { type FitResult, Trainer, type TrainingState } from "./trainer.ts";

export interface TrainRunOptions {
  /** Parent folder of new runs (default "runs"), or the exact folder with `exactDir`. */
  readonly runsRoot?: string;
  readonly exactDir?: string;
  /** Continue the run in this folder from its last checkpoint. */
  readonly resume?: string;
  /**
   * The backend of a resumed run (default: the one it was configured with). Where a run computes
   * is not part of its recipe: a run started on wasm may continue on onednn or a GPU.
   */
  readonly backend?: BackendChoice;
  /**
   * Wall-clock time (Date.now() ms) to end by (see TrainerOptions.deadline): the run then ends
   * like a finished one on its best epoch so far, and resuming it continues the schedule.
   */
  readonly deadline?: number;
  /**
   * Checkpoint every this many steps inside an epoch, overriding the config's (for a resumed run
   * too): like the backend, how often a run saves is not part of its recipe.
   */
  readonly checkpointEverySteps?: number;
  readonly progress: ProgressMode;
  /** Where lines go besides train.log (default: console.log). */
  readonly print?: (line: string) => void;
  /**
   * The command line that started (or resumed) the run, recorded in commands.txt and the model's
   * card; the CLI passes what it was given. Default: what names this process (run_lock.ts).
   */
  readonly command?: string;
}

function callbacksFor(
  config: RunConfig,
  backend: BackendInfo,
  log: (line: string) => void,
): Callback[] {
  const { schedule, optimizer } = config;
  const callbacks: Callback[] = [new BackendRecord(backend.description, log)];
  const lr = schedule.lr;
  if (lr.kind === "plateau") {
    callbacks.push(
      new ReduceLROnPlateau({
        monitor: lr.monitor,
        factor: lr.factor,
        patience: lr.patience,
        minLr: lr.minLr,
      }),
    );
  } else if (lr.kind === "step") {
    callbacks.push(new LearningRateScheduler(stepSchedule(optimizer.lr, lr.stepSize, lr.gamma)));
  } else if (lr.kind === "cosine") {
    callbacks.push(
      new LearningRateScheduler(cosineSchedule(optimizer.lr, schedule.epochs, lr.minLr)),
    );
  }
  if (schedule.earlyStopping) {
    callbacks.push(
      new EarlyStopping({
        monitor: schedule.earlyStopping.monitor,
        patience: schedule.earlyStopping.patience,
        restoreBestWeights: schedule.earlyStopping.restoreBest,
      }),
    );
  }
  return callbacks;
}

/**
 * Builds the model of `config` with its seed, and initialises it from `initFrom` if asked, saying
 * where those weights came from.
 */
async function buildModel(
  config: RunConfig,
  inputShape: readonly [number, number, number],
  numClasses: number,
  normalization: Normalization,
  print: (line: string) => void,
): Promise<{ fer: FerModel; initialisedFrom?: Provenance }> {
  const restore = routeMathRandom(new Random(config.seed));
  let fer: FerModel;
  try {
    fer = createModel(config.model.name, {
      ...config.model.options,
      inputShape,
      numClasses,
      normalization,
      seed: config.seed,
    });
  } finally {
    restore();
  }
  if (!config.initFrom) return { fer };
  const source = await loadModel(modelFolder(config.initFrom));
  const report = loadWeightsInto(fer, source, { skipMismatched: true });
  source.dispose();
  print(
    `Initialised from ${config.initFrom}: ${report.copied.length} weights copied, ` +
      `${report.skipped.length} skipped (${
        report.skipped.map((s) => s.name).join(", ") || "none"
      })`,
  );
  if (replaysSource(config, source.card.recipe as RunConfig | undefined)) {
    print(
      `Note: the same seed (${config.seed}) and data as ${config.initFrom}: this run sees its ` +
        "shuffles and augmentations again, batch for batch, and starts off fitting them from " +
        "memory; a warm restart should take another --seed",
    );
  }
  return { fer, initialisedFrom: provenanceOf(config.initFrom, source.card) };
}

/** Whether a run started from `source`'s weights would draw the very batches `source` trained on. */
function replaysSource(config: RunConfig, source: RunConfig | undefined): boolean {
  const stream = (c: RunConfig) =>
    JSON.stringify([c.seed, dataRecipe(c.data), c.augment, c.schedule.batchSize]);
  return source !== undefined && stream(source) === stream(config);
}

/** The deadline `minutes` from now for `TrainRunOptions.deadline`; undefined for no limit. */
export function deadlineAfter(minutes: number | undefined): number | undefined {
  if (minutes === undefined) return undefined;
  if (!(minutes > 0)) throw new UsageError(`--time-limit expects minutes > 0, got ${minutes}`);
  return Date.now() + minutes * 60_000;
}

/**
 * Trains (or resumes) one run; see the module comment. The run folder is locked (see run_lock.ts)
 * from the moment it is made or opened until the run ends.
 */
export async function trainRun(
  initialConfig: RunConfig,
  options: TrainRunOptions,
): Promise<RunResult> {
  const releases: (() => void)[] = [];
  try {
    return await trainRunHolding(initialConfig, options, (release) => releases.push(release));
  } finally {
    for (const release of releases) release();
  }
}

/**
 * Continues the interrupted run in `dir` from its last checkpoint, as it was configured (its
 * config.json; `options.backend` may move it to another backend). A finished run is left as it is
 * and returned with `alreadyFinished`.
 */
export async function resumeRun(
  dir: string,
  options: Omit<TrainRunOptions, "resume" | "exactDir" | "runsRoot">,
): Promise<RunResult> {
  return await trainRun(defaultRunConfig(""), { ...options, resume: dir });
}

async function trainRunHolding(
  initialConfig: RunConfig,
  options: TrainRunOptions,
  hold: (release: () => void) => void,
): Promise<RunResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  let config = initialConfig;
  let folder: RunFolder | undefined;
  if (options.resume) {
    folder = await RunFolder.open(options.resume);
    hold(await lockRunFolder(folder.dir));
    const saved = await folder.readJson<RunConfig>(folder.configPath);
    if (saved.averagedFrom) {
      throw new FerError(
        `${options.resume} was made by 'fer average' (of ${saved.averagedFrom.join(", ")}), ` +
          `not trained: there is nothing to resume`,
      );
    }
    const finished = await finishedRun(folder.dir);
    if (finished) {
      print(
        `${options.resume} is finished (${finished.history.length} epochs, ` +
          `${finished.fit.stopReason ?? "its schedule ended"}): nothing to resume, nothing ` +
          `changed; 'fer eval ${options.resume}' evaluates it again`,
      );
      return { ...finished, alreadyFinished: true };
    }
    config = { ...saved, backend: options.backend ?? saved.backend };
  }
  const runLog = new RunLog(print, folder);
  const log = runLog.line;
  checkRunConfig(config);
  if (options.exactDir) await RunFolder.checkFreeForRun(options.exactDir);
  // Data and model first: a missing dataset or a bad --init-from stops here, before a run folder
  // is made or an existing one is touched.
  const { backend, data } = await startRun(config, runLog, config.precision ?? "fp32");
  const { train, val, test } = data.splits;
  const checkpoint = folder
    ? await new CheckpointStore<TrainingState>(folder.checkpointDir).read()
    : undefined;
  if (options.resume && !checkpoint) {
    // Stopped before its first checkpoint (a kill in the first epoch without
    // --checkpoint-every): nothing was learnt that could be kept, so the run starts over, here.
    log(`${options.resume} has no checkpoint yet: training it from the start`);
  }

  const spec = getModelSpec(config.model.name);
  const inputShape = (config.model.options?.inputShape as [number, number, number] | undefined) ??
    spec.defaults.inputShape;
  const normalization = resolveRunNormalization(
    config,
    spec.normalization(inputShape[2]),
    train,
  );
  const { fer, initialisedFrom } = await buildModel(
    config,
    inputShape,
    data.classNames.length,
    normalization,
    log,
  );
  const layout: InputLayout = { inputShape, normalization, crop: config.augment.crop };
  log(`Model: ${fer.name}, input ${inputShape.join("×")}, ${data.classNames.length} classes`);
  // Loaded (and checked against the student) before a run folder is made; disposed after the fit.
  const teachers = config.distill &&
    await loadTeachers(config.distill, {
      architecture: fer.name,
      dataset: config.data.dataset,
      inputShape,
      classNames: data.classNames,
      normalization,
    });
  if (teachers) log(teachers.description);

  const isNew = !folder;
  let runFolder: RunFolder;
  try {
    // A resume with other teachers is refused before it writes anything.
    if (teachers && folder) await checkTeachersUnchanged(folder, teachers);
    runFolder = folder ?? await makeRunFolder({
      exactDir: options.exactDir,
      root: options.runsRoot ?? "runs",
      model: config.model.name,
      dataset: config.data.dataset,
    }, hold);
    await recordRun(runFolder, runLog, {
      config: isNew ? config : undefined,
      data,
      command: options.command,
    });
    if (teachers) await recordTeachers(runFolder, teachers);
  } catch (error) {
    teachers?.dispose();
    throw error;
  }
  folder = runFolder;
  const store = new CheckpointStore<TrainingState>(folder.checkpointDir);

  const microBatch = config.schedule.microBatch ??
    automaticMicroBatch(fer.model, config.schedule.batchSize, backend.name);
  if (microBatch !== undefined && microBatch < config.schedule.batchSize) {
    log(
      `Gradients accumulate over chunks of ${microBatch} images (batch ${config.schedule.batchSize})`,
    );
  }
  const optimizer = createOptimizer(config.optimizer);
  // From here a signal checkpoints the run before it stops (see interrupt.ts).
  const interrupt = listenForInterrupt(log);
  const trainer = new Trainer(fer.model, optimizer, {
    epochs: config.schedule.epochs,
    batchSize: config.schedule.batchSize,
    seed: config.seed,
    weightDecay: config.optimizer.weightDecay,
    labelSmoothing: config.schedule.labelSmoothing,
    classWeights: config.schedule.classWeights === "balanced"
      ? balancedClassWeights(train.labels, data.classNames.length)
      : undefined,
    callbacks: callbacksFor(config, backend, log),
    checkpointMonitor: config.schedule.checkpointMonitor,
    microBatch,
    mix: config.schedule,
    distill: teachers,
    checkpointEverySteps: options.checkpointEverySteps ?? config.schedule.checkpointEverySteps,
    deadline: options.deadline,
    progress: options.progress,
    log,
    onEpochEnd: (history) => runFolder.writeHistory(history),
    interrupt,
  });
  let fit: FitResult;
  try {
    fit = await trainer.fit(
      new ImageBatcher(train, layout, config.augment),
      new ImageBatcher(val, layout),
      store,
      checkpoint,
    );
  } finally {
    interrupt.stop();
    teachers?.dispose();
  }
  if (fit.interrupted) {
    fer.dispose();
    optimizer.dispose();
    throw new Interrupted(
      `stopped at ${fit.interrupted}, checkpointed: 'deno task train --resume ${folder.dir}' ` +
        "continues it",
    );
  }

  // Model selection uses the validation split only: the best checkpoint by checkpointMonitor.
  const saved = await store.read();
  if (saved?.best && fit.bestEpoch >= 0 && !keepsLastEpoch(config.schedule)) {
    await loadModelTensors(store.dir, saved.best.model, fer.model);
    log(
      `Restored the best epoch (${fit.bestEpoch + 1}, ${fit.monitor} ${fit.bestValue.toFixed(4)})`,
    );
  }
  const scores = await evaluateRunSplits(fer.model, { val, test }, layout, config, folder, log);
  await saveModel(
    fer,
    folder.modelDir,
    trainedModelCard(
      config,
      fer,
      fit,
      backend,
      folder.readCommands(),
      data.classNames,
      scores,
      { initialisedFrom, distillation: teachers },
    ),
  );
  fer.dispose();
  optimizer.dispose();
  return { dir: folder.dir, history: fit.history, fit, data: data.counts, ...scores };
}
