/**
 * The folder a training run writes: everything needed to repeat, resume, evaluate and report it.
 *
 *     config.json    the resolved configuration (what `--resume` and `fer eval` read back)
 *     data.json      how many images each data step kept, and the split sizes (DataCounts)
 *     history.csv    one row per epoch: loss, accuracy, val_loss, val_accuracy, lr, seconds
 *                    (loss includes label smoothing and the L2 penalty; val_loss is the plain
 *                    cross-entropy, so it compares across runs but not always with loss)
 *     train.log      what the run printed, without the progress bar
 *     commands.txt   the command that started the run, then each one that resumed it
 *     checkpoint/    last and best weights with optimizer and RNG state (see checkpoint.ts)
 *     model/         the final model in the tfjs layers format, with its card
 *     metrics.json   test-split metrics (see lib/metrics); metrics-val.json, metrics-test-<tta>.json,
 *                    and metrics-<data>-<split>-<tta>.json from `fer eval`
 *     predictions.csv the test split's class probabilities, image by image
 *     report.html, report.md, figures/   the report (lib/report)
 *     .lock          while a process writes the folder: its pid and command (see run_lock.ts)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { FerError } from "../errors.ts";
import { modelJsonPath } from "../models/mod.ts";
import type { EpochLogs } from "./callbacks.ts";
import type { RunConfig } from "./config.ts";
import { writeFileAtomic } from "./checkpoint.ts";
import { LOCK_FILE } from "./run_lock.ts";

const HISTORY_COLUMNS = ["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds"];

/** history.csv text: a header and one row per epoch (epochs counted from 1, as printed). */
export function historyCsv(history: readonly EpochLogs[]): string {
  const rows = history.map((h) =>
    [
      h.epoch + 1,
      h.loss,
      h.accuracy,
      h.val_loss ?? "",
      h.val_accuracy ?? "",
      h.lr,
      h.seconds.toFixed(2),
    ].join(",")
  );
  return [HISTORY_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

/** Parses history.csv back (for reports and comparisons). */
export function parseHistoryCsv(text: string, path = "history.csv"): EpochLogs[] {
  const [header, ...lines] = text.trim().split("\n");
  if (header !== HISTORY_COLUMNS.join(",")) {
    throw new FerError(`${path}:1: expected header '${HISTORY_COLUMNS.join(",")}'`);
  }
  return lines.map((line, i) => {
    const cells = line.split(",");
    const number = (k: number) => (cells[k] === "" ? undefined : Number(cells[k]));
    if (
      cells.length !== HISTORY_COLUMNS.length ||
      // "NaN" is a value (a diverged validation loss), not a broken cell.
      cells.some((c) => c !== "" && c !== "NaN" && isNaN(Number(c)))
    ) {
      throw new FerError(`${path}:${i + 2}: expected ${HISTORY_COLUMNS.length} numbers`);
    }
    return {
      epoch: number(0)! - 1,
      loss: number(1)!,
      accuracy: number(2)!,
      val_loss: number(3),
      val_accuracy: number(4),
      lr: number(5)!,
      seconds: number(6)!,
    };
  });
}

/** Paths inside one run folder, plus the log it appends to. */
export class RunFolder {
  constructor(readonly dir: string) {}

  get configPath() {
    return join(this.dir, "config.json");
  }
  get dataPath() {
    return join(this.dir, "data.json");
  }
  /** The fingerprints of a distilled run's teachers (distill.ts). */
  get teachersPath() {
    return join(this.dir, "teachers.json");
  }
  get historyPath() {
    return join(this.dir, "history.csv");
  }
  get logPath() {
    return join(this.dir, "train.log");
  }
  get commandsPath() {
    return join(this.dir, "commands.txt");
  }
  get checkpointDir() {
    return join(this.dir, "checkpoint");
  }
  get modelDir() {
    return join(this.dir, "model");
  }
  metricsPath(split = "test") {
    return split === "test"
      ? join(this.dir, "metrics.json")
      : join(this.dir, `metrics-${split}.json`);
  }

  /** A new folder under `root` named `<model>-<dataset>-<UTC time>`, made unique if needed. */
  static async create(root: string, model: string, dataset: string, now = new Date()) {
    const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
    const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "");
    const base = join(root, `${safe(model)}-${safe(dataset.split("/").pop() ?? dataset)}-${stamp}`);
    for (let n = 0;; n++) {
      const dir = n === 0 ? base : `${base}-${n}`;
      try {
        await Deno.mkdir(dir, { recursive: false });
        return new RunFolder(dir);
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) continue;
        if (error instanceof Deno.errors.NotFound) {
          await Deno.mkdir(root, { recursive: true });
          n--;
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * Refuses `dir` as the folder of a new run when that would overwrite earlier work: a file, or a
   * folder holding anything but a run that stopped before its first checkpoint (which then starts
   * again from scratch). Nothing is written; the caller makes the folder once its run can start.
   */
  static async checkFreeForRun(dir: string, option = "--out"): Promise<void> {
    let entries: string[];
    try {
      if (!(await Deno.stat(dir)).isDirectory) {
        throw new FerError(`${option} ${dir} is a file, not a folder (nothing was written)`);
      }
      // The lock files (run_lock.ts) of a process that holds or held the folder are no run.
      entries = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name)
        .filter((name) => !name.startsWith(LOCK_FILE));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    const folder = new RunFolder(dir);
    const isRun = entries.includes("config.json");
    const started = existsSync(join(folder.checkpointDir, "state.json")) ||
      existsSync(folder.modelDir);
    if (entries.length === 0 || (isRun && !started)) return;
    throw new FerError(
      `${option} ${dir} is not empty` +
        (isRun ? ` (a run is there: 'fer train --resume ${dir}' continues it)` : "") +
        `: choose another ${option} (nothing was written)`,
    );
  }

  /** Opens an existing run folder, checking it has a config. */
  static async open(dir: string): Promise<RunFolder> {
    const folder = new RunFolder(dir);
    try {
      await Deno.stat(folder.configPath);
    } catch {
      throw new FerError(`${dir} is not a run folder: ${folder.configPath} does not exist`);
    }
    return folder;
  }

  /**
   * The config.json of `path` when it is a run folder; undefined for anything else, such as a bare
   * model folder. A run folder whose config.json cannot be read is an error naming it.
   */
  static async readConfigIfRun(path: string): Promise<RunConfig | undefined> {
    let folder;
    try {
      folder = await RunFolder.open(path);
    } catch {
      return undefined;
    }
    return await folder.readJson<RunConfig>(folder.configPath);
  }

  async readJson<T>(path: string): Promise<T> {
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      throw new FerError(`cannot read ${path}: ${(error as Error).message}`);
    }
  }

  async writeJson(path: string, value: unknown): Promise<void> {
    await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
  }

  async writeHistory(history: readonly EpochLogs[]): Promise<void> {
    await writeFileAtomic(this.historyPath, historyCsv(history));
  }

  /** Appends a line to train.log. */
  appendLog(line: string): void {
    Deno.writeTextFileSync(this.logPath, line + "\n", { append: true });
  }

  /** Records the command line of this start (the first one started the run; later ones resumed). */
  appendCommand(command: string): void {
    Deno.writeTextFileSync(this.commandsPath, command + "\n", { append: true });
  }

  /** The recorded command lines, oldest first (none for runs from before they were recorded). */
  readCommands(): string[] {
    try {
      return Deno.readTextFileSync(this.commandsPath).split("\n").filter((line) => line !== "");
    } catch {
      return [];
    }
  }
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
