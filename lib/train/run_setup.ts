/**
 * What every command that makes a run folder does first, in one place (`trainRun`, `averageRuns`):
 * start the backend, prepare the data, keep the lines printed meanwhile until the folder exists,
 * then make and lock the folder and record in it the config, the data counts and the command line
 * that made it. The command line is the caller's to give (the CLI passes what it was given); the
 * library never reads the process's arguments.
 */
import { type BackendInfo, initBackend } from "../backend/init.ts";
import type { PrecisionChoice } from "../backend/mod.ts";
import type { RunConfig } from "./config.ts";
import { prepareData, type PreparedData } from "./pipeline.ts";
import { RunFolder } from "./run_folder.ts";
import { commandLine, lockRunFolder } from "./run_lock.ts";

/** Where a run's lines go: printed, and into its train.log once it has a folder. */
export class RunLog {
  readonly #print: (line: string) => void;
  #folder: RunFolder | undefined;
  /** Lines printed before the folder existed: they join its log once it does. */
  readonly #early: string[] = [];

  constructor(print: (line: string) => void = (line) => console.log(line), folder?: RunFolder) {
    this.#print = print;
    this.#folder = folder;
  }

  /** Prints `line` and logs it (or keeps it for the folder to come). */
  readonly line = (line: string): void => {
    this.#print(line);
    if (this.#folder) this.#folder.appendLog(line);
    else this.#early.push(line);
  };

  /** From now on lines go to `folder`'s log, after those kept so far. */
  attach(folder: RunFolder): void {
    for (const line of this.#early) folder.appendLog(line);
    this.#early.length = 0;
    this.#folder = folder;
  }
}

/** The backend and data of a run, with what each said logged. */
export async function startRun(
  config: RunConfig,
  log: RunLog,
  /** Set for a training (it runs in this precision, said in the first line); else fp32. */
  precision?: PrecisionChoice,
): Promise<{ backend: BackendInfo; data: PreparedData }> {
  const backend = await initBackend(config.backend, precision ? { precision } : undefined);
  log.line(
    `Backend: ${backend.description}${precision ? `; precision ${backend.precision}` : ""}`,
  );
  const data = await prepareData(config.data, config.seed);
  for (const line of data.description) log.line(line);
  return { backend, data };
}

/** Where a new run folder goes: exactly `exactDir`, or a new folder named after it in `root`. */
export interface NewRunFolder {
  readonly exactDir?: string;
  readonly root: string;
  /** The name's model and dataset parts (RunFolder.create). */
  readonly model: string;
  readonly dataset: string;
}

/**
 * Makes and locks a new run folder (`hold` gets the lock's release). An `exactDir` must be new or
 * empty (checked again under the lock: another process may have started a run there meanwhile).
 */
export async function makeRunFolder(
  where: NewRunFolder,
  hold: (release: () => void) => void,
): Promise<RunFolder> {
  if (where.exactDir) {
    await Deno.mkdir(where.exactDir, { recursive: true });
    hold(await lockRunFolder(where.exactDir));
    await RunFolder.checkFreeForRun(where.exactDir);
    return new RunFolder(where.exactDir);
  }
  const folder = await RunFolder.create(where.root, where.model, where.dataset);
  hold(await lockRunFolder(folder.dir));
  return folder;
}

/**
 * Records a run in its folder: the config (a new run's), the data counts, the lines logged so far,
 * and the command line (default: this process's, see run_lock.ts describeProcess).
 */
export async function recordRun(
  folder: RunFolder,
  log: RunLog,
  record: { readonly config?: RunConfig; readonly data: PreparedData; readonly command?: string },
): Promise<void> {
  if (record.config) await folder.writeJson(folder.configPath, record.config);
  await folder.writeJson(folder.dataPath, record.data.counts);
  log.attach(folder);
  log.line(`Run folder: ${folder.dir}`);
  folder.appendCommand(record.command ?? commandLine());
}
