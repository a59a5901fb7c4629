/**
 * Sends an experiment to a Slurm cluster as its runs: one job array with a task per run that has
 * not finished (task i runs `fer experiment <name> --only <run i>`, so finished runs are reused and
 * a folder with another recipe is refused, as on one machine), and a job that writes the section
 * (`--report-only`) once they have all ended. Slurm schedules; nothing here waits on a job.
 *
 * A run that initialises from another (`initFromRun`) goes into a second array that starts after
 * its source's task ends. Every task cds to the folder the experiment was submitted from and runs
 * the submitter's Deno on this checkout's cli/main.ts, so the checkout, the data folder and the
 * experiment folder must be on storage that every node sees.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FerError, UsageError } from "../lib/errors.ts";
import { experimentSettingArgs } from "../lib/train/mod.ts";
import { checkSameRecipe, DEFAULT_ROOT, experimentDir, resolvedConfig } from "./runner.ts";
import type { ExperimentOptions } from "./runner.ts";
import { experimentStatus, LOG_MARK, runLogPath, SLURM_FOLDER } from "./status.ts";
import type { Experiment } from "./types.ts";

export interface SlurmOptions {
  /** The experiment as the command line named it: a name, or the path of a module. */
  readonly experimentArg: string;
  /** Extra sbatch options for every job, as one shell-quoted string ("--gres=gpu:1 -p gpu"). */
  readonly sbatch?: string;
  /** Print the sbatch commands and batch scripts instead of submitting them. */
  readonly dryRun?: boolean;
}

/** What was submitted: the arrays with the run each task trains, and the report job. */
export interface SlurmSubmission {
  readonly arrays: readonly { readonly jobId: string; readonly runs: readonly string[] }[];
  readonly reportJobId: string;
}

/** This checkout's command line, which every task runs. */
const CLI_MAIN = fileURLToPath(new URL("../cli/main.ts", import.meta.url));

/** Options that fer sets on its jobs itself; `--sbatch` may not set them. */
const RESERVED_SBATCH = /^(-a|-d|--array|--dependency|--parsable)(=|$)/;

/** `word` as one shell word: bare where that is safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Splits `text` into words as a POSIX shell would (quotes and backslashes; no expansions). */
export function shellWords(text: string, option = "--sbatch"): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && /["\\$`]/.test(text[i + 1] ?? "")) word += text[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else {
      word ??= "";
      if (c === "'" || c === '"') quote = c;
      else if (c === "\\" && i + 1 < text.length) word += text[++i];
      else word += c;
    }
  }
  if (quote) throw new UsageError(`${option} '${text}': a ${quote} quote is not closed`);
  if (word !== undefined) words.push(word);
  return words;
}

/** Task ids for `--array`: [0, 1, 2, 5, 7, 8] → "0-2,5,7-8". */
export function arrayRanges(ids: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j] + 1) j++;
    ranges.push(j > i ? `${ids[i]}-${ids[j]}` : `${ids[i]}`);
    i = j + 1;
  }
  return ranges.join(",");
}

/** The `fer experiment` command a task runs, with every option that says what runs and where. */
function experimentCommand(slurm: SlurmOptions, options: ExperimentOptions): string[] {
  return [
    Deno.execPath(),
    "run",
    "-A",
    CLI_MAIN,
    "experiment",
    slurm.experimentArg,
    "--budget",
    options.budget,
    ...experimentSettingArgs(options),
    ...(options.dataDir ? ["--data-dir", options.dataDir] : []),
    "--out",
    options.root ?? DEFAULT_ROOT,
    ...(options.timeLimitMinutes ? ["--time-limit", String(options.timeLimitMinutes)] : []),
    ...(options.checkpointEverySteps
      ? ["--checkpoint-every", String(options.checkpointEverySteps)]
      : []),
    "--quiet",
  ];
}

/** The lines every batch script starts with: where it logs, and the same folder and data. */
function scriptHead(jobName: string, output: string, what: string): string[] {
  const dataDir = Deno.env.get("FER_DATA_DIR");
  return [
    "#!/bin/bash",
    `#SBATCH --job-name=${shellQuote(jobName)}`,
    `#SBATCH --output=${shellQuote(output)}`,
    `# ${what}`,
    `# Written by fer experiment --slurm; tasks run where the experiment was submitted from.`,
    `cd ${shellQuote(Deno.cwd())} || exit 1`,
    ...(dataDir ? [`export FER_DATA_DIR=${shellQuote(resolve(dataDir))}`] : []),
  ];
}

/**
 * The array script: task i trains run i and appends what it prints to the run's log, between
 * LOG_MARK lines that `--status` reads (a SIGTERM from a time limit or preemption included).
 */
function runsScript(
  experiment: Experiment,
  slurm: SlurmOptions,
  options: ExperimentOptions,
  dir: string,
): string {
  const keys = experiment.runs(options.budget).map((run) => run.key);
  const command = experimentCommand(slurm, options).map(shellQuote).join(" ");
  const now = "$(date -u +%FT%TZ)";
  return [
    ...scriptHead(
      `fer-${experiment.name}-${options.budget}`,
      join(dir, SLURM_FOLDER, "job-%A_%a.out"),
      `One task per run of ${experiment.name} (${options.budget} budget): task i trains runs[i].`,
    ),
    `runs=(${keys.map(shellQuote).join(" ")})`,
    'key="${runs[$SLURM_ARRAY_TASK_ID]}"',
    // runLogPath's file, named in the shell.
    `log=${shellQuote(join(dir, SLURM_FOLDER))}/"$key.log"`,
    `echo "${LOG_MARK} $key started on $(hostname) at ${now}` +
    ` (Slurm job \${SLURM_ARRAY_JOB_ID}_\${SLURM_ARRAY_TASK_ID})" >> "$log"`,
    `trap 'kill -TERM $pid 2>/dev/null; wait $pid; echo "${LOG_MARK} $key stopped by SIGTERM at ` +
    `${now} (scancel, a Slurm time limit or preemption): submitting again continues it" >> "$log"; ` +
    `exit 143' TERM`,
    `${command} --only "$key" >> "$log" 2>&1 &`,
    "pid=$!",
    "wait $pid",
    "status=$?",
    `echo "${LOG_MARK} $key exited with status $status at ${now}" >> "$log"`,
    "exit $status",
    "",
  ].join("\n");
}

/** The report script: rewrites the section from the runs there, as `--report-only` does. */
function reportScript(
  experiment: Experiment,
  slurm: SlurmOptions,
  options: ExperimentOptions,
  dir: string,
): string {
  const command = [
    ...experimentCommand(slurm, options),
    "--report-only",
    ...(options.reproductionDoc ? ["--doc", options.reproductionDoc] : []),
  ];
  return [
    ...scriptHead(
      `fer-${experiment.name}-${options.budget}`,
      join(dir, SLURM_FOLDER, "report-%j.out"),
      `Writes the section of ${experiment.name} (${options.budget} budget) once its runs ended.`,
    ),
    `exec ${command.map(shellQuote).join(" ")}`,
    "",
  ].join("\n");
}

/** Runs a Slurm client command; its stdout, or a FerError with its stderr. */
async function slurmCommand(name: string, args: string[]): Promise<string> {
  let output;
  try {
    output = await new Deno.Command(name, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FerError(
        `--slurm needs Slurm's ${name} on the PATH (Debian: slurm-client); --dry-run prints ` +
          "the batch scripts without it",
      );
    }
    throw error;
  }
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  if (!output.success) {
    throw new FerError(`${name} ${args.join(" ")} failed: ${decode(output.stderr)}`);
  }
  return decode(output.stdout);
}

/**
 * Refuses a folder that the nodes cannot write: every task writes its run there (created if
 * missing, as the runner would).
 */
async function checkWritable(dir: string, root: string) {
  const probe = join(dir, SLURM_FOLDER, `.writable-${Deno.pid}`);
  try {
    await Deno.mkdir(join(dir, SLURM_FOLDER), { recursive: true });
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (error) {
    throw new FerError(
      `--out ${root}: cannot write ${dir} (${(error as Error).message}); every task writes its ` +
        "run there, so it must be a writable folder on storage that all nodes see " +
        "(nothing was submitted)",
    );
  }
}

/**
 * Submits the runs of `experiment` that have not finished (or prints what it would submit with
 * `dryRun`), then a job that writes the section once they end. Returns the job ids; undefined
 * for a dry run or when every run has finished already.
 */
export async function submitToSlurm(
  experiment: Experiment,
  options: ExperimentOptions,
  slurm: SlurmOptions,
): Promise<SlurmSubmission | undefined> {
  const print = options.print ?? ((line: string) => console.log(line));
  const extra = shellWords(slurm.sbatch ?? "");
  const reserved = extra.find((word) => RESERVED_SBATCH.test(word));
  if (reserved) {
    throw new UsageError(`--sbatch may not set ${reserved}: fer sets the array and dependencies`);
  }
  // Tasks cd to this folder, so the relative paths of options mean the same there.
  const relativeDir = experimentDir(experiment, options);
  const dir = resolve(relativeDir);
  const root = options.root ?? DEFAULT_ROOT;
  const runs = experiment.runs(options.budget);
  const statuses = await experimentStatus(experiment, options);
  const pending = runs.filter((_, i) => !["finished", "diverged"].includes(statuses[i].state));
  if (pending.length === 0) {
    print(
      `Every run of ${experiment.name} (${options.budget} budget) has finished or diverged in ` +
        `${dir}: nothing to submit; --report-only writes the section`,
    );
    return undefined;
  }
  // A refused recipe fails here, not in every task.
  for (const run of pending) {
    await checkSameRecipe(join(dir, run.key), resolvedConfig(run, options, relativeDir));
  }
  if (options.dataDir && !existsSync(options.dataDir)) {
    throw new FerError(`--data-dir ${options.dataDir} does not exist (nothing was submitted)`);
  }
  // A run whose source trains in this submission waits for that task: arrays by depth.
  const depth = new Map<string, number>();
  for (const run of pending) {
    const source = run.initFromRun;
    depth.set(run.key, source !== undefined && depth.has(source) ? depth.get(source)! + 1 : 0);
  }
  const waves = Array.from(
    { length: Math.max(...depth.values()) + 1 },
    (_, d) => pending.filter((run) => depth.get(run.key) === d),
  );
  const index = (key: string) => runs.findIndex((run) => run.key === key);
  const runsPath = join(dir, SLURM_FOLDER, "runs.sh");
  const reportPath = join(dir, SLURM_FOLDER, "report.sh");
  const scripts = {
    runs: runsScript(experiment, slurm, options, dir),
    report: reportScript(experiment, slurm, options, dir),
  };
  const arrayArgs = (wave: readonly typeof runs[number][], jobOf: (key: string) => string) => {
    const sources = wave.flatMap((run) =>
      run.initFromRun !== undefined && depth.has(run.initFromRun)
        ? [`${jobOf(run.initFromRun)}_${index(run.initFromRun)}`]
        : []
    );
    return [
      "--parsable",
      `--array=${arrayRanges(wave.map((run) => index(run.key)))}`,
      ...(sources.length ? [`--dependency=afterany:${[...new Set(sources)].join(":")}`] : []),
      ...extra,
      runsPath,
    ];
  };
  const reportArgs = (arrayIds: readonly string[]) => [
    "--parsable",
    `--dependency=afterany:${arrayIds.join(":")}`,
    ...extra,
    reportPath,
  ];

  if (slurm.dryRun) {
    const placeholder = (d: number) => `<job id of array ${d + 1}>`;
    const waveOf = (key: string) => placeholder(depth.get(key)!);
    for (const [d, wave] of waves.entries()) {
      print(`# array ${d + 1}: ${wave.map((run) => run.key).join(", ")}`);
      print(`sbatch ${arrayArgs(wave, waveOf).map(shellQuote).join(" ")}`);
    }
    print(`# then the section, once every run has ended:`);
    print(`sbatch ${reportArgs(waves.map((_, d) => placeholder(d))).map(shellQuote).join(" ")}`);
    print(`\n# ${runsPath}\n${scripts.runs}\n# ${reportPath}\n${scripts.report}`);
    return undefined;
  }

  await checkWritable(dir, root);
  const jobName = `fer-${experiment.name}-${options.budget}`;
  const queued = await slurmCommand("squeue", ["--me", "-h", `--name=${jobName}`, "-o", "%i"]);
  if (queued) {
    const ids = queued.split("\n").join(" ");
    throw new FerError(
      `jobs of ${experiment.name} (${options.budget} budget) are still queued or running (${ids}): ` +
        `wait for them to end (--status) or cancel them (scancel ${ids}) before submitting again`,
    );
  }
  await Deno.writeTextFile(runsPath, scripts.runs);
  await Deno.writeTextFile(reportPath, scripts.report);
  const arrays: { jobId: string; runs: string[] }[] = [];
  const jobOf = (key: string) => arrays[depth.get(key)!].jobId;
  for (const wave of waves) {
    const jobId = (await slurmCommand("sbatch", arrayArgs(wave, jobOf))).split(";")[0];
    arrays.push({ jobId, runs: wave.map((run) => run.key) });
  }
  const ids = arrays.map((a) => a.jobId);
  let reportJobId;
  try {
    reportJobId = (await slurmCommand("sbatch", reportArgs(ids))).split(";")[0];
  } catch (error) {
    throw new FerError(
      `${(error as Error).message} (job array ${ids.join(", ")} was submitted; ` +
        `--report-only writes the section once it ends)`,
    );
  }
  for (const [d, { jobId, runs: keys }] of arrays.entries()) {
    print(
      `Submitted job array ${jobId}: ${keys.length} run${keys.length === 1 ? "" : "s"} of ` +
        `${experiment.name} (${options.budget} budget)` +
        (d > 0 ? `, each after the run it initialises from` : "") +
        ` (tasks ${arrayRanges(keys.map(index))}: ${keys.join(", ")})`,
    );
  }
  print(`Submitted job ${reportJobId}: writes the section once every run has ended`);
  print(`Logs: ${runLogPath(dir, "<run>")} per run, Slurm's in ${join(dir, SLURM_FOLDER)}/`);
  print(
    `Progress: deno task experiment ${slurm.experimentArg} --budget ${options.budget}` +
      (root !== DEFAULT_ROOT ? ` --out ${root}` : "") + " --status",
  );
  return { arrays, reportJobId };
}
