/**
 * One writer per run folder. A process that writes a run folder (train, --resume, eval saving
 * metrics, average, export, an experiment's run) holds `<run>/.lock` for as long as it writes; a
 * second one is refused at once, told the holder's pid and command.
 *
 * The lock file appears whole (written beside it, then hard-linked into place, which fails when it
 * exists) and names its holder by pid and the kernel's start time of that pid (/proc/<pid>/stat),
 * so a lock left by a killed process is recognised even when its pid was reused. Taking over such
 * a stale lock is serialised by an flock on `<run>/.lock.takeover` (released by the kernel if its
 * holder dies): under it, the lock file is removed only if it still names the dead holder, so two
 * processes that both found it stale cannot both end up holding the folder.
 */
import { join, resolve } from "node:path";
import { FerError } from "../errors.ts";

/** Who holds a run folder. */
export interface LockHolder {
  readonly pid: number;
  /** The machine the pid lives on (absent in locks written before it was recorded). */
  readonly host?: string;
  /** Field 22 of /proc/<pid>/stat (clock ticks since boot); null where /proc is not there. */
  readonly start: string | null;
  readonly command: string;
  /** ISO time the lock was taken. */
  readonly since: string;
}

export const LOCK_FILE = ".lock";

/**
 * What this process is, as a lock names its holder: the command line the CLI was given
 * (`describeProcess`), else the program that imports the library.
 */
let processCommand = `deno run ${Deno.mainModule}`;

/** Names this process by its command line (the CLI calls it with what it was given). */
export function describeProcess(command: string): void {
  processCommand = command;
}

/** This process's command line (see describeProcess): the default of a run's `command`. */
export function commandLine(): string {
  return processCommand;
}

/** The start time of `pid` from /proc, or null when there is no such process (or no /proc). */
function processStart(pid: number): string | null {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // The command name (field 2) is in parentheses and may hold spaces: count after its end.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Whether the holder still runs. A holder on another machine (a Slurm task on a node sharing the
 * folder) cannot be looked up from here, so it counts as alive: its lock is never taken over.
 */
export function isAlive(holder: LockHolder): boolean {
  if (holder.host !== undefined && holder.host !== Deno.hostname()) return true;
  if (holder.pid === Deno.pid) return holder.start === processStart(Deno.pid);
  const start = processStart(holder.pid);
  if (start !== null) return holder.start === null || start === holder.start;
  // No /proc entry: dead on Linux; elsewhere ask the kernel whether the pid exists.
  if (Deno.build.os === "linux") return false;
  try {
    Deno.kill(holder.pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

/** Locks held by this process, with how many times each was taken (nested writers share one). */
const held = new Map<string, number>();

/** The holder named in a lock file's text, or undefined for text that names none. */
function parseHolder(text: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(text);
    return typeof holder?.pid === "number" ? holder : undefined;
  } catch {
    return undefined;
  }
}

function refusal(dir: string, holder: LockHolder): FerError {
  return new FerError(
    `${dir} is in use by process ${holder.pid}${holder.host ? ` on ${holder.host}` : ""} ` +
      `(${holder.command}, since ${holder.since}): ` +
      "one process writes a run folder at a time; wait for it to end or stop it (nothing was " +
      "written)",
  );
}

/** Creates the lock file whole, failing with AlreadyExists when there is one. */
function createLock(path: string, holder: LockHolder): void {
  const temporary = `${path}.${Deno.pid}-${crypto.randomUUID()}`;
  Deno.writeTextFileSync(temporary, JSON.stringify(holder) + "\n");
  try {
    Deno.linkSync(temporary, path);
  } finally {
    Deno.removeSync(temporary);
  }
}

/** Removes the lock file at `path` if it still holds `staleText`, under the take-over flock. */
async function removeStale(path: string, staleText: string): Promise<void> {
  const mutex = await Deno.open(`${path}.takeover`, { create: true, write: true });
  try {
    await mutex.lock(true);
    let now: string;
    try {
      now = Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return; // someone else took it over first
      throw error;
    }
    if (now === staleText) Deno.removeSync(path);
  } finally {
    mutex.close(); // closing releases the flock
  }
}

/**
 * Takes the lock of run folder `dir` (which must exist) for this process, or throws a FerError
 * naming the live holder. Returns the function that releases it. Taken again by the same process
 * (a command that trains, then evaluates), it is shared and released by the last release.
 */
export async function lockRunFolder(dir: string, command = commandLine()): Promise<() => void> {
  const path = join(resolve(dir), LOCK_FILE);
  const count = held.get(path);
  if (count !== undefined) {
    held.set(path, count + 1);
    return once(() => release(path));
  }
  const me: LockHolder = {
    pid: Deno.pid,
    host: Deno.hostname(),
    start: processStart(Deno.pid),
    command,
    since: new Date().toISOString(),
  };
  for (let attempt = 0;; attempt++) {
    try {
      createLock(path, me);
      held.set(path, 1);
      return once(() => release(path));
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
    let text: string;
    try {
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue; // released meanwhile
      throw error;
    }
    const holder = parseHolder(text);
    if (holder && isAlive(holder)) throw refusal(dir, holder);
    if (attempt >= 10) {
      throw new FerError(`cannot take the lock ${path}: it keeps changing; try again`);
    }
    await removeStale(path, text);
  }
}

function release(path: string): void {
  const count = held.get(path) ?? 0;
  if (count > 1) {
    held.set(path, count - 1);
    return;
  }
  held.delete(path);
  // Only our own lock: one taken over meanwhile (as stale, wrongly) belongs to its new holder.
  const holder = readHolder(path);
  if (holder !== undefined && (holder.pid !== Deno.pid || holder.host !== Deno.hostname())) return;
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    return parseHolder(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}

/** Whether a live process (here or on another machine) holds run folder `dir`. */
export function isLockedByLiveProcess(dir: string): boolean {
  const holder = readHolder(join(resolve(dir), LOCK_FILE));
  return holder !== undefined && isAlive(holder);
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      action();
    }
  };
}

/** Runs `body` holding the lock of run folder `dir` (see lockRunFolder). */
export async function withRunLock<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const release = await lockRunFolder(dir);
  try {
    return await body();
  } finally {
    release();
  }
}
