/**
 * `fer bench train`: training throughput of a registry model on our backend, timed on the real
 * training step (lib/train/step.ts), side by side with the same architecture in PyTorch on the same
 * machine (bench/pytorch_train.py). The figures go to docs/BENCHMARKS.md, "## Training throughput:
 * fer vs PyTorch". With `--precision bf16`, PyTorch is timed twice in the same invocation: in fp32
 * (`pytorch`, `ratio`) and under CPU autocast to bf16 (`pytorchBf16`, `ratioBf16`).
 */
import type * as tf from "@tensorflow/tfjs";
import { defineCommand } from "../args.ts";
import { UsageError } from "../../lib/errors.ts";
import {
  type BackendInfo,
  defaultThreads,
  formatProfile,
  initBackend,
  type Precision,
  profileSteps,
  type Throughput,
} from "../../lib/backend/mod.ts";
import {
  countMacs,
  countParams,
  createModel,
  formatCount,
  formatMacs,
  type InputShape,
  parseModelOptions,
} from "../../lib/models/mod.ts";
import { createOptimizer } from "../../lib/train/optimizers.ts";
import { automaticMicroBatch, syntheticBatch, trainingStep } from "../../lib/train/step.ts";
import { describeCpu, formatCpu } from "../../lib/machine.ts";
import { loadAverage, peakFlops, trainingGflops } from "./bench_machine.ts";
import { timeTrainingSteps } from "./bench_step_timing.ts";
import { type PytorchResult, pytorchUnavailable, runPytorchBenchmark } from "./bench_pytorch.ts";
import { backendOption, precisionOption } from "../options.ts";

/** Classes the benchmark models get unless --model-option numClasses says (FER2013's seven). */
const CLASSES = 7;

/**
 * --model-option values as createModel options. The input shape has its own flag; the rest is
 * checked by createModel against the model's registry options.
 */
function benchModelOptions(texts: readonly string[]): Record<string, string | number | boolean> {
  const options = parseModelOptions(texts);
  for (const key of ["inputShape", "init"]) {
    if (key in options) {
      throw new UsageError(
        `--model-option ${key} cannot be set here: ` +
          (key === "inputShape"
            ? "use --input"
            : "bench train times training as `fer train` runs it, from random weights"),
      );
    }
  }
  return options;
}

/** "48x48x1" → [48, 48, 1]. */
function parseInputShape(text: string): InputShape {
  const parts = text.split(/[x×,]/).map((p) => Number(p.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new UsageError(`--input expects HxWxC, e.g. 48x48x1, got '${text}'`);
  }
  return parts as unknown as InputShape;
}

/** Three significant digits: enough for timings that are ±30 % anyway, at any scale. */
function round(value: number): number {
  return Number(value.toPrecision(3));
}

function log(line: string): void {
  console.error(line);
}

/** Adam as training configures it by default (lr 1e-3), from the project's optimizer factory. */
function benchmarkOptimizer(): tf.Optimizer {
  return createOptimizer({ name: "adam", lr: 1e-3 });
}

/** Per-kernel times of one more training step (run after the timed ones, so warm). */
async function profileOneStep(
  model: tf.LayersModel,
  batch: number,
  microBatch: number | undefined,
  byShape: boolean,
): Promise<string> {
  const optimizer = benchmarkOptimizer();
  const { x, labels } = syntheticBatch(model, batch);
  try {
    // The warm-up step creates the new optimizer's slots before timing.
    const step = () => trainingStep(model, optimizer, x, labels, { microBatch });
    return formatProfile(await profileSteps(step, { warmupSteps: 1, steps: 1, byShape }), 20);
  } finally {
    optimizer.dispose();
    x.dispose();
    labels.dispose();
  }
}

function describeOurs(
  backend: BackendInfo,
  timing: Throughput,
  warmupSteps: number,
): string {
  return `fer     ${backend.description}: ${round(timing.imagesPerSecond)} img/s ` +
    `(median step ${timing.medianStepSeconds.toFixed(3)} s of ${timing.stepSeconds.length}, ` +
    `best ${timing.bestStepSeconds.toFixed(3)} s); warm-up ${warmupSteps} step(s) ` +
    `${timing.warmupSeconds.toFixed(2)} s; tensors +${timing.tensorGrowth} over the timed ` +
    `steps; last loss ${timing.lastLoss.toFixed(3)}`;
}

function describePytorch(result: PytorchResult, ourParams: number, bf16 = false): string {
  const params = result.params === ourParams
    ? "same trainable parameters"
    : `PARAMETERS DIFFER: PyTorch ${formatCount(result.params)}, fer ${formatCount(ourParams)}`;
  return `pytorch torch ${result.torch}${bf16 ? " autocast bf16" : ""}, ${result.threads} ` +
    `threads, mkldnn ${result.mkldnn}: ` +
    `${round(result.imagesPerSecond)} img/s (median step ${
      result.medianStepSeconds.toFixed(3)
    } s of ${result.stepSeconds.length}); warm-up ${result.warmupSeconds.toFixed(2)} s; ${params}`;
}

/** The `fer bench train` command. */
export const benchTrainCommand = defineCommand({
  name: "train",
  summary: "Training throughput of a model (the real training step) next to PyTorch",
  maxPositionals: 0,
  options: {
    model: {
      type: "string",
      default: "liu-cnn5",
      placeholder: "NAME",
      description: "Registry model (see 'fer models')",
    },
    "model-option": {
      type: "string",
      multiple: true,
      placeholder: "KEY=VALUE",
      description: "A model option (see 'fer models NAME'), e.g. stem=imagenet or numClasses=3",
    },
    backend: { ...backendOption("Compute backend"), default: "auto" },
    precision: { ...precisionOption(), default: "fp32" },
    batch: { type: "integer", min: 1, default: 64, description: "Images per step" },
    steps: {
      type: "integer",
      min: 1,
      default: 5,
      description: "Timed steps; the median is reported",
    },
    warmup: { type: "integer", min: 0, default: 2, description: "Untimed steps first" },
    "micro-batch": {
      type: "integer",
      min: 1,
      placeholder: "N",
      description: "Accumulate gradients over chunks of N images (default: the chunk fer train " +
        "picks, which on wasm splits a batch whose activations would not fit the heap)",
    },
    input: {
      type: "string",
      placeholder: "HxWxC",
      description: "Input shape (default: the model's, 48x48x1 for the FER models)",
    },
    threads: {
      type: "integer",
      min: 1,
      placeholder: "N",
      description: "wasm, oneDNN and PyTorch threads (default: OMP_NUM_THREADS, else the cores)",
    },
    pytorch: {
      type: "string",
      choices: ["auto", "off"],
      default: "auto",
      description: "Also time the same network in PyTorch when /usr/bin/python3 has torch",
    },
    profile: {
      type: "boolean",
      description: "Also print where one step's time goes, per kernel (stderr)",
    },
    "profile-shapes": {
      type: "boolean",
      description: "With --profile: one row per kernel and input shapes",
    },
    json: {
      type: "boolean",
      description: "Print only the JSON result on stdout (details go to stderr)",
    },
  },
  details: [
    "Effective GFLOP/s count a training step as 3 × 2 × MACs per image (backward = 2 × forward).",
    "Example: fer bench train --model liu-cnn5 --backend wasm --warmup 2 --steps 5",
    "         fer bench train --model resnet50 --model-option stem=imagenet --input 48x48x3 " +
    "--batch 32",
  ].join("\n"),
  async run({ options }) {
    if (options.steps < 1) throw new UsageError("--steps must be at least 1");
    if (options.warmup < 0) throw new UsageError("--warmup must be 0 or more");
    if (options.batch < 1) throw new UsageError("--batch must be at least 1");
    if (options["micro-batch"] !== undefined && options["micro-batch"] < 1) {
      throw new UsageError("--micro-batch must be at least 1");
    }
    const threads = options.threads ?? defaultThreads();
    if (threads < 1) throw new UsageError("--threads must be at least 1");
    const inputShape = options.input === undefined ? undefined : parseInputShape(options.input);
    const modelOptions = benchModelOptions(options["model-option"]);
    // In --json mode stdout carries the JSON alone.
    const say = options.json ? log : (line: string) => console.log(line);

    const cpu = describeCpu();
    const peak = peakFlops(cpu);
    const loadBefore = loadAverage();
    const backend = await initBackend(options.backend, { threads, precision: options.precision });
    const fer = createModel(options.model, {
      numClasses: CLASSES,
      seed: 0,
      ...modelOptions,
      inputShape,
    });
    const classes = fer.config.numClasses;
    const shape = fer.config.inputShape;
    const params = countParams(fer.model).trainable;
    const macs = countMacs(fer.model).total;
    const microBatch = options["micro-batch"] ??
      automaticMicroBatch(fer.model, options.batch, backend.name);
    // Images per gradient chunk, what the step actually runs (it never exceeds the batch).
    const chunk = Math.min(microBatch ?? options.batch, options.batch);
    say(`machine ${formatCpu(cpu)}; load average ${loadBefore ?? "unknown"} before`);
    const chunks = chunk === options.batch
      ? ""
      : ` in chunks of ${chunk} (${
        options["micro-batch"] ? "--micro-batch" : "as fer train picks"
      })`;
    say(
      `model   ${fer.name}${
        Object.keys(modelOptions).length > 0 ? ` (${options["model-option"].join(", ")})` : ""
      }, input ${shape.join("x")}, ${classes} classes, ` +
        `batch ${options.batch}${chunks}, ${formatCount(params)} trainable params, ` +
        `${formatMacs(macs)} MACs/image`,
    );
    let timing: Throughput;
    const optimizer = benchmarkOptimizer();
    try {
      timing = await timeTrainingSteps(fer.model, {
        batch: options.batch,
        microBatch,
        warmup: options.warmup,
        steps: options.steps,
        optimizer,
        onStep: (step) =>
          log(
            `  ${step.warmup ? "warm-up" : "timed"} step ${step.index + 1}: ` +
              `${step.seconds.toFixed(3)} s, loss ${step.loss.toFixed(3)}, ` +
              `${step.tensors} tensors (${(step.bytes / 2 ** 20).toFixed(0)} MiB)`,
          ),
      });
      say(describeOurs(backend, timing, options.warmup));
      if (options.profile) {
        log(
          await profileOneStep(
            fer.model,
            options.batch,
            microBatch,
            options["profile-shapes"],
          ),
        );
      }
    } finally {
      optimizer.dispose();
      fer.dispose();
    }
    const gflops = (ips: number) => {
      const value = trainingGflops(macs, ips);
      const share = peak ? ` = ${round(100 * value / peak.gflops)} % of peak` : "";
      return `${round(value)} GFLOP/s${share}`;
    };
    say(`        effective ${gflops(timing.imagesPerSecond)}`);

    let pytorch: PytorchResult | undefined;
    let pytorchBf16: PytorchResult | undefined;
    if (options.pytorch === "auto") {
      const why = await pytorchUnavailable(options.model, Object.keys(modelOptions));
      if (why) {
        log(`pytorch skipped: ${why}`);
      } else {
        // Ours in bf16 is compared with PyTorch in both: fp32 (the baseline) and its autocast.
        const precisions: readonly Precision[] = backend.precision === "bf16"
          ? ["fp32", "bf16"]
          : ["fp32"];
        for (const precision of precisions) {
          log(`pytorch running bench/pytorch_train.py (${threads} threads, ${precision})...`);
          const result = await runPytorchBenchmark({
            model: options.model,
            batch: options.batch,
            steps: options.steps,
            warmup: options.warmup,
            inputShape: shape,
            classes,
            threads,
            precision,
          });
          if (precision === "bf16") pytorchBf16 = result;
          else pytorch = result;
          say(describePytorch(result, params, precision === "bf16"));
          say(`        effective ${gflops(result.imagesPerSecond)}`);
        }
      }
    }
    if (peak) say(`peak    ${peak.gflops.toFixed(1)} GFLOP/s fp32 (${peak.formula})`);
    const ratio = pytorch ? timing.imagesPerSecond / pytorch.imagesPerSecond : undefined;
    if (ratio !== undefined) {
      say(
        `ratio   fer / PyTorch images per second = ${round(ratio)}` +
          (ratio < 1 ? ` (PyTorch ${round(1 / ratio)}× faster)` : ""),
      );
    }
    const ratioBf16 = pytorchBf16
      ? timing.imagesPerSecond / pytorchBf16.imagesPerSecond
      : undefined;
    if (ratioBf16 !== undefined) {
      say(`ratio   fer / PyTorch autocast bf16 images per second = ${round(ratioBf16)}`);
    }
    say(`load average ${loadAverage() ?? "unknown"} after`);
    if (options.json) {
      console.log(JSON.stringify({
        model: fer.name,
        ...(Object.keys(modelOptions).length > 0 ? { modelOptions } : {}),
        batch: options.batch,
        microBatch: chunk,
        ours: {
          backend: backend.description,
          precision: backend.precision,
          imagesPerSecond: round(timing.imagesPerSecond),
          warmupSeconds: round(timing.warmupSeconds),
        },
        ...(pytorch && ratio !== undefined
          ? { pytorch: { imagesPerSecond: round(pytorch.imagesPerSecond) }, ratio: round(ratio) }
          : {}),
        ...(pytorchBf16 && ratioBf16 !== undefined
          ? {
            pytorchBf16: { imagesPerSecond: round(pytorchBf16.imagesPerSecond) },
            ratioBf16: round(ratioBf16),
          }
          : {}),
      }));
    }
    return 0;
  },
});
