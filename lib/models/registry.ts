/**
 * The model registry, timm-style: every architecture variant is registered under a name with its
 * default configuration by its family's file (register.ts), and `createModel(name, options)`
 * builds it. This file imports the families (so they register, in this order: FER papers first,
 * then standard nets), checks the options every model takes and wires the two tf.models.
 */
import * as tf from "@tensorflow/tfjs";
import { FerError, UsageError } from "../errors.ts";
import { BuildContext } from "./build_context.ts";
import { makeFerModel } from "./fer_model.ts";
import { checkNormalization } from "../data/normalization.ts";
import { checkNumber, resolveFamilyOptions } from "./options.ts";
import { getModelSpec } from "./register.ts";
import type {
  CreateModelOptions,
  FamilyOptions,
  FerModel,
  InputShape,
  ModelConfig,
  ModelSpec,
} from "./types.ts";
import "./mondal.ts";
import "./liu.ts";
import "./chen.ts";
import "./adebo.ts";
import "./khaireddin.ts";
import "./vgg.ts";
import "./resnet.ts";
import "./mobilenetv2.ts";
import "./shufflenetv2.ts";

export { getModelSpec, listModels, registerModel, registerModels } from "./register.ts";

/** Options every model takes, whatever its family. */
const COMMON_OPTIONS = ["inputShape", "numClasses", "normalization", "seed", "init"];

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
  const family = (spec.resolveOptions ?? resolveFamilyOptions)(merged, inputShape, name);
  const normalization = checkNormalization(
    defined.normalization ?? spec.normalization(inputShape[2]),
    inputShape[2],
  );
  const config: ModelConfig = { ...merged, inputShape, normalization, ...family };
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
