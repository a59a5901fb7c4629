/**
 * `fer models [<name>]`: the model zoo. Without a name, one row per registered model with its
 * parameters and MACs per image at its default input size; with a name, a Keras-style summary.
 */
import * as tf from "@tensorflow/tfjs";
import { defineCommand } from "../args.ts";
import { UsageError } from "../../lib/errors.ts";
import {
  countMacs,
  countParams,
  createModel,
  type CreateModelOptions,
  type FerModel,
  formatCount,
  formatMacs,
  getModelSpec,
  type InputShape,
  listModels,
  modelSummary,
} from "../../lib/models/mod.ts";

/** "48x48x1" → [48, 48, 1]. */
function parseInputShape(text: string): InputShape {
  const parts = text.split(/[x×,]/).map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new UsageError(`--input expects HxWxC, e.g. 48x48x1, got '${text}'`);
  }
  return parts as unknown as InputShape;
}

/** Builds `name` without random initialisation (counting needs shapes only), runs `use`, disposes. */
function withModel<T>(name: string, options: CreateModelOptions, use: (fer: FerModel) => T): T {
  const fer = createModel(name, { ...options, init: "zeros" });
  try {
    return use(fer);
  } finally {
    fer.dispose();
  }
}

function describe(fer: FerModel) {
  const params = countParams(fer.model);
  const spec = getModelSpec(fer.name);
  return {
    name: fer.name,
    params: params.total,
    trainableParams: params.trainable,
    nonTrainableParams: params.nonTrainable,
    macs: countMacs(fer.model).total,
    inputShape: [...fer.config.inputShape],
    numClasses: fer.config.numClasses,
    embeddingSize: fer.features.outputs[0].shape[1],
    description: spec.description,
    paper: spec.paper,
  };
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return rows.map((row) =>
    row.map((cell, column) =>
      // Numbers right-aligned, text left-aligned; the description is last and unpadded.
      column === row.length - 1
        ? cell
        : column >= 2 && column <= 5
        ? cell.padStart(widths[column])
        : cell.padEnd(widths[column])
    ).join("  ")
  ).join("\n");
}

function modelDetails(fer: FerModel, showWeights: boolean): string {
  const spec = getModelSpec(fer.name);
  const { inputShape, numClasses, normalization, seed: _seed, ...options } = fer.config;
  const lines = [
    `${fer.name}: ${spec.description}`,
    `Paper: ${spec.paper}`,
    `Input: ${inputShape.join("×")}, ${numClasses} classes, normalization ${
      JSON.stringify(normalization)
    }`,
    `Options: ${
      Object.entries(options).map(([key, value]) => `${key}=${value}`).join(", ") || "none"
    }`,
    `Embedding (features): ${fer.features.outputs[0].shape[1]} values from layer '${
      fer.features.outputs[0].sourceLayer.name
    }'`,
    "",
    modelSummary(fer.model),
  ];
  if (showWeights) {
    lines.push("", "Weights (name, shape, trainable):");
    for (const weight of fer.model.weights) {
      lines.push(`  ${weight.originalName}  [${weight.shape.join(", ")}]  ${weight.trainable}`);
    }
  }
  return lines.join("\n");
}

/** `fer models [<name>] [--json] [--input HxWxC] [--classes N] [--weights]`. */
export const modelsCommand = defineCommand({
  name: "models",
  summary: "List the model zoo with parameters and MACs, or summarise one model",
  args: "[<name>]",
  maxPositionals: 1,
  options: {
    json: { type: "boolean", description: "Print JSON instead of text" },
    input: {
      type: "string",
      placeholder: "HxWxC",
      description: "Input shape instead of each model's default, e.g. 224x224x3",
    },
    classes: {
      type: "integer",
      min: 1,
      placeholder: "N",
      description: "Number of classes (default: the model's, 7 for most)",
    },
    weights: {
      type: "boolean",
      description: "With <name>: also list every weight's name and shape (docs/WEIGHTS.md)",
    },
  },
  details: [
    "MACs are multiply-accumulates per image: conv, depthwise/separable conv, dense and batch norm",
    "(one per element); biases, activations and pooling are not counted.",
    "",
    "Examples:",
    "  fer models                              every model at its default input",
    "  fer models --json",
    "  fer models resnet18 --input 224x224x3 --classes 1000",
  ].join("\n"),
  async run({ options, positionals }) {
    await tf.setBackend("cpu");
    const overrides: CreateModelOptions = {
      inputShape: options.input === undefined ? undefined : parseInputShape(options.input),
      numClasses: options.classes,
    };
    const [name] = positionals;
    if (name !== undefined) {
      getModelSpec(name); // a bad name fails here with the list of valid names
      withModel(name, overrides, (fer) => {
        if (options.json) {
          const macs = countMacs(fer.model).byLayer;
          const layers = fer.model.layers.map((layer, i) => ({
            name: layer.name,
            className: layer.getClassName(),
            outputShape: layer.outputShape,
            params: layer.countParams(),
            macs: macs[i].macs,
          }));
          console.log(JSON.stringify({ ...describe(fer), config: fer.config, layers }, null, 2));
        } else {
          console.log(modelDetails(fer, options.weights));
        }
      });
      return 0;
    }
    const rows = listModels().map((model) => withModel(model, overrides, describe));
    if (options.json) {
      console.log(JSON.stringify(rows, null, 2));
      return 0;
    }
    console.log(table([
      ["name", "input", "params", "trainable", "non-trainable", "MACs/img", "description"],
      ...rows.map((row) => [
        row.name,
        row.inputShape.join("×"),
        formatCount(row.params),
        formatCount(row.trainableParams),
        formatCount(row.nonTrainableParams),
        formatMacs(row.macs),
        row.description,
      ]),
    ]));
    return 0;
  },
});
