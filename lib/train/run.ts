/**
 * One training run from start to finish: backend, data, model, fit, best weights, the saved model,
 * and the final evaluation on the test split. `fer train` and the experiments call `trainRun`;
 * `--resume` calls it with the folder of an interrupted run.
 */
import { existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs";
import { type BackendChoice, type BackendInfo, initBackend } from "../backend/init.ts";
import { FerError, UsageError } from "../errors.ts";
import { type EvaluationMetrics, evaluationMetrics } from "../metrics/mod.ts";
import {
  countMacs,
  countParams,
  createModel,
  type FerModel,
  getModelSpec,
  loadModel,
  loadWeightsInto,
  modelJsonPath,
  saveModel,
} from "../models/mod.ts";
import { describeProtocol, type LabeledImages, type Normalization } from "../data/mod.ts";
import { Random, routeMathRandom } from "../random.ts";
import { describeCpu, formatCpu } from "../machine.ts";
import {
  type Callback,
  cosineSchedule,
  EarlyStopping,
  type EpochLogs,
  LearningRateScheduler,
  ReduceLROnPlateau,
  stepSchedule,
} from "./callbacks.ts";
import { CheckpointStore, loadModelTensors } from "./checkpoint.ts";
import {
  checkRunConfig,
  dataRecipe,
  keepsLastEpoch,
  type RunConfig,
  type TtaChoice,
} from "./config.ts";
import { balancedClassWeights } from "./losses.ts";
import { createOptimizer } from "./optimizers.ts";
import {
  type DataCounts,
  ImageBatcher,
  type InputLayout,
  predictProbabilities,
  prepareData,
  resolveRunNormalization,
} from "./pipeline.ts";
import type { ProgressMode } from "./progress.ts";
import { parseHistoryCsv, RunFolder } from "./run_folder.ts";
import { commandLine, lockRunFolder } from "./run_lock.ts";
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
}

export interface RunResult extends ModelScores {
  readonly dir: string;
  readonly history: EpochLogs[];
  readonly fit: FitResult;
  /** Undefined for a run folder written before data.json was. */
  readonly data?: DataCounts;
  /** Set when `--resume` found the run finished and changed nothing. */
  readonly alreadyFinished?: boolean;
}

function callbacksFor(config: RunConfig): Callback[] {
  const { schedule, optimizer } = config;
  const callbacks: Callback[] = [];
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
 * What a model started with --init-from owes to its source run, from that run's card: without it
 * a card would show only the last of the trainings that made its weights (a warm restart of a
 * 24-epoch run would claim 12 epochs). Chains through the source's own source.
 */
export interface Provenance {
  /** The --init-from argument. */
  readonly run: string;
  readonly architecture?: string;
  readonly dataset?: string;
  readonly command?: string;
  readonly resumedWith?: readonly string[];
  readonly epochsRun?: number;
  readonly trainingSeconds?: number;
  readonly machine?: string;
  readonly validation?: unknown;
  readonly initialisedFrom?: Provenance;
  /** The runs a `fer average` model is the mean of. */
  readonly averagedFrom?: readonly Provenance[];
  /** The runs a greedy soup (`fer average --greedy`) tried and left out: its command names them. */
  readonly triedAndLeftOut?: readonly Provenance[];
}

const PROVENANCE_FIELDS = [
  "architecture",
  "dataset",
  "command",
  "resumedWith",
  "epochsRun",
  "trainingSeconds",
  "machine",
  "validation",
  "initialisedFrom",
  "averagedFrom",
  "triedAndLeftOut",
] as const satisfies readonly (keyof Provenance)[];

/**
 * Every step behind `sources` (trainings, and averages of them), through their sources and
 * ingredients, oldest first and each once, however many of them share it (the cycles of a
 * warm-restart chain all go back to the first).
 */
export function stepsBehind(sources: readonly Provenance[]): Provenance[] {
  const found = new Map<string, Provenance>();
  const visit = (source: Provenance) => {
    directSources(source).forEach(visit);
    const key = stepKey(source);
    if (!found.has(key)) found.set(key, source);
  };
  sources.forEach(visit);
  return [...found.values()];
}

/**
 * `card` with every step behind it that an earlier part already gives in full (in the order
 * `stepsBehind` walks them) cut down to its run and command, so that a card names each step once.
 * Without this, the cycles of a chain restarted from a soup would each repeat the soup and every
 * cycle it tried, in full (the card of a soup of twenty such cycles took 1.4 MB). `stepsBehind`
 * reads the compact form the same, since it meets the full step first.
 */
export function compactProvenance<T extends Partial<Provenance>>(card: T): T {
  const given = new Set<string>();
  const compactSources = <S extends Partial<Provenance>>(step: S): S => {
    const { averagedFrom, triedAndLeftOut, initialisedFrom } = step;
    return {
      ...step,
      ...(averagedFrom ? { averagedFrom: averagedFrom.map(compact) } : {}),
      ...(triedAndLeftOut ? { triedAndLeftOut: triedAndLeftOut.map(compact) } : {}),
      ...(initialisedFrom ? { initialisedFrom: compact(initialisedFrom) } : {}),
    };
  };
  const compact = (step: Provenance): Provenance => {
    const key = stepKey(step);
    if (given.has(key)) return { run: step.run, command: step.command };
    given.add(key);
    return compactSources(step);
  };
  return compactSources(card);
}

/** What makes two provenance entries the same step. */
function stepKey(step: Provenance): string {
  return step.command ?? step.run;
}

/** The steps whose output `step`'s command reads: the runs it averaged or tried, or its start. */
export function directSources(
  step: Pick<Provenance, "averagedFrom" | "triedAndLeftOut" | "initialisedFrom">,
): Provenance[] {
  return [
    ...step.averagedFrom ?? [],
    ...step.triedAndLeftOut ?? [],
    ...step.initialisedFrom ? [step.initialisedFrom] : [],
  ];
}

/** The provenance of the model saved by `run`, from its card. */
export function provenanceOf(run: string, card: Record<string, unknown>): Provenance {
  const fields = PROVENANCE_FIELDS.filter((key) => key in card);
  return { run, ...Object.fromEntries(fields.map((key) => [key, card[key]])) };
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

/** A run folder's model/ (or a model folder or model.json given directly). */
export function modelFolder(path: string): string {
  if (existsSync(modelJsonPath(path))) return path;
  const inRun = `${path}/model`;
  if (existsSync(modelJsonPath(inRun))) return inRun;
  if (existsSync(`${path}/config.json`)) {
    throw new FerError(
      `${path} is a run that has not finished (no model/ yet): 'fer train --resume ${path}' ` +
        "continues it",
    );
  }
  throw new FerError(
    `${path} is neither a model folder nor a run folder: neither ${modelJsonPath(path)} nor ` +
      `${modelJsonPath(inRun)} exists`,
  );
}

/** Evaluates `model` on `split` and writes metrics(-<tta>).json and predictions.csv. */
export async function evaluateSplit(
  model: tf.LayersModel,
  images: LabeledImages,
  layout: InputLayout,
  options: {
    readonly datasetName: string;
    readonly splitName: string;
    readonly tta: TtaChoice;
    readonly batchSize: number;
    readonly folder?: RunFolder;
    readonly fileKey?: string;
  },
): Promise<{ metrics: EvaluationMetrics; probabilities: Float32Array }> {
  const batcher = new ImageBatcher(images, layout);
  const probabilities = await predictProbabilities(
    model,
    batcher,
    options.batchSize,
    options.tta,
  );
  const metrics = evaluationMetrics({
    dataset: options.datasetName,
    split: options.splitName,
    tta: options.tta,
    classes: images.classNames,
    yTrue: images.labels,
    probabilities,
  });
  if (options.folder) {
    const key = options.fileKey ?? "test";
    const suffix = options.tta === "none" ? "" : `-${options.tta}`;
    await options.folder.writeJson(options.folder.metricsPath(key + suffix), metrics);
    if (options.tta === "none" && key === "test") {
      await Deno.writeTextFile(
        `${options.folder.dir}/predictions.csv`,
        predictionsCsv(images, probabilities),
      );
    }
  }
  return { metrics, probabilities };
}

/** index,origin,label,predicted,p_<class>... for every image of a split. */
export function predictionsCsv(images: LabeledImages, probabilities: Float32Array): string {
  const k = images.classNames.length;
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const lines = [
    ["index", "origin", "label", "predicted", ...images.classNames.map((c) => `p_${c}`)].join(","),
  ];
  for (let i = 0; i < images.count; i++) {
    const row = probabilities.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
    lines.push([
      i,
      quote(images.origins?.[i] ?? ""),
      images.classNames[images.labels[i]],
      images.classNames[best],
      ...Array.from(row, (p) => p.toFixed(6)),
    ].join(","));
  }
  return lines.join("\n") + "\n";
}

/** The scores of a model, split by split, as a card shows them. */
export interface ModelScores {
  /** Validation split, no TTA. */
  readonly valMetrics: EvaluationMetrics;
  /** Test split, no TTA (absent when the protocol has no test split, e.g. k-fold). */
  readonly metrics?: EvaluationMetrics;
  readonly ttaMetrics?: EvaluationMetrics;
}

/**
 * The card fields of every saved model (torchvision-style weight metadata): classes, size, data,
 * the machine, the command that made it and its scores. How it came to its weights is the
 * caller's part: a training's epochs and time, or an average's ingredients.
 */
export function modelCardBasics(
  config: RunConfig,
  fer: FerModel,
  backend: Pick<BackendInfo, "description" | "precision">,
  commands: readonly string[],
  classNames: readonly string[],
  scores: ModelScores,
): Record<string, unknown> {
  const params = countParams(fer.model);
  const score = (m?: EvaluationMetrics) =>
    m && { split: m.split, tta: m.tta, count: m.count, accuracy: m.accuracy, macroF1: m.macro.f1 };
  return {
    classNames,
    architecture: fer.name,
    params: params.total,
    trainableParams: params.trainable,
    macs: countMacs(fer.model).total,
    dataset: config.data.dataset,
    split: describeProtocol(config.data.split),
    machine: `${formatCpu(describeCpu())}, ${Deno.build.os}/${Deno.build.arch}`,
    backend: backend.description,
    // What ran, which `auto` in the recipe leaves open.
    precision: backend.precision,
    command: commands[0],
    ...(commands.length > 1 ? { resumedWith: commands.slice(1) } : {}),
    seed: config.seed,
    recipe: config,
    validation: score(scores.valMetrics),
    test: score(scores.metrics),
    testWithTta: score(scores.ttaMetrics),
  };
}

/** modelCardBasics plus how a training run made the weights: its epochs, selection and time. */
function trainedModelCard(
  config: RunConfig,
  fer: FerModel,
  fit: FitResult,
  backend: BackendInfo,
  commands: readonly string[],
  classNames: readonly string[],
  scores: ModelScores,
  initialisedFrom?: Provenance,
): Record<string, unknown> {
  return {
    ...modelCardBasics(config, fer, backend, commands, classNames, scores),
    epochsRun: fit.history.length,
    bestEpoch: fit.bestEpoch + 1,
    selectedBy: keepsLastEpoch(config.schedule)
      ? "the last epoch (no selection)"
      : `${fit.monitor} on the validation split`,
    timeLimitReached: fit.timeLimitReached,
    trainingSeconds: Math.round(fit.history.reduce((sum, h) => sum + h.seconds, 0)),
    ...(initialisedFrom ? compactProvenance({ initialisedFrom }) : {}),
  };
}

/**
 * Scores `model` on the validation split and, when there is one, the test split without and with
 * the run's TTA, writing each to the run folder (metrics-val.json, metrics.json, ...).
 */
export async function evaluateRunSplits(
  model: tf.LayersModel,
  splits: { val: LabeledImages; test?: LabeledImages },
  layout: InputLayout,
  config: RunConfig,
  folder: RunFolder,
  log: (line: string) => void,
): Promise<ModelScores> {
  const evaluate = async (images: LabeledImages, splitName: string, key: string, tta: TtaChoice) =>
    (await evaluateSplit(model, images, layout, {
      datasetName: config.data.dataset,
      splitName,
      tta,
      batchSize: config.schedule.batchSize,
      folder,
      fileKey: key,
    })).metrics;
  const valMetrics = await evaluate(splits.val, "validation", "val", "none");
  log(
    `Validation (${splits.val.count} images, no TTA): accuracy ${valMetrics.accuracy.toFixed(4)}`,
  );
  const { test } = splits;
  if (!test) return { valMetrics };
  const metrics = await evaluate(test, "test", "test", "none");
  log(
    `Test (${test.count} images, no TTA): accuracy ${metrics.accuracy.toFixed(4)}, ` +
      `macro F1 ${metrics.macro.f1.toFixed(4)}`,
  );
  if (config.tta === "none") return { valMetrics, metrics };
  const ttaMetrics = await evaluate(test, "test", "test", config.tta);
  log(`Test (${config.tta} TTA): accuracy ${ttaMetrics.accuracy.toFixed(4)}`);
  return { valMetrics, metrics, ttaMetrics };
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

/** A run that `--resume` would not change: its schedule ended and its model is saved. */
async function finishedRun(dir: string): Promise<RunResult | undefined> {
  if (!existsSync(modelJsonPath(new RunFolder(dir).modelDir))) return undefined;
  const result = await readRunResult(dir);
  return result && !result.fit.timeLimitReached ? result : undefined;
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
  // Lines printed before a new run's folder exists (backend, data) join its log once it does.
  const early: string[] = [];
  const log = (line: string) => {
    print(line);
    if (folder) folder.appendLog(line);
    else early.push(line);
  };
  checkRunConfig(config);
  if (options.exactDir) await RunFolder.checkFreeForRun(options.exactDir);
  const backend = await initBackend(config.backend, { precision: config.precision ?? "fp32" });
  log(`Backend: ${backend.description}; precision ${backend.precision}`);
  // Data and model first: a missing dataset or a bad --init-from stops here, before a run folder
  // is made or an existing one is touched.
  const data = await prepareData(config.data, config.seed);
  for (const line of data.description) log(line);
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

  if (!folder) {
    if (options.exactDir) {
      await Deno.mkdir(options.exactDir, { recursive: true });
      hold(await lockRunFolder(options.exactDir));
      // Checked again under the lock: another process may have started a run there meanwhile.
      await RunFolder.checkFreeForRun(options.exactDir);
      folder = new RunFolder(options.exactDir);
    } else {
      folder = await RunFolder.create(
        options.runsRoot ?? "runs",
        config.model.name,
        config.data.dataset,
      );
      hold(await lockRunFolder(folder.dir));
    }
    await folder.writeJson(folder.configPath, config);
    for (const line of early) folder.appendLog(line);
  }
  await folder.writeJson(folder.dataPath, data.counts);
  const store = new CheckpointStore<TrainingState>(folder.checkpointDir);
  log(`Run folder: ${folder.dir}`);
  folder.appendCommand(commandLine());

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
    callbacks: callbacksFor(config),
    checkpointMonitor: config.schedule.checkpointMonitor,
    microBatch,
    checkpointEverySteps: options.checkpointEverySteps ?? config.schedule.checkpointEverySteps,
    deadline: options.deadline,
    progress: options.progress,
    log,
    onEpochEnd: (history) => folder.writeHistory(history),
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
      initialisedFrom,
    ),
  );
  fer.dispose();
  optimizer.dispose();
  return { dir: folder.dir, history: fit.history, fit, data: data.counts, ...scores };
}

/** The result of a finished run read back from its folder; undefined while it is unfinished. */
export async function readRunResult(dir: string): Promise<RunResult | undefined> {
  const folder = new RunFolder(dir);
  const read = async <T>(path: string): Promise<T | undefined> => {
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch {
      return undefined;
    }
  };
  const valMetrics = await read<EvaluationMetrics>(folder.metricsPath("val"));
  if (!valMetrics) return undefined;
  const config = await folder.readJson<RunConfig>(folder.configPath);
  const history = parseHistoryCsv(await Deno.readTextFile(folder.historyPath), folder.historyPath);
  const state = await new CheckpointStore<TrainingState>(folder.checkpointDir).read();
  const training = state?.training;
  // Metrics of a run cut short by a time limit stay while it resumes; until its fit ends again
  // they are not this run's result.
  const fitEnded = !training || training.stopped !== undefined ||
    training.timeLimitReached !== undefined || training.epoch >= config.schedule.epochs;
  if (!fitEnded) return undefined;
  const monitor = config.schedule.checkpointMonitor;
  return {
    dir,
    history,
    fit: {
      history,
      bestEpoch: state?.best?.epoch ?? -1,
      bestValue: state?.best?.value ?? NaN,
      monitor,
      stopReason: training?.stopped,
      timeLimitReached: training?.timeLimitReached,
    },
    data: await read<DataCounts>(folder.dataPath),
    valMetrics,
    metrics: await read<EvaluationMetrics>(folder.metricsPath("test")),
    ttaMetrics: config.tta === "none"
      ? undefined
      : await read<EvaluationMetrics>(folder.metricsPath(`test-${config.tta}`)),
  };
}
