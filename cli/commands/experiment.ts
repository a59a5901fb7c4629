/** `fer experiment <name>`: run one paper's setup and write its table next to the paper's. */
import { defineCommand } from "../args.ts";
import { TIME_LIMIT_OPTION } from "../options.ts";
import { UsageError } from "../../lib/errors.ts";
import { defaultProgressMode } from "../../lib/train/mod.ts";
import {
  BUDGETS,
  DEFAULT_DOC,
  DEFAULT_ROOT,
  EXPERIMENTS,
  experimentStatus,
  formatStatus,
  loadExperiment,
  runExperiment,
  submitToSlurm,
} from "../../experiments/mod.ts";
import {
  experimentSettingOptions,
  experimentSettings,
  settingOption,
} from "../../lib/train/settings.ts";

export const experimentCommand = defineCommand({
  name: "experiment",
  summary: "Reproduce a paper's setup (see --list) and write docs/REPRODUCTION.md",
  args: "<name|module.ts>",
  maxPositionals: 1,
  options: {
    list: { type: "boolean", description: "List the experiments" },
    json: { type: "boolean", description: "With --list: print JSON" },
    budget: {
      type: "string",
      choices: BUDGETS,
      default: "quick",
      description: "quick: ≤ 30 min here on 2 CPU cores; paper: the paper's full schedule",
    },
    ...experimentSettingOptions(),
    out: {
      type: "string",
      placeholder: "DIR",
      default: DEFAULT_ROOT,
      description:
        "Parent folder of the experiment's folder (with --slurm: on storage every node sees)",
    },
    doc: {
      type: "string",
      placeholder: "FILE",
      default: DEFAULT_DOC,
      description: "Markdown file whose section for this experiment is rewritten",
    },
    "time-limit": TIME_LIMIT_OPTION,
    "checkpoint-every": settingOption("checkpoint-every"),
    "report-only": {
      type: "boolean",
      description: "Train nothing: rewrite the tables and figures from the runs already there",
    },
    quiet: { type: "boolean", description: "No progress bar, epoch lines only" },
    only: {
      type: "string",
      placeholder: "RUN",
      description: "Train only this run (reused when finished) and write no section",
    },
    status: {
      type: "boolean",
      description: "Show each run: finished, running, failed or not started (reads the folders)",
    },
    slurm: {
      type: "boolean",
      description:
        "Submit the unfinished runs as a Slurm job array, then a job writing the section",
    },
    sbatch: {
      type: "string",
      placeholder: "OPTIONS",
      dashValue: true,
      description: 'With --slurm: extra sbatch options for every job, e.g. "--gres=gpu:1 -p gpu"',
    },
    "dry-run": {
      type: "boolean",
      description: "With --slurm: print the sbatch commands and batch scripts, submit nothing",
    },
  },
  async run({ options, positionals, commandLine }) {
    if (options.list) {
      const entries = EXPERIMENTS.map((e) => ({
        name: e.name,
        title: e.title,
        paper: e.paper,
        budgets: e.budgets,
        runs: e.runs("quick").length,
      }));
      if (options.json) console.log(JSON.stringify(entries, null, 2));
      else {
        for (const e of entries) {
          console.log(`${e.name.padEnd(14)} ${e.title}`);
          console.log(`${"".padEnd(14)} quick: ${e.budgets.quick}; paper: ${e.budgets.paper}`);
        }
      }
      return 0;
    }
    if (positionals.length === 0) {
      throw new UsageError(
        `'fer experiment' needs a name: ${EXPERIMENTS.map((e) => e.name).join(", ")}`,
      );
    }
    for (const option of ["sbatch", "dry-run"] as const) {
      if (options[option] && !options.slurm) throw new UsageError(`--${option} needs --slurm`);
    }
    const exclusive = (["status", "slurm", "only", "report-only"] as const)
      .filter((option) => options[option]);
    if (exclusive.length > 1) {
      throw new UsageError(`--${exclusive.join(" and --")} do not go together`);
    }
    const experiment = await loadExperiment(positionals[0]);
    if (options.status) {
      const where = { budget: options.budget, root: options.out };
      console.log(formatStatus(experiment, where, await experimentStatus(experiment, where)));
      return 0;
    }
    const experimentOptions = {
      budget: options.budget,
      ...experimentSettings(options),
      root: options.out,
      reproductionDoc: options.doc,
      timeLimitMinutes: options["time-limit"],
      checkpointEverySteps: options["checkpoint-every"],
      reportOnly: options["report-only"],
      only: options.only,
      progress: defaultProgressMode(options.quiet),
      command: commandLine,
    };
    if (options.slurm) {
      await submitToSlurm(experiment, experimentOptions, {
        experimentArg: positionals[0],
        sbatch: options.sbatch,
        dryRun: options["dry-run"],
      });
    } else await runExperiment(experiment, experimentOptions);
    return 0;
  },
});
