/** A run's result: what trainRun returns, and what a finished run's folder gives back. */
import { existsSync } from "node:fs";
import type { EvaluationMetrics } from "../metrics/mod.ts";
import { modelJsonPath } from "../models/mod.ts";
import type { EpochLogs } from "./callbacks.ts";
import { CheckpointStore } from "./checkpoint.ts";
import type { RunConfig } from "./config.ts";
import type { ModelScores } from "./eval_run.ts";
import type { DataCounts } from "./pipeline.ts";
import { parseHistoryCsv, RunFolder } from "./run_folder.ts";
import type { FitResult, TrainingState } from "./trainer.ts";

export interface RunResult extends ModelScores {
  readonly dir: string;
  readonly history: EpochLogs[];
  readonly fit: FitResult;
  /** Undefined for a run folder written before data.json was. */
  readonly data?: DataCounts;
  /** Set when `--resume` found the run finished and changed nothing. */
  readonly alreadyFinished?: boolean;
}

/** A run that `--resume` would not change: its schedule ended and its model is saved. */
export async function finishedRun(dir: string): Promise<RunResult | undefined> {
  if (!existsSync(modelJsonPath(new RunFolder(dir).modelDir))) return undefined;
  const result = await readRunResult(dir);
  return result && !result.fit.timeLimitReached ? result : undefined;
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
