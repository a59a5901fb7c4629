/**
 * Every training setting, declared once: its place in a RunConfig, its `fer train` option, type,
 * bounds, default and help. From this table come the options of `fer train` and `fer experiment`,
 * `settingsFromOptions` (`fer train`'s options over a config), `checkRunConfig`'s range checks, the
 * keys a --config file may hold, the defaults of a new config and an experiment's reproduce
 * command.
 *
 * To add a training setting: an entry here, and the code that uses it (its value is at `path` in
 * the run's config). A setting absent from a saved config had its default, so runs saved before it
 * existed still load and still count as the same recipe.
 */
import { AUGMENT_PRESET_NAMES, AUGMENT_PRESETS, type AugmentPreset } from "../augment/mod.ts";
import { backendChoices, precisionChoices } from "../backend/mod.ts";
import { findDataset, type Protocol } from "../data/mod.ts";
import { UsageError } from "../errors.ts";
import { type Monitor, MONITORS } from "./callbacks.ts";
import type { LrScheduleConfig, RunConfig } from "./config.ts";
import { OPTIMIZER_NAMES } from "./optimizers.ts";

/** Test-time augmentations a run can report with. */
export const TTA_CHOICES = ["none", "flip", "tencrop"] as const;
export type TtaChoice = typeof TTA_CHOICES[number];

/** Distillation's weight and temperature where a run has teachers but does not set them. */
export const DISTILL_DEFAULTS = { weight: 0.5, temperature: 4 } as const;

/** The option types of the command-line framework (cli/args.ts), which these entries fit. */
export type SettingType = "string" | "boolean" | "number" | "integer";

/** A bound a config value must meet, and the words that say it. */
export interface Bound {
  readonly ok: (value: number) => boolean;
  readonly must: string;
}

/** One training setting. */
export interface Setting {
  /** Where its value lives in a RunConfig, dot-separated (`schedule.labelSmoothing`). */
  readonly path: string;
  readonly type: SettingType;
  /**
   * The help line. `{default}` in it becomes the default; a default that is a structure (the
   * plateau schedule, standard augmentation) is said in words instead.
   */
  readonly help: string;
  /** Its value in a new config (`defaultRunConfig`), and in a saved config that lacks it. */
  readonly default?: string | number | boolean;
  readonly choices?: readonly string[];
  /** Shown in help instead of the type, e.g. "DIR" or "N". */
  readonly placeholder?: string;
  /** The option may be given more than once; its value is the list (cli/args.ts `multiple`). */
  readonly multiple?: true;
  /** A lower bound checked as the command line is read (before a config exists). */
  readonly min?: number;
  /** Numbers: the bound `checkRunConfig` checks, naming the option and the config key. */
  readonly bound?: Bound;
  /** `checkRunConfig` refuses a config without it. */
  readonly required?: true;
  /** No `fer train` option: a config-file setting only (`data.sample`). */
  readonly configOnly?: true;
  /**
   * How the option's value goes into a config, when it is not simply the value at `path`
   * (`options` holds every option given, for settings that depend on another).
   */
  readonly apply?: Apply;
  /**
   * Also an option of `fer experiment`, where it overrides every run's config (the field of
   * ExperimentOptions that carries it). `reproduce`: part of the command that repeats the
   * experiment; `keepsDataset`: not applied to runs marked `keepDataset`; `help`: its help there.
   */
  readonly experiment?: {
    readonly field: string;
    readonly reproduce: boolean;
    readonly keepsDataset?: true;
    readonly help?: string;
  };
}

/** How an option's value goes into a config (Setting.apply), typed loosely for the table's type. */
type Apply = (config: never, value: never, options: SettingValues) => unknown;
/** Declares an `apply`: the table's type must not depend on RunConfig, whose types come from it. */
const applies = <V>(
  apply: (config: RunConfig, value: V, options: SettingValues) => RunConfig,
): Apply => apply as Apply;

const integerFrom = (min: number): Bound => ({
  ok: (v) => Number.isInteger(v) && v >= min,
  must: `an integer ≥ ${min}`,
});
const fraction: Bound = { ok: (v) => v >= 0 && v < 1, must: "a number in [0, 1)" };
const nonNegative: Bound = { ok: (v) => v >= 0, must: "a number ≥ 0" };

function parseSplit(text: string, seed: number): Protocol {
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

/** `--schedule`'s learning-rate schedules by name (plateau is a new config's default). */
export function scheduleFrom(name: string, monitor: Monitor): LrScheduleConfig {
  const schedules: Record<string, LrScheduleConfig> = {
    plateau: { kind: "plateau", monitor, factor: 0.5, patience: 3 },
    step: { kind: "step", stepSize: 10, gamma: 0.1 },
    cosine: { kind: "cosine" },
  };
  return schedules[name] ?? { kind: "constant" };
}

/** The quantity that picks the best epoch: --monitor if given, else the config's. */
const monitorOf = (config: RunConfig, options: SettingValues) =>
  (options.monitor as Monitor | undefined) ??
    config.schedule.checkpointMonitor;

const withSchedule = (config: RunConfig, schedule: Partial<RunConfig["schedule"]>): RunConfig => ({
  ...config,
  schedule: { ...config.schedule, ...schedule },
});

/**
 * The table, in the order `fer train --help` lists the options. Keys are the option names; an
 * entry's `apply` runs after those of the entries above it.
 */
export const SETTINGS = {
  data: {
    path: "data.dataset",
    type: "string",
    default: "fer2013",
    help: "Dataset name (fer2013, ferplus, ckplus48) or path (default {default})",
    // Another dataset without --split gets its usual protocol (CK+48 has no official split;
    // papers use subject folds); a path keeps the base's.
    apply: applies((config: RunConfig, dataset: string): RunConfig => ({
      ...config,
      data: {
        ...config.data,
        dataset,
        split: dataset === config.data.dataset
          ? config.data.split
          : findDataset(dataset)?.defaultProtocol ?? config.data.split,
      },
    })),
    experiment: {
      field: "data",
      reproduce: true,
      keepsDataset: true,
      help: "Replace the dataset (name or path) of every run but pretraining on FER2013",
    },
  },
  "data-dir": {
    path: "data.dataDir",
    type: "string",
    placeholder: "DIR",
    help: "Data folder (default $FER_DATA_DIR)",
    // Where registry datasets live: unset, $FER_DATA_DIR, then ./data.
    experiment: { field: "dataDir", reproduce: false },
  },
  classes: {
    path: "data.classes",
    type: "string",
    placeholder: "A,B,...",
    help: "Keep only these classes, in this order (default: all)",
    apply: applies((config: RunConfig, classes: string): RunConfig => ({
      ...config,
      data: { ...config.data, classes: classes.split(",").map((c) => c.trim()) },
    })),
  },
  split: {
    path: "data.split",
    type: "string",
    placeholder: "official|0.8,0.1,0.1|k-fold:K|group-k-fold:K",
    help: "Official Usage split, stratified train,val,test fractions, or k-fold (by " +
      "subject for group-k-fold) with --fold as validation (default: the dataset's usual " +
      "protocol, as 'fer data list' shows)",
    apply: applies((config: RunConfig, split: string, options: SettingValues): RunConfig => ({
      ...config,
      data: {
        ...config.data,
        split: parseSplit(split, (options.seed as number | undefined) ?? config.seed),
      },
    })),
  },
  fold: {
    path: "data.fold",
    type: "integer",
    min: 0,
    help: "With a k-fold split: the validation fold, 0..K-1 (default 0)",
  },
  vote: {
    path: "data.vote",
    type: "string",
    choices: ["plurality", "majority"],
    help: "FER+ hard labels: plurality (the most votes wins; default) or majority " +
      "(the FER+ reference code: single votes dropped, more than half of the rest needed)",
  },
  limit: {
    path: "data.limit",
    type: "integer",
    placeholder: "N",
    bound: integerFrom(1),
    help: "Use at most N images per split (quick runs; default: all)",
    // A stratified sample of each split.
  },
  "drop-duplicates": {
    path: "data.dropDuplicates",
    type: "boolean",
    help: "Drop exact duplicate images before splitting, keeping one of each (also removes " +
      "train/test leakage; default: keep them, as the papers do)",
  },
  sample: {
    path: "data.sample",
    type: "integer",
    configOnly: true,
    bound: integerFrom(1),
    help: "Use a stratified sample of this many images of the whole dataset, before splitting",
  },
  epochs: {
    path: "schedule.epochs",
    type: "integer",
    default: 30,
    required: true,
    bound: integerFrom(1),
    help: "Epochs (default {default})",
  },
  "batch-size": {
    path: "schedule.batchSize",
    type: "integer",
    default: 64,
    required: true,
    bound: integerFrom(1),
    help: "Batch size (default {default})",
  },
  optimizer: {
    path: "optimizer.name",
    type: "string",
    choices: OPTIMIZER_NAMES,
    default: "adam",
    help: "Optimizer (default {default})",
  },
  lr: {
    path: "optimizer.lr",
    type: "number",
    default: 1e-3,
    required: true,
    bound: { ok: (v) => v > 0, must: "a number > 0" },
    help: "Learning rate (default {default})",
  },
  momentum: {
    path: "optimizer.momentum",
    type: "number",
    bound: fraction,
    help: "Momentum for sgd / nesterov / rmsprop (default 0; nesterov 0.9)",
  },
  "weight-decay": {
    path: "optimizer.weightDecay",
    type: "number",
    bound: nonNegative,
    help: "L2 weight decay on kernels (default 0)",
  },
  schedule: {
    path: "schedule.lr",
    type: "string",
    choices: ["plateau", "step", "cosine", "constant"],
    help: "Learning-rate schedule (default plateau: ×0.5 after 3 epochs without improvement)",
    apply: applies((config: RunConfig, name: string, options: SettingValues): RunConfig =>
      withSchedule(config, { lr: scheduleFrom(name, monitorOf(config, options)) })
    ),
  },
  "early-stopping": {
    path: "schedule.earlyStopping",
    type: "integer",
    min: 0,
    placeholder: "PATIENCE",
    help: "Stop after this many epochs without improvement, 0 = never (default 8)",
    apply: applies((config: RunConfig, patience: number, options: SettingValues): RunConfig =>
      withSchedule(config, {
        earlyStopping: patience > 0
          ? { monitor: monitorOf(config, options), patience, restoreBest: true }
          : undefined,
      })
    ),
  },
  monitor: {
    path: "schedule.checkpointMonitor",
    type: "string",
    choices: MONITORS.filter((m) => m.startsWith("val_")),
    default: "val_accuracy",
    help: "What picks the best epoch (default {default})",
    // Early stopping watches what picks the best epoch.
    apply: applies((
      config: RunConfig,
      monitor: Monitor,
    ): RunConfig =>
      withSchedule(config, {
        checkpointMonitor: monitor,
        earlyStopping: config.schedule.earlyStopping &&
          { ...config.schedule.earlyStopping, monitor },
      })
    ),
  },
  "label-smoothing": {
    path: "schedule.labelSmoothing",
    type: "number",
    bound: fraction,
    help: "Label smoothing ε (default 0)",
  },
  mixup: {
    path: "schedule.mixup",
    type: "number",
    placeholder: "ALPHA",
    bound: nonNegative,
    // timm's Mixup(mixup_alpha): one λ per batch, the batch mixed with a permutation of itself.
    help: "Mixup: each training batch becomes λ·itself + (1−λ)·a shuffled copy, λ ~ Beta(α, α) " +
      "per batch, its labels mixed alike (soft targets, with --label-smoothing on top; training " +
      "accuracy counts the label of larger weight); 0 = off (default 0; 0.2 is usual)",
  },
  cutmix: {
    path: "schedule.cutmix",
    type: "number",
    placeholder: "ALPHA",
    bound: nonNegative,
    help: "CutMix: a box of 1−λ of each training image, λ ~ Beta(α, α) per batch, comes from a " +
      "shuffled copy of the batch, labels mixed by area; with --mixup, each batch takes one of " +
      "the two at random (even odds); 0 = off (default 0; 1 is usual)",
  },
  "class-weights": {
    path: "schedule.classWeights",
    type: "string",
    choices: ["none", "balanced"],
    help: "Class weights in the loss (default none)",
    apply: applies((config: RunConfig, weights: string): RunConfig =>
      withSchedule(config, { classWeights: weights === "balanced" ? "balanced" : undefined })
    ),
  },
  augment: {
    path: "augment",
    type: "string",
    choices: AUGMENT_PRESET_NAMES,
    help: "Augmentation: standard = flip, rotation 10°, shift 0.1, zoom 0.1 (default); " +
      "khaireddin = Khaireddin & Chen's random 40×40 crops (for 40×40 models such as " +
      "khaireddin-vgg), flip, shift 0.2, rotation 10°, zoom 0.2, random erasing",
    apply: applies((config: RunConfig, augment: string): RunConfig => ({
      ...config,
      augment: structuredClone(AUGMENT_PRESETS[augment as AugmentPreset]),
    })),
  },
  tta: {
    path: "tta",
    type: "string",
    choices: TTA_CHOICES,
    default: "none",
    help: "Test-time augmentation for the final test (default {default}; it is also tested " +
      "without)",
  },
  seed: {
    path: "seed",
    type: "integer",
    default: 0,
    required: true,
    bound: integerFrom(0),
    help: "Seed for data order, augmentation and initialisation (default {default})",
  },
  backend: {
    path: "backend",
    type: "string",
    choices: backendChoices,
    default: "auto",
    help: "Compute backend (default {default})",
    experiment: { field: "backend", reproduce: true },
  },
  precision: {
    path: "precision",
    type: "string",
    choices: precisionChoices,
    default: "fp32",
    // PyTorch's CPU autocast, Keras' mixed_bfloat16 policy.
    help: "{default} (default); bf16: convolutions take bf16 inputs and accumulate in fp32, " +
      "everything else (weights, optimizer, dense layers, batch norm, loss) stays fp32; needs " +
      "--backend onednn and a CPU with avx512_bf16 or AMX; auto: fp32 for now, until a measured " +
      "fp32/bf16 parity run lets it pick bf16",
    experiment: { field: "precision", reproduce: true },
  },
  "init-from": {
    path: "initFrom",
    type: "string",
    placeholder: "RUN",
    help: "Start from another run's weights (all that match; a head for other classes starts new)",
  },
  teacher: {
    path: "distill.teachers",
    type: "string",
    placeholder: "RUN[,RUN...]",
    multiple: true,
    help: "Distil from this run or model folder (several: their mean probabilities), " +
      "which sees each training batch as the student does, in inference mode, and never trains " +
      "(default: none)",
    apply: applies((config: RunConfig, teachers: readonly string[]): RunConfig => ({
      ...config,
      distill: {
        ...config.distill,
        teachers: teachers.flatMap((t) => t.split(",")).map((t) => t.trim()).filter((t) => t),
      },
    })),
  },
  "distill-weight": {
    path: "distill.weight",
    type: "number",
    placeholder: "W",
    bound: { ok: (v) => v >= 0 && v <= 1, must: "a number in [0, 1]" },
    help: "With --teacher: loss = (1−W)·cross-entropy + W·T²·KL(teacher_T ‖ student_T), x_T = " +
      `softmax(logits / T) (default ${DISTILL_DEFAULTS.weight})`,
  },
  "distill-temperature": {
    path: "distill.temperature",
    type: "number",
    placeholder: "T",
    bound: { ok: (v) => v > 0, must: "a number > 0" },
    help: `With --teacher: the temperature T (default ${DISTILL_DEFAULTS.temperature})`,
  },
  "micro-batch": {
    path: "schedule.microBatch",
    type: "integer",
    placeholder: "N",
    bound: integerFrom(1),
    help: "Accumulate gradients over chunks of N images (default: automatic on wasm)",
    // Less memory, the same update. The automatic size comes from the model's activation size,
    // as wasm's heap is 4 GiB.
  },
  "checkpoint-every": {
    path: "schedule.checkpointEverySteps",
    type: "integer",
    placeholder: "STEPS",
    bound: integerFrom(1),
    help: "Also checkpoint every N steps inside an epoch (a kill then loses at most N steps; " +
      "default: at epoch ends only)",
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

/** Option values by option name, as the command line gave them (undefined: not given). */
export type SettingValues = Readonly<Record<string, unknown>>;

/** The value type of a setting's option. */
type ValueOf<S> = S extends { type: "number" | "integer" } ? number
  : S extends { type: "boolean" } ? boolean
  : S extends { choices: readonly (infer C)[] } ? C
  : string;

type Plain<S> = S extends { apply: unknown } ? false : true;
type PathOf<K extends SettingName> = typeof SETTINGS[K]["path"];

/**
 * The settings kept in section `P` of a RunConfig as given (no `apply`), as its typed optional
 * fields: the config types (config.ts) extend these, so a new setting needs no field of its own.
 */
export type SettingsIn<P extends string> = {
  readonly [
    K in SettingName as Plain<typeof SETTINGS[K]> extends true
      ? PathOf<K> extends `${P}.${infer Key}` ? Key : never
      : never
  ]?: ValueOf<typeof SETTINGS[K]>;
};

/** The keys of every setting in section `P` of a RunConfig (`""`: its top level). */
export type SettingKeysIn<P extends string> = {
  [K in SettingName]: P extends "" ? PathOf<K> extends `${string}.${string}` ? never : PathOf<K>
    : PathOf<K> extends `${P}.${infer Key}` ? Key
    : never;
}[SettingName];

/** The top-level settings of a RunConfig (`seed`, `backend`, ...), as SettingsIn. */
export type TopLevelSettings = {
  readonly [
    K in SettingName as Plain<typeof SETTINGS[K]> extends true
      ? PathOf<K> extends `${string}.${string}` ? never : PathOf<K>
      : never
  ]?: ValueOf<typeof SETTINGS[K]>;
};

type ExperimentField<S> = S extends { experiment: { field: infer F extends string } } ? F : never;

/** The settings `fer experiment` sets for every run, as ExperimentOptions fields. */
export type ExperimentSettings = {
  readonly [K in SettingName as ExperimentField<typeof SETTINGS[K]>]?: ValueOf<typeof SETTINGS[K]>;
};

const entries = Object.entries(SETTINGS) as [SettingName, Setting][];

/** The help line of a setting, its default filled in. */
function helpOf(setting: Setting): string {
  return setting.help.replace("{default}", String(setting.default));
}

/** A setting as an option of the command-line framework (cli/args.ts OptionSpec). */
function optionOf(setting: Setting, help = helpOf(setting)) {
  const { type, choices, placeholder, min, multiple } = setting;
  return {
    type,
    description: help,
    ...(choices ? { choices } : {}),
    ...(placeholder ? { placeholder } : {}),
    ...(min !== undefined ? { min } : {}),
    ...(multiple ? { multiple } : {}),
  };
}

type OptionOf<S> =
  & {
    readonly type: S extends { type: infer T } ? T : never;
    readonly description: string;
    readonly placeholder?: string;
    readonly min?: number;
    readonly multiple?: true;
  }
  & (S extends { choices: infer C } ? { readonly choices: C } : unknown);

/** The option of one setting, e.g. `settingOption("backend")` for a command that has one. */
export function settingOption<N extends SettingName>(
  name: N,
  help?: string,
): OptionOf<typeof SETTINGS[N]> {
  return optionOf(SETTINGS[name], help) as OptionOf<typeof SETTINGS[N]>;
}

type ConfigOnly<S> = S extends { configOnly: true } ? true : false;

/** `fer train`'s options for every setting. */
export function trainSettingOptions(): {
  readonly [K in SettingName as ConfigOnly<typeof SETTINGS[K]> extends true ? never : K]: OptionOf<
    typeof SETTINGS[K]
  >;
} {
  return Object.fromEntries(
    entries.filter(([, s]) => !s.configOnly).map(([name, s]) => [name, optionOf(s)]),
  ) as never;
}

type ExperimentOption<S> = S extends { experiment: object } ? true : false;

/** `fer experiment`'s options: the settings it sets for every run. */
export function experimentSettingOptions(): {
  readonly [K in SettingName as ExperimentOption<typeof SETTINGS[K]> extends true ? K : never]:
    OptionOf<typeof SETTINGS[K]>;
} {
  return Object.fromEntries(
    entries.flatMap(([name, s]) =>
      s.experiment ? [[name, optionOf(s, s.experiment.help ?? helpOf(s))]] : []
    ),
  ) as never;
}

/** `fer experiment`'s options (by option name) as ExperimentOptions' fields. */
export function experimentSettings(options: SettingValues): ExperimentSettings {
  return Object.fromEntries(
    entries.flatMap(([name, s]) => s.experiment ? [[s.experiment.field, options[name]]] : []),
  );
}

/** The value at `path` of a config (undefined where a section is missing). */
export function valueAt(config: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>(
    (value, key) => (value as Record<string, unknown> | undefined)?.[key],
    config,
  );
}

/** `config` with `value` at `path`, each section on the way copied. */
export function withValueAt<T>(config: T, path: string, value: unknown): T {
  const [key, ...rest] = path.split(".");
  const record = (config ?? {}) as Record<string, unknown>;
  return {
    ...record,
    [key]: rest.length === 0 ? value : withValueAt(record[key], rest.join("."), value),
  } as T;
}

/** The settings' defaults written into `config` (a new config's skeleton). */
export function withSettingDefaults<T>(config: T, only: "all" | "missing" = "all"): T {
  let result = config;
  for (const [, setting] of entries) {
    if (setting.default === undefined) continue;
    if (only === "missing" && valueAt(result, setting.path) !== undefined) continue;
    result = withValueAt(result, setting.path, setting.default);
  }
  return result;
}

/** The command-line options given (`options`, by option name) over `base`, entry by entry. */
export function settingsFromOptions(base: RunConfig, options: SettingValues): RunConfig {
  let config = base;
  for (const [name, setting] of entries) {
    const value = options[name];
    // A flag absent from the command line reads false: it turns a setting on, never off; an
    // option that may repeat reads [] when absent.
    const given = value !== undefined && !(setting.type === "boolean" && value === false) &&
      !(Array.isArray(value) && value.length === 0);
    if (!given || setting.configOnly) continue;
    const apply = setting.apply as
      | ((config: RunConfig, value: unknown, options: SettingValues) => RunConfig)
      | undefined;
    config = apply ? apply(config, value, options) : withValueAt(config, setting.path, value);
  }
  return config;
}

/**
 * An experiment's overrides (ExperimentOptions' fields) over one run's config: every setting
 * `fer experiment` has, but the dataset of a run that keeps its own.
 */
export function experimentSettingsOver(
  config: RunConfig,
  overrides: ExperimentSettings,
  run: { readonly keepDataset?: boolean },
): RunConfig {
  let result = config;
  for (const [, setting] of entries) {
    if (!setting.experiment) continue;
    const value = (overrides as Record<string, unknown>)[setting.experiment.field];
    if (value === undefined || (setting.experiment.keepsDataset && run.keepDataset)) continue;
    result = withValueAt(result, setting.path, value);
  }
  return result;
}

/** The options that repeat an experiment's overrides (those part of what it reproduces). */
export function experimentSettingArgs(overrides: ExperimentSettings): string[] {
  return entries.flatMap(([name, setting]) => {
    const value = setting.experiment?.reproduce
      ? (overrides as Record<string, unknown>)[setting.experiment.field]
      : undefined;
    return value === undefined || value === "" ? [] : [`--${name}`, String(value)];
  });
}

/**
 * Throws a UsageError naming the setting (and the option that sets it) when `config` lacks a
 * required setting, holds a number out of range or a value that is not one of its choices.
 */
export function checkSettings(config: RunConfig): void {
  for (const [name, setting] of entries) {
    const value = valueAt(config, setting.path);
    const label = setting.configOnly ? setting.path : `--${name} (${setting.path})`;
    if (setting.bound) {
      if (value === undefined && !setting.required) continue;
      if (typeof value !== "number" || !setting.bound.ok(value)) {
        throw new UsageError(
          `${label} must be ${setting.bound.must}, got ${JSON.stringify(value) ?? "nothing"}`,
        );
      }
    } else if (setting.choices && !setting.apply && value !== undefined) {
      if (!setting.choices.includes(value as string)) {
        throw new UsageError(
          `${label} must be one of ${setting.choices.join(", ")}, got ${JSON.stringify(value)}`,
        );
      }
    }
  }
}

/** The config paths of every setting, for the keys a config file may hold. */
export function settingPaths(): string[] {
  return entries.map(([, setting]) => setting.path);
}
