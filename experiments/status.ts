/**
 * Where each run of an experiment stands, read from the experiment folder alone (the run folders
 * and the per-run logs that Slurm tasks append to), so it works with or without Slurm.
 */
import { join } from "node:path";
import {
  isLockedByLiveProcess,
  parseHistoryCsv,
  readRunResult,
  RunFolder,
} from "../lib/train/mod.ts";
import { DIVERGED_FILE, experimentDir } from "./runner.ts";
import type { Budget, Experiment } from "./types.ts";

export type RunState =
  | "finished"
  | "cut short"
  | "diverged"
  | "failed"
  | "stopped"
  | "running"
  | "not started";

export interface RunStatus {
  readonly key: string;
  readonly state: RunState;
  /** One line: the headline metric, the epoch reached, or why it stopped. */
  readonly detail: string;
  /** failed: the last lines its log holds before the exit status. */
  readonly logTail?: readonly string[];
}

/** The folder of the experiment's Slurm batch scripts and logs. */
export const SLURM_FOLDER = "slurm";

/** Where a run's Slurm tasks append what they print, each sitting between LOG_MARK lines. */
export const runLogPath = (dir: string, key: string) => join(dir, SLURM_FOLDER, `${key}.log`);

/** Starts the lines a batch script adds to a run's log: "started ...", "exited with status N ...". */
export const LOG_MARK = "== fer:";

/** Lines of a failed run's log shown under it. */
const TAIL_LINES = 6;

/** "0.6123" for a rate, "–" where there is none. */
const rate = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "–" : value.toFixed(4);

/** How long ago `path` was written ("12 min ago"); undefined where it does not exist. */
async function age(path: string, now: number): Promise<string | undefined> {
  const mtime = await Deno.stat(path).then((s) => s.mtime?.getTime()).catch(() => undefined);
  if (mtime === undefined) return undefined;
  const seconds = Math.max(0, (now - mtime) / 1000);
  if (seconds < 60) return "under a minute ago";
  return seconds < 7200
    ? `${Math.round(seconds / 60)} min ago`
    : `${(seconds / 3600).toFixed(1)} h ago`;
}

/** Epochs done of those scheduled and the last validation accuracy, from history.csv. */
async function progress(runDir: string): Promise<string | undefined> {
  const folder = new RunFolder(runDir);
  const config = await RunFolder.readConfigIfRun(runDir).catch(() => undefined);
  if (!config) return undefined;
  const text = await Deno.readTextFile(folder.historyPath).catch(() => undefined);
  const history = text ? parseHistoryCsv(text, folder.historyPath) : [];
  const last = history.at(-1);
  return last
    ? `epoch ${history.length} of ${config.schedule.epochs} done, last validation accuracy ` +
      rate(last.val_accuracy)
    : `epoch 1 of ${config.schedule.epochs} under way`;
}

/**
 * The last sitting in a run's Slurm log: how it ended ("exited with status 1", "stopped by
 * SIGTERM ...") or undefined while it runs, and the log lines before that.
 */
async function lastSitting(log: string, key: string) {
  const text = await Deno.readTextFile(log).catch(() => undefined);
  if (text === undefined) return undefined;
  const lines = text.trimEnd().split("\n");
  const marks = lines.flatMap((line, i) => line.startsWith(LOG_MARK) ? [i] : []);
  const end = marks.at(-1);
  if (end === undefined || / started /.test(lines[end])) return { ended: undefined, tail: [] };
  const start = marks.at(-2) ?? -1;
  const tail = lines.slice(start + 1, end).filter((l) => l.trim() !== "").slice(-TAIL_LINES);
  const ended = lines[end].slice(LOG_MARK.length).trim();
  return { ended: ended.startsWith(`${key} `) ? ended.slice(key.length + 1) : ended, tail };
}

/** Each run of `experiment`'s `budget` under `root`, in the experiment's order. */
export async function experimentStatus(
  experiment: Experiment,
  options: { budget: Budget; root?: string },
  now = Date.now(),
): Promise<RunStatus[]> {
  const dir = experimentDir(experiment, options);
  const statuses: RunStatus[] = [];
  for (const run of experiment.runs(options.budget)) {
    const runDir = join(dir, run.key);
    const status = (state: RunState, detail: string, logTail?: string[]) =>
      statuses.push({ key: run.key, state, detail, logTail });
    const diverged = await Deno.readTextFile(join(runDir, DIVERGED_FILE)).catch(() => undefined);
    if (diverged !== undefined) {
      status("diverged", diverged.trim());
      continue;
    }
    const result = await readRunResult(runDir).catch(() => undefined);
    const metrics = result?.metrics ?? result?.valMetrics;
    const headline = metrics
      ? `${metrics === result?.metrics ? "test" : "validation"} accuracy ` +
        `${rate(metrics.accuracy)} (${metrics.split}, ${
          metrics.tta === "none" ? "no TTA" : `TTA ${metrics.tta}`
        })`
      : "";
    if (result && !result.fit.timeLimitReached) {
      status("finished", headline);
      continue;
    }
    const log = runLogPath(dir, run.key);
    const sitting = await lastSitting(log, run.key);
    const reached = await progress(runDir);
    const where = reached ? `${reached}; ` : "";
    if (sitting?.ended?.startsWith("stopped")) {
      status("stopped", `${where}${sitting.ended}`);
    } else if (sitting?.ended && !/status 0\b/.test(sitting.ended)) {
      status("failed", `${sitting.ended}; last lines of ${log}:`, sitting.tail);
    } else if (result) {
      status(
        "cut short",
        `${result.fit.timeLimitReached}, ${headline}; the same command continues it`,
      );
    } else if (reached && isLockedByLiveProcess(runDir)) {
      const written = await age(new RunFolder(runDir).logPath, now);
      status("running", `${reached}${written ? ` (train.log written ${written})` : ""}`);
    } else if (reached) {
      status(
        "stopped",
        `${reached}; no process holds it (interrupted or killed): the same ` +
          "command continues it",
      );
    } else if (sitting && sitting.ended === undefined) {
      status("running", `started, no run folder yet (${log})`);
    } else {
      status("not started", "");
    }
  }
  return statuses;
}

/** `--status` output: a count per state, then one line per run (and a failed run's log lines). */
export function formatStatus(
  experiment: Experiment,
  options: { budget: Budget; root?: string },
  statuses: readonly RunStatus[],
): string {
  const counts = new Map<RunState, number>();
  for (const { state } of statuses) counts.set(state, (counts.get(state) ?? 0) + 1);
  const keyWidth = Math.max(...statuses.map((s) => s.key.length));
  return [
    `${experiment.name} (${options.budget} budget) in ${experimentDir(experiment, options)}: ` +
    [...counts].map(([state, n]) => `${n} ${state}`).join(", "),
    ...statuses.flatMap(({ key, state, detail, logTail }) => [
      `  ${key.padEnd(keyWidth)}  ${state.padEnd(11)}  ${detail}`.trimEnd(),
      ...(logTail ?? []).map((line) => `      | ${line}`),
    ]),
  ].join("\n");
}
