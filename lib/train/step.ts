/**
 * One optimisation step, the unit both `fit` and `fer bench train` run, so the benchmark measures
 * exactly what training does: forward in training mode, loss (+ layer penalties), backward,
 * weight decay, optimizer update.
 */
import * as tf from "@tensorflow/tfjs";
import { classifierLogits } from "../models/logits.ts";
import { crossEntropy, distillationLoss } from "./losses.ts";
import { applyGradientsWithDecay } from "./optimizers.ts";
import { Random } from "../random.ts";

export interface StepOptions {
  /** L2 added to the gradients of kernels (see OptimizerConfig.weightDecay). */
  readonly weightDecay?: number;
  readonly labelSmoothing?: number;
  readonly classWeights?: tf.Tensor1D;
  /**
   * Compute the gradient in chunks of at most this many images and add them up before the update
   * (gradient accumulation): the same update with less memory, e.g. for models whose activations
   * at batch 64 do not fit wasm's 4 GiB heap. BatchNorm then sees chunk statistics.
   */
  readonly microBatch?: number;
  /**
   * Knowledge distillation: the loss becomes (1 − weight)·cross-entropy + weight·T²·KL(teacher_T
   * ‖ student_T) (losses.ts's distillationLoss), the student's logits taken before its softmax.
   */
  readonly distill?: {
    /** The teachers' probabilities at the temperature (N×K), for this batch. */
    readonly targets: tf.Tensor2D;
    readonly weight: number;
    readonly temperature: number;
  };
}

function isDecayed(weight: tf.LayerVariable): boolean {
  // Kernels only: decaying biases and BatchNorm scales hurts and is not what the papers do.
  return /kernel$/.test(weight.originalName);
}

/**
 * Trains `model` on one batch and returns the batch's mean loss and number of correct
 * predictions. `labels` are class indices, or soft targets (N×K, as mixup makes them), where a
 * prediction is correct when it is the target's largest class. Values are read asynchronously,
 * which WebGPU in Deno requires.
 */
export async function trainingStep(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  labels: tf.Tensor1D | tf.Tensor2D,
  options: StepOptions = {},
): Promise<{ loss: number; correct: number }> {
  const trainable = model.trainableWeights;
  const variables = trainable.map((w) => w.read() as tf.Variable);
  const n = x.shape[0];
  const chunk = Math.max(1, Math.min(options.microBatch ?? n, n));
  let grads: tf.NamedTensorMap = {};
  const losses: tf.Scalar[] = [];
  const corrects: tf.Scalar[] = [];
  try {
    for (let start = 0; start < n; start += chunk) {
      const size = Math.min(chunk, n - start);
      const result = tf.tidy(() => {
        const rows = <T extends tf.Tensor>(t: T): T => size === n ? t : t.slice(start, size);
        const xs = rows(x);
        const ys = rows(labels);
        const classes = ys.rank === 2 ? ys.argMax(1) : ys.toInt();
        const distill = options.distill;
        let correct: tf.Scalar | undefined;
        const { value, grads: chunkGrads } = tf.variableGrads(() => {
          const logits = distill && classifierLogits(model)(xs, true);
          const probabilities = logits
            ? tf.softmax(logits)
            : model.apply(xs, { training: true }) as tf.Tensor2D;
          // kept: variableGrads disposes everything its function made except the loss.
          correct = tf.keep(tf.equal(probabilities.argMax(1), classes).sum() as tf.Scalar);
          let loss = crossEntropy(probabilities, ys, options);
          if (distill && logits) {
            const soft = distillationLoss(rows(distill.targets), logits, distill.temperature);
            loss = loss.mul(1 - distill.weight).add(soft.mul(distill.weight));
          }
          // Layer regularisers (e.g. an L2 kernel penalty of a model) join the loss here.
          for (const penalty of model.calculateLosses()) loss = loss.add(penalty);
          // Each chunk counts by its share of the batch, so the sum is the batch's mean loss.
          return loss.mul(size / n) as tf.Scalar;
        }, variables);
        const summed: tf.NamedTensorMap = {};
        for (const [name, g] of Object.entries(chunkGrads)) {
          summed[name] = grads[name] ? grads[name].add(g) : g;
        }
        return { value, correct: correct!, grads: summed };
      });
      tf.dispose(Object.values(grads));
      grads = result.grads;
      losses.push(result.value);
      corrects.push(result.correct);
    }
    const decay = options.weightDecay ?? 0;
    tf.tidy(() => {
      const update: tf.NamedTensorMap = {};
      const decays: Record<string, number> = {};
      for (const weight of trainable) {
        const name = (weight.read() as tf.Variable).name;
        update[name] = grads[name];
        if (decay > 0 && isDecayed(weight)) decays[name] = decay;
      }
      applyGradientsWithDecay(optimizer, update, decays);
    });
    const totals = tf.tidy(() => [tf.addN(losses), tf.addN(corrects)]);
    try {
      const [loss, correct] = await Promise.all(totals.map((t) => t.data()));
      return { loss: loss[0], correct: correct[0] };
    } finally {
      tf.dispose(totals);
    }
  } finally {
    // Also when a kernel or the optimizer throws: the caller's process may train on.
    tf.dispose([...Object.values(grads), ...losses, ...corrects]);
  }
}

/** What the layer outputs of one image take, in bytes: what training must keep for backprop. */
function activationBytesPerImage(model: tf.LayersModel): number {
  let floats = 0;
  for (const layer of model.layers) {
    const shape = layer.outputShape;
    if (Array.isArray(shape) && !Array.isArray(shape[0])) {
      floats += (shape as (number | null)[]).slice(1).reduce((a: number, b) => a * (b ?? 1), 1);
    }
  }
  return floats * 4;
}

/**
 * The micro-batch `fit` uses when none is configured, so that `fer train` and `fer bench train`
 * agree. On wasm: the largest equal chunk whose layer outputs stay within 0.6 GiB, or undefined
 * when the whole batch does. Measured here: ResNet18 (1.2 GiB of outputs at batch 64) exhausts
 * wasm's 4 GiB heap, at batch 32 it trains; the rest is gradients, workspace and XNNPACK's
 * buffers. Other backends: undefined (WebGPU and cpu have no such heap limit).
 */
export function automaticMicroBatch(
  model: tf.LayersModel,
  batchSize: number,
  backend: string,
): number | undefined {
  if (backend !== "wasm") return undefined;
  const fits = Math.max(1, Math.floor(0.6 * 2 ** 30 / activationBytesPerImage(model)));
  if (fits >= batchSize) return undefined;
  // Equal chunks, so every chunk has one shape.
  const chunks = Math.ceil(batchSize / fits);
  return Math.ceil(batchSize / chunks);
}

/**
 * Uniform [0, 1) images and random class labels shaped for `model`, reproducible from `seed`: the
 * batch benchmarks, the per-kernel profile and backend tests train on.
 */
export function syntheticBatch(
  model: tf.LayersModel,
  batch: number,
  seed = 0,
): { x: tf.Tensor4D; labels: tf.Tensor1D } {
  const [height, width, channels] = model.inputs[0].shape.slice(1) as number[];
  const classes = model.outputs[0].shape[1] as number;
  const random = new Random(seed);
  const pixels = Float32Array.from(
    { length: batch * height * width * channels },
    () => random.next(),
  );
  return {
    x: tf.tensor4d(pixels, [batch, height, width, channels]),
    labels: tf.tensor1d(Int32Array.from({ length: batch }, () => random.int(classes)), "int32"),
  };
}
