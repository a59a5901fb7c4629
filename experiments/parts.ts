/**
 * The shared parts experiments are composed from (mmpretrain-style): datasets, optimizers,
 * schedules and augmentations. Each experiment module is then a short list of differences.
 */
import type { AugmentConfig } from "../lib/augment/mod.ts";
import type {
  DataConfig,
  OptimizerConfig,
  RunConfig,
  ScheduleConfig,
  TtaChoice,
} from "../lib/train/mod.ts";
import type { Monitor, RunResult } from "../lib/train/mod.ts";
import type { Figure } from "../lib/report/mod.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { RunOutcome } from "./types.ts";

/** FER2013 with its official Usage split: Training / PublicTest (selection) / PrivateTest (test). */
export const fer2013Official: DataConfig = {
  dataset: "fer2013",
  split: { kind: "official" },
  normalization: { kind: "model" },
};

/** FER2013 shuffled and split into stratified fractions, ignoring Usage. */
export function fer2013Shuffled(fractions: readonly number[], seed = 0): DataConfig {
  return {
    dataset: "fer2013",
    split: { kind: "stratified", fractions, seed },
    normalization: { kind: "model" },
  };
}

/** CK+48 (7 classes, 981 images of 118 subjects). */
export function ckplus48(split: DataConfig["split"], fold?: number): DataConfig {
  return { dataset: "ckplus48", split, fold, normalization: { kind: "model" } };
}

/** At most `limit` images per split (a stratified sample): how quick budgets fit the CPU. */
export function limited(data: DataConfig, limit: number | undefined): DataConfig {
  return limit === undefined ? data : { ...data, limit };
}

export const adam = (lr: number): OptimizerConfig => ({ name: "adam", lr });
export const sgd = (lr: number, momentum = 0): OptimizerConfig => ({ name: "sgd", lr, momentum });
export const nesterov = (lr: number, momentum = 0.9, weightDecay?: number): OptimizerConfig => ({
  name: "nesterov",
  lr,
  momentum,
  weightDecay,
});
export const rmsprop = (lr: number): OptimizerConfig => ({ name: "rmsprop", lr });

/** A schedule with a constant learning rate and no early stopping (Keras `fit(epochs=n)`). */
export function fixedEpochs(epochs: number, batchSize: number): ScheduleConfig {
  return {
    epochs,
    batchSize,
    lr: { kind: "constant" },
    checkpointMonitor: "val_accuracy",
  };
}

/** Early stopping on `monitor` with `patience`, restoring the best weights (Keras semantics). */
export function earlyStopped(
  epochs: number,
  batchSize: number,
  monitor: Monitor,
  patience: number,
  plateau?: { factor: number; patience: number },
): ScheduleConfig {
  return {
    epochs,
    batchSize,
    lr: plateau ? { kind: "plateau", monitor, ...plateau } : { kind: "constant" },
    earlyStopping: { monitor, patience, restoreBest: true },
    checkpointMonitor: monitor,
  };
}

/** No augmentation. */
export const noAugment: AugmentConfig = {};

/** Keras ImageDataGenerator flip + shift + zoom, as the Liu et al. notebook-style setups use. */
export const flipShiftZoom: AugmentConfig = {
  horizontalFlip: 0.5,
  widthShift: 0.1,
  heightShift: 0.1,
  zoom: 0.1,
};

/** Assembles a RunConfig from parts. */
export function runConfig(parts: {
  name: string;
  model: string;
  modelOptions?: Record<string, unknown>;
  data: DataConfig;
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  augment?: AugmentConfig;
  tta?: TtaChoice;
  seed?: number;
}): RunConfig {
  return {
    name: parts.name,
    seed: parts.seed ?? 0,
    backend: "auto",
    model: { name: parts.model, options: parts.modelOptions },
    data: parts.data,
    optimizer: parts.optimizer,
    schedule: parts.schedule,
    augment: parts.augment ?? noAugment,
    tta: parts.tta ?? "none",
  };
}

/** Said where a section links run reports, which only exist where the command ran. */
export const RUN_REPORTS_ARE_LOCAL = "(run reports are written by the command into its run " +
  "folders and are not in the repository: they show dataset images)";

/** Training seconds per epoch (the validation pass excluded), averaged over the epochs run. */
export function secondsPerEpoch(result: RunResult): number {
  const seconds = result.history.map((h) => h.seconds);
  return seconds.length ? seconds.reduce((a, b) => a + b, 0) / seconds.length : NaN;
}

/** Plots of a run report that show no dataset image, so a section may carry copies of them. */
export type RunPlot = "confusion-matrix" | "roc-curves" | "tsne";

const RUN_PLOT_TITLES: Record<RunPlot, string> = {
  "confusion-matrix": "confusion matrix, test part, no TTA",
  "roc-curves": "ROC curves, test part, no TTA",
  "tsne": "t-SNE of the test embeddings",
};

interface RunPlotFile {
  readonly id: string;
  readonly title: string;
  readonly path: string;
}

/** The plots of `keys`' run reports that exist, in the order asked. */
function runPlotFiles(
  outcomes: readonly RunOutcome[],
  keys: readonly string[],
  plots: readonly RunPlot[],
): RunPlotFile[] {
  return keys.flatMap((key) => {
    const result = outcomes.find(({ run }) => run.key === key)?.result;
    if (!result) return [];
    return plots.flatMap((plot) => {
      // The report names a test matrix by its split, as fer eval does (confusion-matrix-test).
      const stem = plot === "confusion-matrix"
        ? result.metrics && `confusion-matrix-${result.metrics.split}`
        : plot;
      const path = stem && join(result.dir, "figures", `${stem}.svg`);
      return path && existsSync(path)
        ? [{ id: `${key}-${plot}`, title: `${key}: ${RUN_PLOT_TITLES[plot]}`, path }]
        : [];
    });
  });
}

/**
 * The plots of `keys`' run reports as the experiment's figures: run folders stay on the machine
 * that trained them, so the reproduction doc keeps its own copies. Call after the run reports
 * are written (the runner writes those of `reportedRuns` first).
 */
export function runPlotFigures(
  outcomes: readonly RunOutcome[],
  keys: readonly string[],
  plots: readonly RunPlot[],
): Promise<Figure[]> {
  return Promise.all(
    runPlotFiles(outcomes, keys, plots).map(async ({ id, title, path }) => ({
      id,
      title,
      caption: `A copy of ${path.split("/").slice(-3).join("/")}.`,
      svg: await Deno.readTextFile(path),
    })),
  );
}

/** Markdown images of the plots runPlotFigures copies, for a section (`link` resolves files). */
export function runPlotImages(
  outcomes: readonly RunOutcome[],
  keys: readonly string[],
  plots: readonly RunPlot[],
  link: (path: string) => string,
): string[] {
  return runPlotFiles(outcomes, keys, plots).map(({ id, title }) =>
    `![${title}](${link(`${id}.svg`)})`
  );
}

/** A fraction as percentage points with one decimal: 0.0213 → "2.1". */
export const points = (fraction: number) => (fraction * 100).toFixed(1);

/** The binomial standard error of an accuracy measured on `count` images. */
export function accuracyStandardError(accuracy: number, count: number): number {
  return Math.sqrt(accuracy * (1 - accuracy) / count);
}

/** An accuracy and the number of images it was measured on. */
export interface CountedAccuracy {
  readonly accuracy: number;
  readonly count: number;
}

/**
 * Ours minus the paper's accuracy in points, and in standard errors of the difference of two
 * independent binomial accuracies: "-2.1 points (2.0 standard errors of the difference)".
 */
export function accuracyGap(ours: CountedAccuracy, paper: CountedAccuracy): string {
  const standardError = Math.hypot(
    accuracyStandardError(ours.accuracy, ours.count),
    accuracyStandardError(paper.accuracy, paper.count),
  );
  const gap = ours.accuracy - paper.accuracy;
  return `${gap >= 0 ? "+" : ""}${points(gap)} points ` +
    `(${(Math.abs(gap) / standardError).toFixed(1)} standard errors of the difference)`;
}

/**
 * "key gap" (accuracyGap) for each run that has a test evaluation and a paper accuracy
 * (`paperAccuracy` of its key), the paper's measured on `paperCount` images.
 */
export function paperGaps(
  outcomes: readonly RunOutcome[],
  paperAccuracy: (key: string) => number | undefined,
  paperCount: number,
): string[] {
  return outcomes.flatMap(({ run, result }) => {
    const accuracy = paperAccuracy(run.key);
    if (!result.metrics || accuracy === undefined) return [];
    return [`${run.key} ${accuracyGap(result.metrics, { accuracy, count: paperCount })}`];
  });
}

/** "0.6512" or "–" for a missing number. */
export function fixed(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || Number.isNaN(value) ? "–" : value.toFixed(digits);
}
