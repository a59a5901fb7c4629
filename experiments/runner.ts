/**
 * Runs an experiment's training runs one after another into one folder, skips runs that already
 * finished (so an interrupted experiment continues where it stopped), resumes a run that was cut
 * off, and writes the comparison with the paper to the folder and to docs/REPRODUCTION.md.
 */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ensureBackend } from "../lib/backend/mod.ts";
import { FerError, unknownChoice } from "../lib/errors.ts";
import { writeFigureFiles, writeReport } from "../lib/report/mod.ts";
import {
  dataRecipe,
  deadlineAfter,
  experimentSettingArgs,
  type ExperimentSettings,
  experimentSettingsOver,
  finishedRun,
  type ProgressMode,
  readRunResult,
  type RunConfig,
  RunFolder,
  type RunResult,
  trainRun,
  valueChanges,
  withSettingDefaults,
} from "../lib/train/mod.ts";
import type { Budget, Experiment, ExperimentRun, ReportContext, RunOutcome } from "./types.ts";

/**
 * The settings an experiment sets for every run (`backend`, `precision`, `data`: the dataset of
 * every run but those with `keepDataset`, `dataDir`) come from the settings table
 * (lib/train/settings.ts); a run's own applies where one is not given.
 */
export interface ExperimentOptions extends ExperimentSettings {
  readonly budget: Budget;
  /** Parent folder; the experiment writes `<root>/<name>-<budget>/`. */
  readonly root?: string;
  /** Where the reproduction table goes; undefined skips it (tests). */
  readonly reproductionDoc?: string;
  /**
   * Stop training after about this many minutes (see TrainerOptions.deadline; a run's first epoch
   * always completes): a run cut short ends on its best epoch so far, later runs are not started,
   * and the same command again continues where it stopped.
   */
  readonly timeLimitMinutes?: number;
  /** Mid-epoch checkpoints every this many steps (TrainRunOptions.checkpointEverySteps). */
  readonly checkpointEverySteps?: number;
  /** Train nothing: rewrite the section from the runs already in the folder. */
  readonly reportOnly?: boolean;
  /**
   * Train (or reuse) only the run with this key and write no section: one task of a Slurm job
   * array (experiments/slurm.ts), whose dependent job then writes the section with `reportOnly`.
   */
  readonly only?: string;
  readonly progress: ProgressMode;
  readonly print?: (line: string) => void;
  /** The command line each run records (TrainRunOptions.command); the CLI passes its own. */
  readonly command?: string;
}

/** Brackets a link target in a rendered section until it is made relative to its Markdown file. */
const LINK_PLACEHOLDER = "\u0000";

/** Where experiments train their runs, and the doc their sections go to, unless told otherwise. */
export const DEFAULT_ROOT = "runs/experiments";
export const DEFAULT_DOC = "docs/REPRODUCTION.md";

/** Written into the folder of a run that diverged (`divergence`), so a repeat skips the run. */
export const DIVERGED_FILE = "diverged.txt";

/** The run's config with the user's overrides, and `initFromRun` resolved to that run's folder. */
export function resolvedConfig(
  run: ExperimentRun,
  options: ExperimentOptions,
  dir: string,
): RunConfig {
  const config = experimentSettingsOver(run.config, options, run);
  return {
    ...config,
    initFrom: run.initFromRun ? join(dir, run.initFromRun) : config.initFrom,
  };
}

/** Fails on an `initFromRun` that names no earlier run: before hours of training, not after. */
function checkInitFromRuns(runs: readonly ExperimentRun[]) {
  for (const [i, run] of runs.entries()) {
    const earlier = runs.slice(0, i).map((r) => r.key);
    if (run.initFromRun !== undefined && !earlier.includes(run.initFromRun)) {
      throw new FerError(
        `run '${run.key}' initialises from '${run.initFromRun}', which is not an earlier run ` +
          `of this experiment (earlier runs: ${earlier.join(", ") || "none"})`,
      );
    }
  }
}

/** `<root>/<name>-<budget>/`: the folder of the experiment's runs. */
export function experimentDir(
  experiment: Experiment,
  options: Pick<ExperimentOptions, "root" | "budget">,
): string {
  return join(options.root ?? DEFAULT_ROOT, `${experiment.name}-${options.budget}`);
}

/** The run called `key`; an error listing the experiment's run keys otherwise. */
export function runWithKey(runs: readonly ExperimentRun[], key: string): ExperimentRun {
  const run = runs.find((r) => r.key === key);
  if (!run) throw unknownChoice("run", key, runs.map((r) => r.key));
  return run;
}

/**
 * Fails before training a run whose `initFromRun` has no finished result: trained alone (one
 * Slurm task), its source may have failed or diverged, and its weights would be missing.
 */
async function checkInitFromFinished(run: ExperimentRun, dir: string) {
  if (run.initFromRun === undefined) return;
  // A source cut short by a time limit is not finished: it would hand over half-trained weights.
  if (await finishedRun(join(dir, run.initFromRun))) return;
  throw new FerError(
    `run '${run.key}' initialises from '${run.initFromRun}', which has not finished in ` +
      `${join(dir, run.initFromRun)}: train that run first`,
  );
}

/**
 * Why a run diverged, when `error` says it did: the trainer's "loss became NaN at epoch 2, step
 * 3/5; ..." (shortened to its first part), or NaN class probabilities met while evaluating (the
 * training loss can stay finite while the weights are already useless). Undefined otherwise.
 */
function divergence(error: unknown): string | undefined {
  const message = error instanceof FerError ? error.message : "";
  if (/^loss became/.test(message)) return message.split(";")[0];
  const output = message.match(/probability of sample \d+, class \d+ is (\S+), not a finite/);
  return output ? `the model's outputs became ${output[1]} during an evaluation` : undefined;
}

/**
 * Where a run folder's saved config differs from the one the experiment would train now, as
 * "path: saved → wanted". The backend and the data folder are where a recipe ran, not part of it.
 */
export function configChanges(saved: RunConfig, wanted: RunConfig): string[] {
  const recipe = (config: RunConfig) => {
    // Runs saved before a setting existed ran with its default.
    const complete = withSettingDefaults(config, "missing");
    return { ...complete, backend: undefined, data: dataRecipe(complete.data) };
  };
  return valueChanges(recipe(saved), recipe(wanted));
}

/**
 * Refuses to reuse or resume a run folder trained with another recipe (an earlier budget of the
 * module, say): its numbers would be reported as this recipe's. The folder is left as it is.
 */
export async function checkSameRecipe(runDir: string, wanted: RunConfig) {
  const saved = await RunFolder.readConfigIfRun(runDir);
  const changes = saved ? configChanges(saved, wanted) : [];
  if (changes.length > 0) {
    throw new FerError(
      `${runDir} was trained with a different config than this experiment's ` +
        `(${changes.join("; ")}); move or delete that folder to train the run again`,
    );
  }
}

/** Said under every quick-budget table, so a quick number is never read as the recipe's. */
const QUICK_CAVEAT = "The quick budget is a small fraction of the paper's compute, sized to " +
  "finish within 30 minutes on 2 CPU cores: its numbers show the setup running end to end on " +
  "real data, and a large gap to the paper means under-training, not that the recipe cannot " +
  "reach the paper's number. Only the paper budget compares with the paper.";

/** What the budget still lacks (runs cut by a time limit, runs not trained), in words. */
function incompleteNote(outcomes: readonly RunOutcome[], notStarted: readonly string[]): string {
  const cut = outcomes.filter(({ result }) => result.fit.timeLimitReached)
    .map(({ run, result }) => `${run.key} (${result.fit.timeLimitReached})`);
  const parts = [
    ...(cut.length
      ? [`stopped by a time limit and evaluated on the best epoch so far: ${cut.join(", ")}`]
      : []),
    ...(notStarted.length ? [`not trained yet: ${notStarted.join(", ")}`] : []),
  ];
  if (parts.length === 0) return "";
  return `**Incomplete**, so this is less than the budget above: ${parts.join("; ")}. The same ` +
    "command again continues where it stopped.";
}

/** The Markdown section for one experiment and budget. */
export function reproductionSection(
  experiment: Experiment,
  budget: Budget,
  outcomes: readonly RunOutcome[],
  command: string,
  context: ReportContext,
  /** incompleteNote's words for what the budget still lacks; empty when it is finished. */
  incomplete = "",
): string {
  return [
    `## ${experiment.name} (${budget} budget)`,
    "",
    `${experiment.title}. Paper: ${experiment.paper}.`,
    "",
    `Budget: ${experiment.budgets[budget]}. Reproduce with \`${command}\`.`,
    "",
    ...(incomplete ? [incomplete, ""] : []),
    ...(budget === "quick" ? [QUICK_CAVEAT, ""] : []),
    experiment.report(outcomes, budget, context),
  ].join("\n");
}

/** Replaces (or appends) the section between this experiment's markers in `path`. */
export async function updateReproductionDoc(path: string, key: string, section: string) {
  const begin = `<!-- ${key} -->`;
  const end = `<!-- /${key} -->`;
  const block = `${begin}\n${section}\n${end}`;
  let text = await Deno.readTextFile(path).catch(() =>
    "# Reproduction\n\nEach section is written by `fer experiment <name>`; numbers are measured, " +
    "never typed in.\n"
  );
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  text = from >= 0 && to > from
    ? text.slice(0, from) + block + text.slice(to + end.length)
    : `${text.trimEnd()}\n\n${block}\n`;
  await Deno.writeTextFile(path, text);
}

/**
 * Trains `run` (as `config`, its resolved config) into `runDir`, or resumes it when a checkpoint
 * is there. Returns the result, or the reason when a run that may diverge did.
 */
async function trainOrResume(
  run: ExperimentRun,
  config: RunConfig,
  runDir: string,
  options: ExperimentOptions,
  deadline: number | undefined,
  print: (line: string) => void,
): Promise<RunResult | { diverged: string }> {
  const interrupted = existsSync(join(runDir, "checkpoint", "state.json"));
  try {
    return await trainRun(config, {
      exactDir: interrupted ? undefined : runDir,
      resume: interrupted ? runDir : undefined,
      backend: options.backend,
      deadline,
      checkpointEverySteps: options.checkpointEverySteps,
      progress: options.progress,
      print,
      command: options.command,
    });
  } catch (error) {
    const reason = divergence(error);
    if (!run.mayDiverge || reason === undefined) throw error;
    await Deno.writeTextFile(join(runDir, DIVERGED_FILE), reason + "\n");
    return { diverged: reason };
  }
}

/** Runs `experiment` as `options` say and returns the outcomes of its finished runs. */
export async function runExperiment(
  experiment: Experiment,
  options: ExperimentOptions,
): Promise<RunOutcome[]> {
  const print = options.print ?? ((line: string) => console.log(line));
  const deadline = deadlineAfter(options.timeLimitMinutes);
  const dir = experimentDir(experiment, options);
  const runs = experiment.runs(options.budget);
  checkInitFromRuns(runs);
  const selected = options.only === undefined ? runs : [runWithKey(runs, options.only)];
  if (!options.reportOnly) await Deno.mkdir(dir, { recursive: true });
  const outcomes: RunOutcome[] = [];
  const diverged = new Map<string, string>();
  const notStarted: string[] = [];
  // Like each run's fit, a call with a time limit always makes progress: its first training runs.
  // A later one starts only if an epoch as long as the longest trained so far still fits.
  const trainedKeys = new Set<string>();
  let longestEpochMs = 0;
  for (const run of selected) {
    const runDir = join(dir, run.key);
    print(`\n== ${experiment.name} run ${runs.indexOf(run) + 1}/${runs.length}: ${run.key}`);
    const config = resolvedConfig(run, options, dir);
    await checkSameRecipe(runDir, config);
    const earlier = await Deno.readTextFile(join(runDir, DIVERGED_FILE)).catch(() => undefined);
    if (earlier !== undefined) {
      print(`diverged earlier (${runDir}): ${earlier.trim()}`);
      diverged.set(run.key, earlier.trim());
      continue;
    }
    let result = await readRunResult(runDir);
    const trainNothing = options.reportOnly ||
      (deadline !== undefined && trainedKeys.size > 0 && Date.now() + longestEpochMs > deadline);
    if (result && (!result.fit.timeLimitReached || trainNothing)) {
      print(`already ${result.fit.timeLimitReached ? "cut short" : "finished"} in ${runDir}`);
    } else if (trainNothing) {
      print(
        `${options.reportOnly ? "--report-only" : "time limit reached"}: ${run.key} not trained`,
      );
      notStarted.push(run.key);
      continue;
    } else {
      await checkInitFromFinished(run, dir);
      // A run cut short by an earlier time limit continues from its checkpoint.
      const trained = await trainOrResume(run, config, runDir, options, deadline, print);
      trainedKeys.add(run.key);
      for (const logs of "diverged" in trained ? [] : trained.history) {
        longestEpochMs = Math.max(longestEpochMs, logs.seconds * 1000);
      }
      if ("diverged" in trained) {
        print(`${run.key} diverged: ${trained.diverged}`);
        diverged.set(run.key, trained.diverged);
        continue;
      }
      result = trained;
    }
    outcomes.push({ run, result });
  }
  if (options.only !== undefined) return outcomes;
  if (outcomes.length === 0 && diverged.size === 0) {
    // A wrong --out or a fresh clone with --report-only: keep the section that is there.
    throw new FerError(
      `no run of ${experiment.name} (${options.budget} budget) has finished in ${dir}: nothing ` +
        "to report" +
        (options.reproductionDoc ? `; ${options.reproductionDoc} is left as it was` : ""),
    );
  }
  const finished = new Set(outcomes.map(({ run }) => run.key));
  for (const key of experiment.reportedRuns?.(outcomes) ?? []) {
    const runDir = join(dir, key);
    if (!finished.has(key)) continue;
    if (trainedKeys.has(key) || !existsSync(join(runDir, "report.html"))) {
      const { html } = await writeReport(runDir, { dataDir: options.dataDir, log: print });
      print(`Report: ${html}`);
    }
  }
  // Reports may build models (to count MACs), so a backend must run even when every run was
  // finished before and nothing trained this time.
  await ensureBackend(options.backend);
  await writeSections(experiment, options, dir, outcomes, {
    diverged,
    notStarted,
    print,
  });
  return outcomes;
}

/**
 * Writes the experiment's figures and its section (the paper's numbers next to ours) into the
 * experiment folder's report.md and the reproduction doc, and prints it.
 */
async function writeSections(
  experiment: Experiment,
  options: ExperimentOptions,
  dir: string,
  outcomes: readonly RunOutcome[],
  { diverged, notStarted, print }: {
    diverged: ReadonlyMap<string, string>;
    notStarted: readonly string[];
    print: (line: string) => void;
  },
) {
  const figures = await experiment.figures?.(outcomes, options.budget) ?? [];
  await writeFigureFiles(figures, dir, false);
  // The run folders are not in the repository (they hold dataset images); the figures are plots
  // only, so the reproduction doc gets its own copies, committed next to it.
  const docFigures = options.reproductionDoc && figures.length > 0
    ? join(dirname(options.reproductionDoc), "reproduction", `${experiment.name}-${options.budget}`)
    : undefined;
  if (docFigures) await writeFigureFiles(figures, docFigures, false);
  const figureFiles = new Set(figures.map((figure) => `${figure.id}.svg`));
  // A finished budget is reproduced without the time limit of whichever sitting finished it.
  const incomplete = incompleteNote(outcomes, notStarted);
  // Every option that changes what runs, or where, so the command continues these very runs.
  const command = [
    `deno task experiment ${experiment.name} --budget ${options.budget}`,
    ...experimentSettingArgs(options),
  ].join(" ") +
    (options.root && options.root !== DEFAULT_ROOT ? ` --out ${options.root}` : "") +
    (options.reproductionDoc && options.reproductionDoc !== DEFAULT_DOC
      ? ` --doc ${options.reproductionDoc}`
      : "") +
    (options.timeLimitMinutes && incomplete ? ` --time-limit ${options.timeLimitMinutes}` : "");
  // Rendered once (a report may build models to count MACs); its links are placeholders until
  // resolved relative to each Markdown file that holds the section.
  const section = reproductionSection(experiment, options.budget, outcomes, command, {
    diverged,
    link: (path) => `${LINK_PLACEHOLDER}${path}${LINK_PLACEHOLDER}`,
  }, incomplete);
  const sectionFor = (markdownFile: string, figureDir = dir) =>
    section.replaceAll(
      new RegExp(`${LINK_PLACEHOLDER}(.*?)${LINK_PLACEHOLDER}`, "g"),
      (_, path: string) =>
        relative(dirname(markdownFile), join(figureFiles.has(path) ? figureDir : dir, path)),
    );
  const reportPath = join(dir, "report.md");
  await Deno.writeTextFile(reportPath, sectionFor(reportPath) + "\n");
  if (options.reproductionDoc) {
    await updateReproductionDoc(
      options.reproductionDoc,
      `experiment:${experiment.name}:${options.budget}`,
      sectionFor(options.reproductionDoc, docFigures),
    );
  }
  print(`\n${sectionFor(reportPath)}`);
}
