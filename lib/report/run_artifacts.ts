/**
 * Everything a report or a comparison reads from a run folder, without loading weights or data:
 * config, history, every metrics*.json, predictions.csv, and model.json's metadata. Missing files
 * are recorded, not fatal, so a report can say what it could not show.
 */
import { join } from "node:path";
import type { EvaluationMetrics } from "../metrics/mod.ts";
import type { EpochLogs } from "../train/callbacks.ts";
import type { RunConfig } from "../train/config.ts";
import { splitPart } from "../train/eval_run.ts";
import { parseHistoryCsv, RunFolder } from "../train/run_folder.ts";
import { type BestEpoch, bestEpochOf } from "./best_epoch.ts";
import { parsePredictionsCsv, type RunPredictions } from "./predictions_csv.ts";

/** What model.json says about the saved model (read as JSON: no weights are loaded). */
export interface SavedModelInfo {
  /** Registry name, e.g. "mondal-shallow". */
  readonly architecture: string;
  readonly inputShape?: readonly number[];
  /** Elements of every saved weight (trainable and not), from the weights manifest. */
  readonly parameters: number;
  /** The model card saveModel stored (class names, normalisation, best epoch...). */
  readonly card: Record<string, unknown>;
}

/** A run folder's contents. */
export interface RunArtifacts {
  readonly dir: string;
  readonly config: RunConfig;
  /** Empty when history.csv is missing. */
  readonly history: EpochLogs[];
  /** The epoch whose weights the run kept, when the history says. */
  readonly best?: BestEpoch;
  /** Every metrics*.json: test without TTA first, then test with TTA, then other splits. */
  readonly evaluations: EvaluationMetrics[];
  /** metrics.json: the test split without TTA. */
  readonly test?: EvaluationMetrics;
  readonly predictions?: RunPredictions;
  readonly model?: SavedModelInfo;
  /** One line per expected file that is absent, e.g. "predictions.csv: not found". */
  readonly missing: string[];
}

async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

function evaluationOrder(metrics: EvaluationMetrics): number {
  const part = splitPart(metrics.split);
  const split = part === "test" ? 0 : part === "val" ? 2 : 3;
  return split * 2 + (metrics.tta === "none" ? 0 : 1);
}

async function readSavedModel(dir: string): Promise<SavedModelInfo | undefined> {
  const text = await readTextIfPresent(join(dir, "model", "model.json"));
  if (text === undefined) return undefined;
  const json = JSON.parse(text) as {
    weightsManifest?: { weights?: { shape: number[] }[] }[];
    userDefinedMetadata?: {
      fer?: { architecture?: string; config?: { inputShape?: number[] }; card?: object };
    };
  };
  const weights = (json.weightsManifest ?? []).flatMap((group) => group.weights ?? []);
  const fer = json.userDefinedMetadata?.fer;
  return {
    architecture: fer?.architecture ?? "unknown",
    inputShape: fer?.config?.inputShape,
    parameters: weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0),
    card: (fer?.card ?? {}) as Record<string, unknown>,
  };
}

/** Reads a run folder (see the module notes); a FerError when it has no config.json. */
export async function readRunArtifacts(dir: string): Promise<RunArtifacts> {
  const folder = await RunFolder.open(dir);
  const config = await folder.readJson<RunConfig>(folder.configPath);
  const missing: string[] = [];

  const historyText = await readTextIfPresent(folder.historyPath);
  const history = historyText === undefined ? [] : parseHistoryCsv(historyText, folder.historyPath);
  if (historyText === undefined) missing.push("history.csv: not found (no epoch finished)");

  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && /^metrics(-[\w.-]+)?\.json$/.test(entry.name)) names.push(entry.name);
  }
  // The run's own evaluations first: 'fer eval --split PrivateTest' of the run's own test split
  // saves the same numbers under another name, shown once, as the run's.
  const own = (name: string) => name === "metrics.json" || name === "metrics-val.json" ? 0 : 1;
  names.sort((a, b) => own(a) - own(b) || a.localeCompare(b));
  const evaluations: EvaluationMetrics[] = [];
  const seen = new Set<string>();
  let test: EvaluationMetrics | undefined;
  for (const name of names) {
    const metrics = await folder.readJson<EvaluationMetrics>(join(dir, name));
    if (name === "metrics.json") test = metrics;
    const key = JSON.stringify([
      metrics.dataset,
      splitPart(metrics.split) ?? metrics.split,
      metrics.tta,
      metrics.count,
      metrics.confusionMatrix,
    ]);
    if (seen.has(key)) continue;
    seen.add(key);
    evaluations.push(metrics);
  }
  evaluations.sort((a, b) => evaluationOrder(a) - evaluationOrder(b) || a.tta.localeCompare(b.tta));
  if (!test) {
    const kind = config.data?.split?.kind;
    missing.push(
      kind === "k-fold" || kind === "group-k-fold"
        ? "metrics.json: none, as the run's k-fold protocol has no test split (its validation " +
          "fold is its result)"
        : "metrics.json: not found (the run has not been evaluated on a test split)",
    );
  }

  const predictionsPath = join(dir, "predictions.csv");
  const predictionsText = await readTextIfPresent(predictionsPath);
  const predictions = predictionsText === undefined
    ? undefined
    : parsePredictionsCsv(predictionsText, predictionsPath);
  if (!predictions) missing.push("predictions.csv: not found");

  const model = await readSavedModel(dir);
  if (!model) missing.push("model/model.json: not found");

  const monitor = config.schedule?.checkpointMonitor ?? "val_accuracy";
  let best = bestEpochOf(history, monitor);
  const cardEpoch = model?.card.bestEpoch;
  if (best && typeof cardEpoch === "number" && cardEpoch !== best.epoch && history[cardEpoch - 1]) {
    // The card records what the run restored; trust it over a re-derivation.
    best = { epoch: cardEpoch, monitor, value: history[cardEpoch - 1][monitor] ?? best.value };
  }
  return { dir, config, history, best, evaluations, test, predictions, model, missing };
}
