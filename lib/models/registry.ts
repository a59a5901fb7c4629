/**
 * The model registry, timm-style: every architecture variant is registered under a name with its
 * default configuration, and `createModel(name, options)` builds it. Families live in their own
 * files; this file only collects them, resolves options and wires the two tf.models.
 */
import * as tf from "@tensorflow/tfjs";
import { FerError, unknownChoice, UsageError } from "../errors.ts";
import { adeboModels } from "./adebo.ts";
import { BuildContext } from "./build_context.ts";
import { chenModels } from "./chen.ts";
import { khaireddinModels } from "./khaireddin.ts";
import { liuModels } from "./liu.ts";
import { mobilenetv2Models } from "./mobilenetv2.ts";
import { mondalModels } from "./mondal.ts";
import { makeFerModel } from "./fer_model.ts";
import { checkNormalization } from "../data/normalization.ts";
import { resnetModels } from "./resnet.ts";
import { shufflenetv2Models } from "./shufflenetv2.ts";
import type {
  CreateModelOptions,
  FamilyOptions,
  FerModel,
  InputShape,
  ModelConfig,
  ModelSpec,
  StemKind,
} from "./types.ts";
import { vggModels } from "./vgg.ts";

const registry = new Map<string, ModelSpec>();

/** Adds an architecture to the registry (the built-in ones are added on import). */
export function registerModel(spec: ModelSpec): void {
  if (registry.has(spec.name)) throw new Error(`model '${spec.name}' is already registered`);
  registry.set(spec.name, spec);
}

for (
  const spec of [
    ...mondalModels,
    ...liuModels,
    ...chenModels,
    ...adeboModels,
    ...khaireddinModels,
    ...vggModels,
    ...resnetModels,
    ...mobilenetv2Models,
    ...shufflenetv2Models,
  ]
) registerModel(spec);

/** The registered model names, in registration order (FER papers first, then standard nets). */
export function listModels(): string[] {
  return [...registry.keys()];
}

/** The spec of `name`; a UsageError listing the valid names when there is none. */
export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (!spec) throw unknownChoice("model", name, listModels());
  return spec;
}

/** Options every model takes, whatever its family. */
const COMMON_OPTIONS = ["inputShape", "numClasses", "normalization", "seed", "init"];

function checkNumber(
  model: string,
  option: string,
  value: number,
  valid: (v: number) => boolean,
  expected: string,
): void {
  if (typeof value !== "number" || !valid(value)) {
    throw new UsageError(`${model}: option ${option} must be ${expected}, got ${value}`);
  }
}

function checkInputShape(spec: ModelSpec, shape: InputShape): void {
  const ok = Array.isArray(shape) && shape.length === 3 &&
    shape.every((v) => Number.isInteger(v) && v > 0);
  if (!ok) {
    throw new UsageError(
      `${spec.name}: inputShape must be [height, width, channels] of positive integers, ` +
        `got ${JSON.stringify(shape)}`,
    );
  }
  if (!spec.channels.includes(shape[2])) {
    throw new UsageError(
      `${spec.name}: ${shape[2]}-channel input is not supported. Valid channel counts: ${
        spec.channels.join(", ")
      }`,
    );
  }
}

function resolveStem(stem: StemKind, shape: InputShape): StemKind {
  const choices: StemKind[] = ["auto", "small", "imagenet"];
  if (!choices.includes(stem)) throw unknownChoice("stem", String(stem), choices);
  if (stem !== "auto") return stem;
  return Math.max(shape[0], shape[1]) <= 64 ? "small" : "imagenet";
}

/** Merges `options` over the spec's defaults and checks every value; throws UsageError. */
export function resolveConfig(spec: ModelSpec, options: CreateModelOptions = {}): ModelConfig {
  const familyOptions = Object.keys(spec.defaults).filter((key) => !COMMON_OPTIONS.includes(key));
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || COMMON_OPTIONS.includes(key) || familyOptions.includes(key)) {
      continue;
    }
    throw new UsageError(
      `model '${spec.name}' does not take option '${key}'. Valid options: ${
        [...COMMON_OPTIONS, ...familyOptions].join(", ")
      }`,
    );
  }
  const defined = Object.fromEntries(
    Object.entries(options).filter(([key, value]) => value !== undefined && key !== "init"),
  ) as Partial<ModelConfig>;
  const inputShape = [...(defined.inputShape ?? spec.defaults.inputShape)] as unknown as InputShape;
  checkInputShape(spec, inputShape);
  const merged: FamilyOptions & { numClasses: number; seed: number } = {
    ...spec.defaults,
    seed: 0,
    ...defined,
  };
  const name = spec.name;
  checkNumber(
    name,
    "numClasses",
    merged.numClasses,
    (v) => Number.isInteger(v) && v >= 2,
    "an integer ≥ 2",
  );
  checkNumber(name, "seed", merged.seed, Number.isInteger, "an integer");
  for (const option of ["dropout", "convDropout"] as const) {
    const rate = merged[option];
    if (rate !== undefined) checkNumber(name, option, rate, (v) => v >= 0 && v < 1, "in [0, 1)");
  }
  if (merged.l2 !== undefined) checkNumber(name, "l2", merged.l2, (v) => v >= 0, "≥ 0");
  if (merged.widthMultiplier !== undefined) {
    checkNumber(name, "widthMultiplier", merged.widthMultiplier, (v) => v > 0, "> 0");
  }
  if (merged.batchNorm !== undefined && typeof merged.batchNorm !== "boolean") {
    throw new UsageError(`${name}: option batchNorm must be true or false`);
  }
  const normalization = checkNormalization(
    defined.normalization ?? spec.normalization(inputShape[2]),
    inputShape[2],
  );
  const config: ModelConfig = {
    ...merged,
    inputShape,
    normalization,
    ...(merged.stem === undefined ? {} : { stem: resolveStem(merged.stem, inputShape) }),
  };
  const minSize = spec.minInputSize(config);
  if (Math.min(inputShape[0], inputShape[1]) < minSize) {
    throw new UsageError(
      `${name}: input ${inputShape[0]}×${inputShape[1]} is too small; the smallest this ` +
        `configuration takes is ${minSize}×${minSize}`,
    );
  }
  return config;
}

/**
 * Builds the registered model `name`. Options override the defaults (see `fer models <name>` for
 * them); layer names and initial weights depend only on the name and options (seed included).
 * Dispose the result with `dispose()` when done.
 */
export function createModel(name: string, options: CreateModelOptions = {}): FerModel {
  const spec = getModelSpec(name);
  const config = resolveConfig(spec, options);
  const context = new BuildContext(config, spec.convention, options.init ?? "random");
  const input = tf.input({ shape: [...config.inputShape], name: "input" });
  let graph;
  try {
    graph = spec.build(input, context);
  } catch (error) {
    if (error instanceof FerError) throw error;
    const [h, w, c] = config.inputShape;
    throw new UsageError(
      `${name} cannot be built for input ${h}×${w}×${c}: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
  const model = tf.model({ inputs: input, outputs: graph.probabilities, name });
  return makeFerModel(name, config, model, graph.embedding);
}
