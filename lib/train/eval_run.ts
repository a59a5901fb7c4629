/**
 * Evaluation: a trained model, from a run folder or a bare model folder, on any split of any
 * dataset, with or without test-time augmentation (`evaluateModel`, `fer eval`), and the scores a
 * run writes when it ends (`evaluateRunSplits`: metrics-val.json, metrics.json, predictions.csv).
 * Every result names its dataset, split and TTA.
 */
import type * as tf from "@tensorflow/tfjs";
import { FerError, UsageError } from "../errors.ts";
import { classificationReport, type EvaluationMetrics, evaluationMetrics } from "../metrics/mod.ts";
import { loadModel } from "../models/mod.ts";
import { describeProtocol, type LabeledImages } from "../data/mod.ts";
import { initBackend } from "../backend/init.ts";
import type { BackendChoice, DataConfig, PrecisionChoice, RunConfig, TtaChoice } from "./config.ts";
import {
  checkTtaFits,
  ImageBatcher,
  type InputLayout,
  predictProbabilities,
  prepareData,
  savedModelLayout,
} from "./pipeline.ts";
import { modelFolder, RunFolder } from "./run_folder.ts";
import { lockRunFolder } from "./run_lock.ts";

/** Split names: the generic ones, and FER2013's Usage names for the official split. */
export const SPLIT_NAMES = [
  "train",
  "val",
  "test",
  "Training",
  "PublicTest",
  "PrivateTest",
] as const;
export type SplitName = typeof SPLIT_NAMES[number];

const SPLIT_PART: Record<SplitName, "train" | "val" | "test"> = {
  train: "train",
  val: "val",
  test: "test",
  Training: "train",
  PublicTest: "val",
  PrivateTest: "test",
};

/**
 * The part of a split a metrics file's split name means: a SplitName (FER2013's Usage names
 * included), or "validation", as a run's own metrics-val.json names it; undefined otherwise.
 */
export function splitPart(name: string): "train" | "val" | "test" | undefined {
  return name === "validation" ? "val" : SPLIT_PART[name as SplitName];
}

export interface EvaluateOptions {
  /** Dataset name or path; default: the run's. Required for a bare model folder. */
  readonly data?: string;
  readonly dataDir?: string;
  readonly split: SplitName;
  readonly tta: TtaChoice;
  readonly batchSize?: number;
  readonly backend?: BackendChoice;
  /** Default: the run's precision, else fp32. */
  readonly precision?: PrecisionChoice;
  /** Override the run's --limit (0: use every image). */
  readonly limit?: number;
  /**
   * Evaluate this model folder (e.g. the run's float16 export) with the run's data and input
   * layout instead of the run's own model; the result is then not saved in the run.
   */
  readonly modelDir?: string;
}

export interface EvaluationResult {
  readonly metrics: EvaluationMetrics;
  /** The run folder the metrics were saved in (as metrics-<dataset>-<split>-<tta>.json). */
  readonly savedIn?: string;
  /** sklearn-style classification report text. */
  readonly report: string;
  /** What data was evaluated: the dataset, its protocol, the classes kept, the split sizes. */
  readonly data: readonly string[];
  readonly backend: string;
  /** The precision that ran (fp32 or bf16). */
  readonly precision: string;
}

/** Where `fer eval` keeps an evaluation in a run folder (`fer export` reads it from there). */
export function evaluationPath(
  folder: RunFolder,
  dataset: string,
  split: SplitName,
  tta: TtaChoice,
): string {
  const name = `${dataset.split("/").pop()}-${split}-${tta}`;
  return folder.metricsPath(name.replace(/[^\w.-]+/g, "_"));
}

/** Evaluates the model of a run (or a model folder) as `options` say. */
export async function evaluateModel(
  path: string,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const runConfig = await RunFolder.readConfigIfRun(path);
  // An evaluation of a run's own model is saved in the run: lock it first, so that a process
  // writing it meanwhile refuses this one at once rather than after the evaluation.
  const saves = runConfig !== undefined && !options.modelDir;
  const release = saves ? await lockRunFolder(path) : undefined;
  try {
    return await evaluateLoaded(path, runConfig, options);
  } finally {
    release?.();
  }
}

async function evaluateLoaded(
  path: string,
  runConfig: RunConfig | undefined,
  options: EvaluateOptions,
): Promise<EvaluationResult> {
  const predicted = await predictSplit(path, runConfig, options);
  const { images, probabilities } = predicted;
  const metrics = splitMetrics(images, probabilities, {
    datasetName: predicted.dataset,
    splitName: options.split,
    tta: options.tta,
  });
  let savedIn: string | undefined;
  if (runConfig && !options.modelDir) {
    // Kept with the run, so its report shows every evaluation made of it.
    const folder = new RunFolder(path);
    await folder.writeJson(
      evaluationPath(folder, predicted.dataset, options.split, options.tta),
      metrics,
    );
    savedIn = path;
  }
  return {
    metrics,
    report: classificationReport(images.labels, probabilities, images.classNames, 4),
    data: predicted.data,
    backend: predicted.backend,
    precision: predicted.precision,
    savedIn,
  };
}

/** A model's class probabilities on one split, as `fer eval` computes them. */
export interface SplitPrediction {
  readonly dataset: string;
  readonly images: LabeledImages;
  /** N×K, row-major, in `images`' order. */
  readonly probabilities: Float32Array;
  /** What data was evaluated (as EvaluationResult.data). */
  readonly data: readonly string[];
  readonly backend: string;
  readonly precision: string;
}

/**
 * The probabilities of the model of a run (or a model folder) on the split `options` name, with
 * its own input layout and the TTA asked for; writes nothing. `runConfig` is the run's, if it is
 * one (`RunFolder.readConfigIfRun`).
 */
export async function predictSplit(
  path: string,
  runConfig: RunConfig | undefined,
  options: EvaluateOptions,
): Promise<SplitPrediction> {
  const backend = await initBackend(options.backend ?? runConfig?.backend ?? "auto", {
    precision: options.precision ?? runConfig?.precision ?? "fp32",
  });
  const loaded = await loadModel(options.modelDir ?? modelFolder(path));
  try {
    const card = loaded.card as { classNames?: string[] };
    const dataset = options.data ?? runConfig?.data.dataset;
    if (!dataset) {
      throw new UsageError(
        `${path} is a model folder without a run config: say which data with --data`,
      );
    }
    const sameData = runConfig !== undefined && dataset === runConfig.data.dataset;
    const limit = options.limit === 0
      ? undefined
      : options.limit ?? (sameData ? runConfig.data.limit : undefined);
    const dataConfig: DataConfig = sameData
      ? { ...runConfig.data, dataDir: options.dataDir ?? runConfig.data.dataDir, limit }
      : {
        dataset,
        dataDir: options.dataDir,
        split: { kind: "official" },
        classes: card.classNames,
        limit,
        normalization: { kind: "model" },
      };
    if (SPLIT_PART[options.split] !== options.split && dataConfig.split.kind !== "official") {
      throw new UsageError(
        `--split ${options.split} names a part of FER2013's official split, but ${dataset} is ` +
          `split by ${describeProtocol(dataConfig.split)} here: use train, val or test`,
      );
    }
    const data = await prepareData(dataConfig, runConfig?.seed ?? 0);
    const part = SPLIT_PART[options.split];
    const images: LabeledImages | undefined = data.splits[part];
    if (!images) throw new FerError(`${dataset} has no ${options.split} split under this protocol`);
    const expected = card.classNames ?? loaded.config.numClasses;
    if (Array.isArray(expected) && expected.join() !== images.classNames.join()) {
      throw new FerError(
        `the model predicts [${expected.join(", ")}] but ${dataset} has [${
          images.classNames.join(", ")
        }]`,
      );
    }
    const layout = savedModelLayout(loaded, runConfig);
    checkTtaFits(layout, options.tta);
    const probabilities = await predictProbabilities(
      loaded.model,
      new ImageBatcher(images, layout),
      options.batchSize ?? runConfig?.schedule.batchSize ?? 64,
      options.tta,
    );
    return {
      dataset,
      images,
      probabilities,
      data: data.description,
      backend: backend.description,
      precision: backend.precision,
    };
  } finally {
    loaded.dispose();
  }
}

/** The metrics of `probabilities` (N×K) for the labelled `images`, named by dataset, split and TTA. */
function splitMetrics(
  images: LabeledImages,
  probabilities: Float32Array,
  names: { readonly datasetName: string; readonly splitName: string; readonly tta: TtaChoice },
): EvaluationMetrics {
  return evaluationMetrics({
    dataset: names.datasetName,
    split: names.splitName,
    tta: names.tta,
    classes: images.classNames,
    yTrue: images.labels,
    probabilities,
  });
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
  const metrics = splitMetrics(images, probabilities, options);
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
