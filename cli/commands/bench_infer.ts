/**
 * `fer bench infer`: milliseconds per face of an expression model at batch 1 and batch 64, for the
 * network alone (a ready input tensor) and, for a trained model, for the whole classification
 * path `fer predict` uses after detection (face crop → 48×48 grey → the model's input pipeline →
 * network). The figures go to docs/BENCHMARKS.md, "## Inference".
 */
import * as tf from "@tensorflow/tfjs";
import { defineCommand } from "../args.ts";
import { UsageError } from "../../lib/errors.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { createModel, listModels } from "../../lib/models/mod.ts";
import {
  type ExpressionModel,
  loadExpressionModel,
  type RgbaImage,
} from "../../lib/predict/mod.ts";
import { Random } from "../../lib/random.ts";
import { describeCpu, formatCpu } from "../../lib/machine.ts";
import { loadAverage } from "./bench_machine.ts";
import { median } from "../../lib/backend/mod.ts";
import { backendOption, modelOption, precisionOption } from "../options.ts";

/** One timed configuration. */
interface InferenceTiming {
  readonly what: "network" | "classify";
  readonly batch: number;
  /** Median milliseconds of one call (the whole batch). */
  readonly msPerBatch: number;
  readonly msPerFace: number;
  readonly facesPerSecond: number;
}

/** Median seconds of `repeat` calls of `run` (awaited), after `warmup` untimed ones. */
async function medianSeconds(
  run: () => Promise<unknown>,
  warmup: number,
  repeat: number,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await run();
  const seconds: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const started = performance.now();
    await run();
    seconds.push((performance.now() - started) / 1000);
  }
  return median(seconds);
}

function timing(what: InferenceTiming["what"], batch: number, seconds: number): InferenceTiming {
  return {
    what,
    batch,
    msPerBatch: Number((seconds * 1000).toPrecision(4)),
    msPerFace: Number((seconds * 1000 / batch).toPrecision(4)),
    facesPerSecond: Number((batch / seconds).toPrecision(4)),
  };
}

/**
 * The network alone on a ready batch. Reading the result waits for it on any backend; the read
 * is asynchronous, as WebGPU in Deno requires.
 */
async function timeNetwork(
  model: tf.LayersModel,
  batch: number,
  warmup: number,
  repeat: number,
): Promise<InferenceTiming> {
  const shape = model.inputs[0].shape.slice(1) as number[];
  const x = tf.randomUniform([batch, ...shape]);
  try {
    const seconds = await medianSeconds(
      async () => {
        const y = model.predict(x) as tf.Tensor;
        await y.data();
        y.dispose();
      },
      warmup,
      repeat,
    );
    return timing("network", batch, seconds);
  } finally {
    x.dispose();
  }
}

/** Random 48×48 RGBA face crops, as `predict` hands them to the expression model. */
function syntheticFaces(count: number): RgbaImage[] {
  const random = new Random(0);
  return Array.from({ length: count }, () => ({
    width: 48,
    height: 48,
    rgba: Uint8Array.from({ length: 48 * 48 * 4 }, () => random.int(256)),
  }));
}

/** The `fer bench infer` command. */
export const benchInferCommand = defineCommand({
  name: "infer",
  summary: "Inference time per face at batch 1 and 64 (network alone and full classify path)",
  maxPositionals: 0,
  options: {
    model: modelOption(
      "A trained run or model folder, 'default', or a registry name (random weights)",
      "RUN|DIR|default|NAME",
    ),
    backend: { ...backendOption("Compute backend"), default: "auto" },
    precision: { ...precisionOption(), default: "fp32" },
    batches: {
      type: "string",
      default: "1,64",
      placeholder: "N,N",
      description: "Batch sizes to time",
    },
    repeat: {
      type: "integer",
      min: 1,
      default: 20,
      description: "Timed calls per batch size (median)",
    },
    warmup: { type: "integer", min: 0, default: 3, description: "Untimed calls first" },
    json: { type: "boolean", description: "Print JSON instead of text" },
  },
  async run({ options }) {
    const batches = options.batches.split(",").map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) {
      throw new UsageError(
        `--batches expects positive integers, e.g. 1,64; got ${options.batches}`,
      );
    }
    if (options.repeat < 1 || options.warmup < 0) {
      throw new UsageError("--repeat must be at least 1 and --warmup 0 or more");
    }
    const loadBefore = loadAverage();
    const backend = await initBackend(options.backend, { precision: options.precision });
    const registryName = listModels().includes(options.model);
    let expression: ExpressionModel | undefined;
    let network: tf.LayersModel;
    let dispose: () => void;
    if (registryName) {
      const fer = createModel(options.model, { seed: 0 });
      network = fer.model;
      dispose = () => fer.dispose();
    } else {
      expression = await loadExpressionModel(options.model);
      network = expression.loaded.model;
      dispose = () => expression!.dispose();
    }
    const results: InferenceTiming[] = [];
    try {
      for (const batch of batches) {
        results.push(await timeNetwork(network, batch, options.warmup, options.repeat));
        if (expression) {
          const faces = syntheticFaces(batch);
          const seconds = await medianSeconds(
            () => expression!.classify(faces, "none"),
            options.warmup,
            options.repeat,
          );
          results.push(timing("classify", batch, seconds));
        }
      }
    } finally {
      dispose();
    }
    const machine = formatCpu(describeCpu());
    const load = { before: loadBefore, after: loadAverage() };
    const modelName = expression ? `${expression.name} (${expression.source})` : options.model;
    if (options.json) {
      const backendName = backend.description;
      console.log(JSON.stringify(
        {
          model: modelName,
          backend: backendName,
          precision: backend.precision,
          machine,
          load,
          results,
        },
        null,
        2,
      ));
      return 0;
    }
    console.log(`machine ${machine}; load average ${load.before} before, ${load.after} after`);
    console.log(`model   ${modelName} on ${backend.description}; precision ${backend.precision}`);
    console.log(`        median of ${options.repeat} calls after ${options.warmup} warm-up calls`);
    if (expression) {
      console.log(
        "        classify: crop, resize and normalise each face, then the network, without " +
          `TTA (predict's default for this model is ${expression.defaultTta} TTA, which runs ` +
          "the network once per view: 2 for flip, 10 for tencrop)",
      );
    }
    for (const r of results) {
      console.log(
        `${r.what.padEnd(8)} batch ${String(r.batch).padStart(3)}: ${r.msPerFace} ms/face ` +
          `(${r.msPerBatch} ms per call, ${r.facesPerSecond} faces/s)`,
      );
    }
    return 0;
  },
});
