/**
 * The settings a RunConfig file may hold, key by key at every depth, so that a typo in a --config
 * file (`"optimiser"`, `{"optimizer": {"nmae": "sgd"}}`) is an error naming the key and the valid
 * ones instead of a setting silently left at its default. Values are checked elsewhere
 * (checkRunConfig, the augmentation and data layers).
 */
import {
  type AugmentConfig,
  CONFIG_KEYS as AUGMENT_KEYS,
  CROP_KEYS,
  ERASING_KEYS,
} from "../augment/config.ts";
import { didYouMean, UsageError } from "../errors.ts";
import type { DataConfig, DistillConfig, RunConfig, ScheduleConfig } from "./config.ts";
import { type SettingKeysIn, settingPaths } from "./settings.ts";

/** A value of any shape ("leaf"), an object with these keys, or objects told apart by a tag. */
type Shape =
  | "leaf"
  | { readonly keys: Readonly<Record<string, Shape>> }
  | {
    readonly tag: string;
    readonly variants: Readonly<Record<string, Readonly<Record<string, Shape>>>>;
  };

/**
 * The shapes of a section's keys: every one that is not a setting, and those settings whose value
 * has a structure (a setting's plain value is added from the table).
 */
type KeysOf<T, Section extends string> =
  & Record<Exclude<keyof T, SettingKeysIn<Section>>, Shape>
  & { readonly [K in SettingKeysIn<Section>]?: Shape };

const MONITORED = { monitor: "leaf", factor: "leaf", patience: "leaf", minLr: "leaf" } as const;

const NORMALIZATION: Shape = {
  tag: "kind",
  variants: {
    model: {},
    scale: {},
    "mean-std": { mean: "leaf", std: "leaf", source: "leaf" },
    "train-mean-std": {},
  },
};

const leaves = <K extends string>(names: readonly K[]) =>
  Object.fromEntries(names.map((name) => [name, "leaf"])) as Record<K, "leaf">;

/** The augmentation keys, as lib/augment/config.ts checks them. */
const AUGMENT: Shape = {
  keys: {
    ...leaves(AUGMENT_KEYS),
    crop: {
      tag: "type",
      variants: Object.fromEntries(
        Object.entries(CROP_KEYS).map(([type, names]) => [type, leaves(names)]),
      ),
    },
    randomErasing: { keys: leaves(ERASING_KEYS) },
  } satisfies Record<keyof AugmentConfig, Shape>,
};

/**
 * Every key of RunConfig (lib/train/config.ts) that is not a setting of the table (settings.ts,
 * added below); model.options are the model's own.
 */
const RUN_CONFIG: Shape = {
  keys: {
    name: "leaf",
    model: { keys: { name: "leaf", options: "leaf" } },
    data: {
      keys: {
        split: {
          tag: "kind",
          variants: {
            official: {},
            stratified: { fractions: "leaf", seed: "leaf" },
            "k-fold": { k: "leaf", seed: "leaf" },
            "group-k-fold": { k: "leaf", seed: "leaf" },
          },
        },
        dropNearDuplicates: "leaf",
        normalization: NORMALIZATION,
      } satisfies KeysOf<DataConfig, "data">,
    },
    optimizer: { keys: {} },
    schedule: {
      keys: {
        lr: {
          tag: "kind",
          variants: {
            constant: {},
            plateau: MONITORED,
            step: { stepSize: "leaf", gamma: "leaf" },
            cosine: { minLr: "leaf" },
          },
        },
        earlyStopping: { keys: leaves(["monitor", "patience", "restoreBest"]) },
        keepLastEpoch: "leaf",
      } satisfies KeysOf<ScheduleConfig, "schedule">,
    },
    augment: AUGMENT,
    averagedFrom: "leaf",
    distill: { keys: { teachers: "leaf" } satisfies KeysOf<DistillConfig, "distill"> },
  } satisfies KeysOf<RunConfig, "">,
};

/** `shape` with a leaf at each setting's path (settings.ts) that it does not already describe. */
function withSettingLeaves(shape: Shape, paths: readonly string[]): Shape {
  if (shape === "leaf" || !("keys" in shape)) return shape;
  const keys: Record<string, Shape> = { ...shape.keys };
  for (const path of paths) {
    const [key, ...rest] = path.split(".");
    if (rest.length === 0) keys[key] ??= "leaf";
    else if (keys[key] !== undefined) keys[key] = withSettingLeaves(keys[key], [rest.join(".")]);
  }
  return { keys };
}

/** Every key a RunConfig may hold: the structure above and every setting of the table. */
const KNOWN_KEYS = withSettingLeaves(RUN_CONFIG, settingPaths());

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function check(value: unknown, shape: Shape, path: string, where: string): void {
  if (shape === "leaf" || value === undefined || value === null) return;
  const name = path || "the config";
  if (!isObject(value)) {
    throw new UsageError(`${where}: ${name} must be an object, got ${JSON.stringify(value)}`);
  }
  let known: Readonly<Record<string, Shape>>;
  if ("tag" in shape) {
    const tag = value[shape.tag];
    const tags = Object.keys(shape.variants);
    const tagPath = `${path}.${shape.tag}`;
    if (typeof tag !== "string" || !tags.includes(tag)) {
      throw new UsageError(
        `${where}: ${tagPath} must be one of ${tags.join(", ")}, got ${JSON.stringify(tag)}` +
          (typeof tag === "string" ? didYouMean(tag, tags) : ""),
      );
    }
    known = { [shape.tag]: "leaf", ...shape.variants[tag] };
  } else {
    known = shape.keys;
  }
  const valid = Object.keys(known);
  for (const [key, inner] of Object.entries(value)) {
    const keyPath = path ? `${path}.${key}` : key;
    if (!(key in known)) {
      throw new UsageError(
        `${where}: unknown key '${keyPath}'${didYouMean(key, valid)}; the valid keys of ${name} ` +
          `are ${valid.join(", ")}`,
      );
    }
    check(inner, known[key], keyPath, where);
  }
}

/**
 * Throws a UsageError naming the first unknown key of `config` (a whole or partial RunConfig) and
 * the valid keys at its place; `where` says where it came from, e.g. "--config my.json".
 */
export function checkConfigKeys(config: unknown, where: string): void {
  check(config, KNOWN_KEYS, "", where);
}
