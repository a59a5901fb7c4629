/**
 * The settings a RunConfig file may hold, key by key at every depth, so that a typo in a --config
 * file (`"optimiser"`, `{"optimizer": {"nmae": "sgd"}}`) is an error naming the key and the valid
 * ones instead of a setting silently left at its default. Values are checked elsewhere
 * (checkRunConfig, the augmentation and data layers).
 */
import type { AugmentConfig } from "../augment/mod.ts";
import { didYouMean, UsageError } from "../errors.ts";
import type { DataConfig, RunConfig, ScheduleConfig } from "./config.ts";
import type { OptimizerConfig } from "./optimizers.ts";

/** A value of any shape ("leaf"), an object with these keys, or objects told apart by a tag. */
type Shape =
  | "leaf"
  | { readonly keys: Readonly<Record<string, Shape>> }
  | {
    readonly tag: string;
    readonly variants: Readonly<Record<string, Readonly<Record<string, Shape>>>>;
  };

const keys = (...names: string[]): Shape => ({
  keys: Object.fromEntries(names.map((name) => [name, "leaf" as const])),
});

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

const CROP: Shape = {
  tag: "type",
  variants: {
    "random-resized": { scale: "leaf", ratio: "leaf" },
    random: { height: "leaf", width: "leaf" },
    center: { height: "leaf", width: "leaf" },
  },
};

/** Every key of RunConfig (lib/train/config.ts); model.options are the model's own. */
const RUN_CONFIG: Shape = {
  keys: {
    name: "leaf",
    seed: "leaf",
    backend: "leaf",
    precision: "leaf",
    model: { keys: { name: "leaf", options: "leaf" } },
    data: {
      keys: {
        dataset: "leaf",
        dataDir: "leaf",
        classes: "leaf",
        split: {
          tag: "kind",
          variants: {
            official: {},
            stratified: { fractions: "leaf", seed: "leaf" },
            "k-fold": { k: "leaf", seed: "leaf" },
            "group-k-fold": { k: "leaf", seed: "leaf" },
          },
        },
        fold: "leaf",
        limit: "leaf",
        dropDuplicates: "leaf",
        dropNearDuplicates: "leaf",
        sample: "leaf",
        vote: "leaf",
        normalization: NORMALIZATION,
      } satisfies Record<keyof DataConfig, Shape>,
    },
    optimizer: keys(
      ...["name", "lr", "momentum", "weightDecay"] satisfies (keyof OptimizerConfig)[],
    ),
    schedule: {
      keys: {
        epochs: "leaf",
        batchSize: "leaf",
        lr: {
          tag: "kind",
          variants: {
            constant: {},
            plateau: MONITORED,
            step: { stepSize: "leaf", gamma: "leaf" },
            cosine: { minLr: "leaf" },
          },
        },
        earlyStopping: keys("monitor", "patience", "restoreBest"),
        checkpointMonitor: "leaf",
        keepLastEpoch: "leaf",
        labelSmoothing: "leaf",
        classWeights: "leaf",
        microBatch: "leaf",
        checkpointEverySteps: "leaf",
      } satisfies Record<keyof ScheduleConfig, Shape>,
    },
    augment: {
      keys: {
        horizontalFlip: "leaf",
        rotation: "leaf",
        widthShift: "leaf",
        heightShift: "leaf",
        shear: "leaf",
        zoom: "leaf",
        fillMode: "leaf",
        fillValue: "leaf",
        interpolation: "leaf",
        crop: CROP,
        randomErasing: keys("p", "scale", "ratio", "value"),
      } satisfies Record<keyof AugmentConfig, Shape>,
    },
    tta: "leaf",
    initFrom: "leaf",
    averagedFrom: "leaf",
  } satisfies Record<keyof RunConfig, Shape>,
};

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
  check(config, RUN_CONFIG, "", where);
}
