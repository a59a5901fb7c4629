/** `fer train <model>`: a RunConfig from defaults, an optional --config file and the options. */
import { defineCommand, type ParsedOptions } from "../args.ts";
import { FerError, UsageError } from "../../lib/errors.ts";
import { findDataset } from "../../lib/data/mod.ts";
import { getModelSpec } from "../../lib/models/mod.ts";
import { MONITORS } from "../../lib/train/callbacks.ts";
import {
  BACKEND_CHOICES,
  defaultRunConfig,
  type LrScheduleConfig,
  PRECISION_CHOICES,
  type RunConfig,
  TTA_CHOICES,
  withDefaults,
} from "../../lib/train/config.ts";
import { checkConfigKeys } from "../../lib/train/config_keys.ts";
import { OPTIMIZER_NAMES } from "../../lib/train/optimizers.ts";
import { defaultProgressMode } from "../../lib/train/progress.ts";
import { deadlineAfter, trainRun } from "../../lib/train/run.ts";
import { writeReport } from "../../lib/report/mod.ts";

/** `--time-limit`, shared with `fer experiment` (PyTorch Lightning's `max_time`). */
export const TIME_LIMIT_OPTION = {
  type: "number",
  placeholder: "MINUTES",
  description: "Stop training after about this many minutes, mid-epoch if need be (checkpointed; " +
    "a run's first epoch always completes); the run ends on its best epoch so far and --resume " +
    "(or the same experiment command) continues it (default: no limit)",
} as const;

/** `--checkpoint-every`, shared with `fer experiment`; also honoured by `--resume`. */
export const CHECKPOINT_EVERY_OPTION = {
  type: "integer",
  placeholder: "STEPS",
  description:
    "Also checkpoint every N steps inside an epoch (a kill then loses at most N steps; " +
    "default: at epoch ends only)",
} as const;

/**
 * `--precision`, shared with `fer experiment`, `eval` and `bench train|infer` (PyTorch's CPU
 * autocast, Keras' mixed_bfloat16 policy).
 */
export const PRECISION_OPTION = {
  type: "string",
  choices: PRECISION_CHOICES,
  description: "fp32 (default); bf16: convolutions take bf16 inputs and accumulate in fp32, " +
    "everything else (weights, optimizer, dense layers, batch norm, loss) stays fp32; needs " +
    "--backend onednn and a CPU with avx512_bf16 or AMX; auto: fp32 for now, until a measured " +
    "fp32/bf16 parity run lets it pick bf16",
} as const;

const options = {
  data: {
    type: "string",
    description: "Dataset name (fer2013, ferplus, ckplus48) or path (default fer2013)",
  },
  "data-dir": {
    type: "string",
    placeholder: "DIR",
    description: "Data folder (default $FER_DATA_DIR)",
  },
  classes: {
    type: "string",
    placeholder: "A,B,...",
    description: "Keep only these classes, in this order (default: all)",
  },
  split: {
    type: "string",
    placeholder: "official|0.8,0.1,0.1|k-fold:K|group-k-fold:K",
    description: "Official Usage split, stratified train,val,test fractions, or k-fold (by " +
      "subject for group-k-fold) with --fold as validation (default: the dataset's usual " +
      "protocol, as 'fer data list' shows)",
  },
  fold: {
    type: "integer",
    min: 0,
    description: "With a k-fold split: the validation fold, 0..K-1 (default 0)",
  },
  vote: {
    type: "string",
    choices: ["plurality", "majority"],
    description: "FER+ hard labels: plurality (the most votes wins; default) or majority " +
      "(the FER+ reference code: single votes dropped, more than half of the rest needed)",
  },
  limit: {
    type: "integer",
    placeholder: "N",
    description: "Use at most N images per split (quick runs; default: all)",
  },
  epochs: { type: "integer", description: "Epochs (default 30)" },
  "batch-size": { type: "integer", description: "Batch size (default 64)" },
  optimizer: { type: "string", choices: OPTIMIZER_NAMES, description: "Optimizer (default adam)" },
  lr: { type: "number", description: "Learning rate (default 0.001)" },
  momentum: {
    type: "number",
    description: "Momentum for sgd / nesterov / rmsprop (default 0; nesterov 0.9)",
  },
  "weight-decay": { type: "number", description: "L2 weight decay on kernels (default 0)" },
  schedule: {
    type: "string",
    choices: ["plateau", "step", "cosine", "constant"],
    description:
      "Learning-rate schedule (default plateau: ×0.5 after 3 epochs without improvement)",
  },
  "early-stopping": {
    type: "integer",
    min: 0,
    placeholder: "PATIENCE",
    description: "Stop after this many epochs without improvement, 0 = never (default 8)",
  },
  monitor: {
    type: "string",
    choices: MONITORS.filter((m) => m.startsWith("val_")),
    description: "What picks the best epoch (default val_accuracy)",
  },
  "label-smoothing": { type: "number", description: "Label smoothing ε (default 0)" },
  "class-weights": {
    type: "string",
    choices: ["none", "balanced"],
    description: "Class weights in the loss (default none)",
  },
  augment: {
    type: "string",
    choices: ["none", "standard"],
    description: "Augmentation: standard = flip, rotation 10°, shift 0.1, zoom 0.1 (default)",
  },
  tta: {
    type: "string",
    choices: TTA_CHOICES,
    description:
      "Test-time augmentation for the final test (default none; it is also tested without)",
  },
  seed: {
    type: "integer",
    description: "Seed for data order, augmentation and initialisation (default 0)",
  },
  backend: {
    type: "string",
    choices: BACKEND_CHOICES,
    description: "Compute backend (default auto)",
  },
  precision: PRECISION_OPTION,
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
  "init-from": {
    type: "string",
    placeholder: "RUN",
    description:
      "Start from another run's weights (all that match; a head for other classes starts new)",
  },
  "micro-batch": {
    type: "integer",
    placeholder: "N",
    description: "Accumulate gradients over chunks of N images (default: automatic on wasm)",
  },
  "checkpoint-every": CHECKPOINT_EVERY_OPTION,
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

function parseSplit(text: string, seed: number): RunConfig["data"]["split"] {
  if (text === "official") return { kind: "official" };
  const folds = text.match(/^(k-fold|group-k-fold):(\d+)$/);
  if (folds) {
    const k = Number(folds[2]);
    if (k < 2) throw new UsageError(`--split ${text}: k-fold needs K ≥ 2`);
    return { kind: folds[1] as "k-fold" | "group-k-fold", k, seed };
  }
  const fractions = text.split(",").map(Number);
  if (fractions.length < 2 || fractions.length > 3 || fractions.some((f) => !(f >= 0))) {
    throw new UsageError(
      `--split expects 'official', fractions like 0.8,0.1,0.1, 'k-fold:5' or 'group-k-fold:10', ` +
        `got '${text}'`,
    );
  }
  return { kind: "stratified", fractions, seed };
}

/**
 * The split of another dataset given by --data without --split: a registry dataset's usual
 * protocol (CK+48 has no official split; papers use subject folds); a path keeps the base's.
 */
function defaultSplit(dataset: string, base: RunConfig["data"]["split"]) {
  return findDataset(dataset)?.defaultProtocol ?? base;
}

function scheduleFrom(
  name: string,
  monitor: RunConfig["schedule"]["checkpointMonitor"],
): LrScheduleConfig {
  switch (name) {
    case "plateau":
      return { kind: "plateau", monitor, factor: 0.5, patience: 3 };
    case "step":
      return { kind: "step", stepSize: 10, gamma: 0.1 };
    case "cosine":
      return { kind: "cosine" };
    default:
      return { kind: "constant" };
  }
}

/** The run config the options describe, on top of `base`. */
export function configFromOptions(base: RunConfig, o: ParsedOptions<typeof options>): RunConfig {
  const seed = o.seed ?? base.seed;
  const monitor = o.monitor ?? base.schedule.checkpointMonitor;
  const earlyStopping = o["early-stopping"] === undefined
    ? base.schedule.earlyStopping && { ...base.schedule.earlyStopping, monitor }
    : o["early-stopping"] > 0
    ? { monitor, patience: o["early-stopping"], restoreBest: true }
    : undefined;
  return {
    ...base,
    seed,
    backend: o.backend ?? base.backend,
    precision: o.precision ?? base.precision,
    data: {
      ...base.data,
      dataset: o.data ?? base.data.dataset,
      dataDir: o["data-dir"] ?? base.data.dataDir,
      classes: o.classes ? o.classes.split(",").map((c) => c.trim()) : base.data.classes,
      split: o.split
        ? parseSplit(o.split, seed)
        : o.data && o.data !== base.data.dataset
        ? defaultSplit(o.data, base.data.split)
        : base.data.split,
      fold: o.fold ?? base.data.fold,
      limit: o.limit ?? base.data.limit,
      vote: o.vote ?? base.data.vote,
    },
    optimizer: {
      ...base.optimizer,
      name: o.optimizer ?? base.optimizer.name,
      lr: o.lr ?? base.optimizer.lr,
      momentum: o.momentum ?? base.optimizer.momentum,
      weightDecay: o["weight-decay"] ?? base.optimizer.weightDecay,
    },
    schedule: {
      ...base.schedule,
      epochs: o.epochs ?? base.schedule.epochs,
      batchSize: o["batch-size"] ?? base.schedule.batchSize,
      lr: o.schedule ? scheduleFrom(o.schedule, monitor) : base.schedule.lr,
      earlyStopping,
      checkpointMonitor: monitor,
      labelSmoothing: o["label-smoothing"] ?? base.schedule.labelSmoothing,
      classWeights: o["class-weights"] === undefined
        ? base.schedule.classWeights
        : o["class-weights"] === "balanced"
        ? "balanced"
        : undefined,
      checkpointEverySteps: o["checkpoint-every"] ?? base.schedule.checkpointEverySteps,
      microBatch: o["micro-batch"] ?? base.schedule.microBatch,
    },
    augment: o.augment === "none" ? {} : base.augment,
    tta: o.tta ?? base.tta,
    initFrom: o["init-from"] ?? base.initFrom,
  };
}

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
    "  fer train --resume runs/resnet18-fer2013-20261124-203000",
  ].join("\n"),
  async run({ options: o, positionals }) {
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
      const result = await trainRun(defaultRunConfig(""), {
        resume: o.resume,
        backend: o.backend,
        deadline: deadlineAfter(o["time-limit"]),
        checkpointEverySteps: o["checkpoint-every"],
        progress,
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
    const config = configFromOptions(withDefaults(base ?? {}, model), o);
    const result = await trainRun(
      { ...config, model: { ...config.model, name: model } },
      { exactDir: o.out, deadline: deadlineAfter(o["time-limit"]), progress },
    );
    if (!o["no-report"]) await report(result.dir);
    return 0;
  },
});
