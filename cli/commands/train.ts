/** `fer train <model>`: a RunConfig from defaults, an optional --config file and the options. */
import { defineCommand } from "../args.ts";
import { FerError, UsageError } from "../../lib/errors.ts";
import { getModelSpec } from "../../lib/models/mod.ts";
import { type RunConfig, withDefaults } from "../../lib/train/config.ts";
import { checkConfigKeys } from "../../lib/train/config_keys.ts";
import { settingsFromOptions, trainSettingOptions } from "../../lib/train/settings.ts";
import { defaultProgressMode } from "../../lib/progress.ts";
import { deadlineAfter, resumeRun, trainRun } from "../../lib/train/run.ts";
import { writeReport } from "../../lib/report/mod.ts";
import { TIME_LIMIT_OPTION } from "../options.ts";

const options = {
  ...trainSettingOptions(),
  out: {
    type: "string",
    placeholder: "DIR",
    description: "Run folder (default runs/<model>-<data>-<time>)",
  },
  resume: {
    type: "string",
    placeholder: "RUN",
    description: "Continue an interrupted run from its checkpoint",
  },
  "time-limit": TIME_LIMIT_OPTION,
  config: {
    type: "string",
    placeholder: "FILE",
    description: "Start from this RunConfig JSON, whole or only what it changes (default: the " +
      "defaults above)",
  },
  quiet: { type: "boolean", description: "No progress bar, epoch lines only" },
  "no-report": { type: "boolean", description: "Skip report.html / report.md at the end" },
} as const;

async function report(runDir: string) {
  const { html } = await writeReport(runDir, { log: () => {} });
  console.log(`Report: ${html}`);
}

/** A --config file: a RunConfig, or only the sections and settings it changes. */
async function readConfigFile(path: string): Promise<Partial<RunConfig>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new FerError(`cannot read --config ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new FerError(`--config ${path}: expected a JSON object (a RunConfig, or part of one)`);
  }
  checkConfigKeys(parsed, `--config ${path}`);
  return parsed;
}

export const trainCommand = defineCommand({
  name: "train",
  summary: "Train a model (default: on FER2013, selecting on PublicTest, testing on PrivateTest)",
  args: "<model>",
  maxPositionals: 1,
  options,
  details: [
    "Models: run 'fer models' for the list.",
    "Examples:",
    "  fer train resnet18",
    "  fer train liu-cnn5 --epochs 1 --limit 512 --backend wasm",
    "  fer train chen-ckplus --data ckplus48 --split 0.8,0.2 --optimizer rmsprop --batch-size 8",
    "  fer train liu-cnn5 --mixup 0.2 --cutmix 1 --label-smoothing 0.1",
    "  fer train liu-cnn5 --teacher models/default --distill-weight 0.7",
    "  fer train --resume runs/resnet18-fer2013-20261124-203000",
  ].join("\n"),
  async run({ options: o, positionals, commandLine }) {
    const progress = defaultProgressMode(o.quiet);
    if (o.resume) {
      if (positionals.length > 0) {
        throw new UsageError("--resume continues a run as it was configured: give no model name");
      }
      if (o.precision) {
        throw new UsageError(
          "--resume continues a run in the precision it was configured with (its config.json): " +
            "give no --precision",
        );
      }
      const result = await resumeRun(o.resume, {
        backend: o.backend,
        deadline: deadlineAfter(o["time-limit"]),
        checkpointEverySteps: o["checkpoint-every"],
        progress,
        command: commandLine,
      });
      if (!o["no-report"] && !result.alreadyFinished) await report(result.dir);
      return 0;
    }
    const base = o.config ? await readConfigFile(o.config) : undefined;
    const model = positionals[0] ?? base?.model?.name;
    if (!model) {
      throw new UsageError("'fer train' needs a model name. Run 'fer models' for the list");
    }
    getModelSpec(model); // an unknown name fails here, listing the valid ones
    const config = settingsFromOptions(withDefaults(base ?? {}, model), o);
    const result = await trainRun(
      { ...config, model: { ...config.model, name: model } },
      { exactDir: o.out, deadline: deadlineAfter(o["time-limit"]), progress, command: commandLine },
    );
    if (!o["no-report"]) await report(result.dir);
    return 0;
  },
});
