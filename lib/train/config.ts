/**
 * A training run's configuration: composed from shared parts (data, model, optimizer, schedule,
 * augmentation), saved as the run's config.json, and enough on its own to repeat the run. Experiment
 * modules build these; the `train` command builds one from its options.
 */
import type { Monitor } from "./callbacks.ts";
import type { OptimizerConfig } from "./optimizers.ts";
import { AUGMENT_PRESETS, type AugmentConfig } from "../augment/mod.ts";
import type { NormalizationSpec, Protocol } from "../data/mod.ts";

import type { BackendChoice } from "../backend/mod.ts";
import { UsageError } from "../errors.ts";
import {
  checkSettings,
  scheduleFrom,
  type SettingsIn,
  type TopLevelSettings,
  type TtaChoice,
  valueAt,
  withSettingDefaults,
} from "./settings.ts";
export {
  type BackendChoice,
  backendChoices as BACKEND_CHOICES,
  type PrecisionChoice,
  precisionChoices as PRECISION_CHOICES,
} from "../backend/mod.ts";

export { TTA_CHOICES, type TtaChoice } from "./settings.ts";

/**
 * How pixels become model inputs: the model's own convention (its registry entry), or a data-layer
 * normalisation such as FER2013's fixed 0.4907/0.2099, or mean/std of the training split.
 */
export type NormalizationConfig = { readonly kind: "model" } | NormalizationSpec;

export interface DataConfig extends SettingsIn<"data"> {
  /** A registry name (fer2013, ferplus, ckplus48) or a path to a CSV or class-per-folder dataset. */
  readonly dataset: string;
  /** Keep only these classes, relabelled in this order (e.g. happy, neutral, sad). */
  readonly classes?: readonly string[];
  /** Official Usage split, stratified fractions, or (group) k-fold. */
  readonly split: Protocol;
  /**
   * Drop near-duplicates before splitting: images whose similarity (1 − mean |a − b| / 255) to
   * another image is at least this (e.g. 0.95), keeping one per group. Runs after `classes`.
   */
  readonly dropNearDuplicates?: number;
  readonly normalization: NormalizationConfig;
}

export type LrScheduleConfig =
  | { readonly kind: "constant" }
  | {
    readonly kind: "plateau";
    readonly monitor: Monitor;
    readonly factor: number;
    readonly patience: number;
    readonly minLr?: number;
  }
  | { readonly kind: "step"; readonly stepSize: number; readonly gamma: number }
  | { readonly kind: "cosine"; readonly minLr?: number };

export interface ScheduleConfig extends SettingsIn<"schedule"> {
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: LrScheduleConfig;
  /**
   * Stop after `patience` epochs without improvement. `restoreBest: false` ends on the last
   * epoch's weights; otherwise a run ends on the best epoch by `checkpointMonitor` (which `fer
   * train` sets to the same quantity as `monitor`).
   */
  readonly earlyStopping?: {
    readonly monitor: Monitor;
    readonly patience: number;
    readonly restoreBest: boolean;
  };
  /** The quantity that picks the best checkpoint: always a validation one. */
  readonly checkpointMonitor: Monitor;
  /**
   * Keep the last epoch's weights instead of the best checkpoint's: for cross-validation, where
   * the validation fold is the reported result and must not also select the model.
   */
  readonly keepLastEpoch?: boolean;
  readonly classWeights?: "balanced";
}

/**
 * Knowledge distillation (lib/train/distill.ts): the teachers, and the weight and temperature
 * (settings.ts, DISTILL_DEFAULTS where unset).
 */
export interface DistillConfig extends SettingsIn<"distill"> {
  /** Run or model folders, as `fer eval` takes them; their mean probabilities are the target. */
  readonly teachers: readonly string[];
}

/**
 * Where two JSON-like values differ, setting by setting, as "path: a → b" (e.g.
 * "schedule.epochs: 3 → 5"); empty when they agree. A setting left out and one set to undefined
 * agree, as they do once written to JSON.
 */
export function valueChanges(a: unknown, b: unknown, path = ""): string[] {
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === "object" && value !== null && !Array.isArray(value);
  const show = (value: unknown) => JSON.stringify(value) ?? "unset";
  if (isRecord(a) && isRecord(b)) {
    return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) =>
      valueChanges(a[key], b[key], path ? `${path}.${key}` : key)
    );
  }
  return show(a) === show(b) ? [] : [`${path}: ${show(a)} → ${show(b)}`];
}

/**
 * Whether a run keeps its last epoch's weights: asked for directly (`keepLastEpoch`), or by an
 * early stopping that does not restore the best (Keras' `restore_best_weights=False`). Otherwise
 * it ends on the best epoch by `checkpointMonitor`.
 */
export function keepsLastEpoch(schedule: ScheduleConfig): boolean {
  return schedule.keepLastEpoch === true || schedule.earlyStopping?.restoreBest === false;
}

/** A run's data as part of its recipe: without where the dataset lives on one machine (`dataDir`). */
export function dataRecipe(data: DataConfig): Omit<DataConfig, "dataDir"> {
  const { dataDir: _where, ...recipe } = data;
  return recipe;
}

/**
 * A run's recipe. The optional plain settings (`precision`, `initFrom`, ...) come typed from the
 * settings table (settings.ts), which documents each; the fields here are the structure.
 */
export interface RunConfig extends TopLevelSettings {
  /** Free-form name, e.g. the experiment that made the run. */
  readonly name?: string;
  readonly seed: number;
  readonly backend: BackendChoice;
  readonly model: { readonly name: string; readonly options?: Record<string, unknown> };
  readonly data: DataConfig;
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
  readonly augment: AugmentConfig;
  /** Test-time augmentation for the final evaluation (the run reports without it too). */
  readonly tta: TtaChoice;
  /** Set on a run made by `fer average`: the mean of these runs' weights, not trained itself. */
  readonly averagedFrom?: readonly string[];
  /** Distil from teachers as well as the labels. */
  readonly distill?: DistillConfig;
}

/**
 * Keras-like defaults for `fer train <model>` on FER2013: the settings' own defaults (settings.ts)
 * in the structure they live in.
 */
export function defaultRunConfig(model: string): RunConfig {
  const skeleton = {
    model: { name: model },
    data: { split: { kind: "official" }, normalization: { kind: "model" } },
    optimizer: {},
    schedule: {
      lr: scheduleFrom("plateau", "val_accuracy"),
      earlyStopping: { monitor: "val_accuracy", patience: 8, restoreBest: true },
    },
    augment: structuredClone(AUGMENT_PRESETS.standard),
  };
  return withSettingDefaults(skeleton) as unknown as RunConfig;
}

/**
 * A config file's settings over the defaults for `model`, section by section, so a file may hold
 * only what it changes (`{"optimizer": {"name": "sgd", "lr": 0.01}}`); `augment` and `schedule.lr`
 * are replaced whole, as an empty augment means none.
 */
export function withDefaults(partial: Partial<RunConfig>, model: string): RunConfig {
  const defaults = defaultRunConfig(model);
  return {
    ...defaults,
    ...partial,
    model: { ...defaults.model, ...partial.model },
    data: { ...defaults.data, ...partial.data },
    optimizer: { ...defaults.optimizer, ...partial.optimizer },
    schedule: { ...defaults.schedule, ...partial.schedule },
    augment: partial.augment ?? defaults.augment,
  };
}

/**
 * Throws a UsageError naming the setting (and the option that sets it) when `config` lacks a
 * required setting or holds a number out of range: checked before a run makes its folder.
 */
export function checkRunConfig(config: RunConfig): void {
  for (const path of ["model.name", "data.dataset", "optimizer.name"]) {
    if (typeof valueAt(config, path) !== "string") {
      throw new UsageError(`the run config lacks ${path}`);
    }
  }
  if (typeof valueAt(config, "data.split.kind") !== "string") {
    throw new UsageError('the run config lacks data.split (e.g. {"kind": "official"})');
  }
  checkSettings(config);
  checkDistill(config.distill);
}

/** A distill section names at least one teacher, each a path; weight and temperature need one. */
function checkDistill(distill: DistillConfig | undefined): void {
  if (distill === undefined) return;
  const teachers: unknown = distill.teachers;
  if (teachers === undefined || (Array.isArray(teachers) && teachers.length === 0)) {
    const set = Object.keys(distill).find((key) => key !== "teachers");
    const what = set ? `--distill-${set} (distill.${set})` : "distill";
    throw new UsageError(
      `${what} needs a teacher: --teacher RUN (distill.teachers, a list of run or model folders)`,
    );
  }
  if (
    !Array.isArray(teachers) || teachers.some((t) => typeof t !== "string" || t.trim() === "")
  ) {
    throw new UsageError(
      `--teacher (distill.teachers) must be a list of run or model folders, got ${
        JSON.stringify(teachers)
      }`,
    );
  }
}
