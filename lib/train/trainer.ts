/**
 * The training loop: Keras' `fit` with fixed batch shapes, weight decay, callbacks, a NaN guard,
 * and checkpoints precise enough that a killed run resumes to the same numbers it would have had.
 */
import * as tf from "@tensorflow/tfjs";
import "../backend/tfjs_mode.ts";
import { FerError } from "../errors.ts";
import { accuracy } from "../metrics/mod.ts";
import { Random, routeMathRandom } from "../random.ts";
import { BestTracker, type Callback, type EpochLogs, type Monitor } from "./callbacks.ts";
import type { CheckpointState, CheckpointStore } from "./checkpoint.ts";
import { loadModelTensors, loadOptimizerTensors } from "./checkpoint.ts";
import type { InterruptRequest } from "./interrupt.ts";
import { trainingStep } from "./step.ts";
import {
  getLearningRate,
  optimizerScalars,
  restoreOptimizerScalars,
  setLearningRate,
} from "./optimizers.ts";
import { EpochProgress, formatDuration, formatMetrics, type ProgressMode } from "./progress.ts";

/** Turns example indices into a model-ready batch. `random` drives augmentation when training. */
export interface Batcher {
  /** Number of examples. */
  readonly count: number;
  /** Labels of all examples, in order. */
  readonly labels: ArrayLike<number>;
  /** The [n, h, w, c] input batch for these examples. */
  images(indices: ArrayLike<number>, training: boolean, random: Random): tf.Tensor4D;
}

export interface TrainerOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly weightDecay?: number;
  readonly labelSmoothing?: number;
  readonly classWeights?: number[];
  readonly callbacks?: Callback[];
  /** Which logged quantity picks the best checkpoint (never the test split). */
  readonly checkpointMonitor?: Monitor;
  /** Compute gradients in chunks of this many images (see StepOptions.microBatch). */
  readonly microBatch?: number;
  /** Also checkpoint every this many steps inside an epoch (0: only at epoch ends). */
  readonly checkpointEverySteps?: number;
  /**
   * Wall-clock time (Date.now() ms) the fit should end by (PyTorch Lightning's `max_time`): once
   * it has passed, the fit checkpoints before its next step, mid-epoch if need be, and ends like
   * a finished one, marked `timeLimitReached`; resuming it continues. So that every call makes
   * progress and a cut run has an epoch to be evaluated on, a call trains at least one step and
   * the run's first epoch always completes.
   */
  readonly deadline?: number;
  /** Asked before every step: a signal makes the fit checkpoint where it is and stop. */
  readonly interrupt?: InterruptRequest;
  readonly progress: ProgressMode;
  /** Lines for the run's log (epoch summaries, callback messages). */
  readonly log: (line: string) => void;
  /** Called after every epoch with the whole history, e.g. to rewrite history.csv. */
  readonly onEpochEnd?: (history: EpochLogs[]) => Promise<void> | void;
}

/** Everything besides tensors that a checkpoint needs to continue a run exactly. */
export interface TrainingState {
  epoch: number;
  step: number;
  shuffleAtEpochStart: number[];
  augment: number[];
  tfjs: number[];
  running: { lossSum: number; correct: number; seen: number; seconds: number };
  lr: number;
  /** Optimizer state outside its slot tensors (Adam's β powers; see optimizerScalars). */
  optimizer?: Record<string, number>;
  history: EpochLogs[];
  callbacks: Record<string, unknown>;
  best: { best: number | null; bestEpoch: number };
  stopped?: string;
  /** Set when `deadline` ended the fit early; cleared when it resumes. */
  timeLimitReached?: string;
}

export interface FitResult {
  readonly history: EpochLogs[];
  readonly bestEpoch: number;
  readonly bestValue: number;
  readonly monitor: Monitor;
  readonly stopReason?: string;
  /** Why the fit ended before its schedule did at a time limit; resuming continues it. */
  readonly timeLimitReached?: string;
  /** Where a signal stopped the fit (checkpointed there); resuming continues it. */
  readonly interrupted?: string;
}

/**
 * Class probabilities (N×K) of `model` for `count` examples. `inputsFor` gives one or more input
 * batches (test-time views) per index list; their probabilities are averaged. Batches keep a fixed
 * shape: the last one is padded by repeating its last example and the padding is dropped.
 */
export async function predictInBatches(
  model: tf.LayersModel,
  count: number,
  batchSize: number,
  inputsFor: (indices: number[]) => tf.Tensor4D[],
): Promise<Float32Array> {
  const numClasses = (model.outputs[0].shape as number[])[1];
  const out = new Float32Array(count * numClasses);
  for (let start = 0; start < count; start += batchSize) {
    const real = Math.min(batchSize, count - start);
    const indices = Array.from({ length: batchSize }, (_, i) => start + Math.min(i, real - 1));
    const mean = tf.tidy(() => {
      const views = inputsFor(indices).map((x) => model.predict(x) as tf.Tensor);
      return views.length === 1 ? views[0] : tf.addN(views).div(views.length);
    });
    const values = await mean.data() as Float32Array;
    mean.dispose();
    out.set(values.subarray(0, real * numClasses), start * numClasses);
  }
  return out;
}

/** Loss and accuracy of `model` on all of `data`, plus the class probabilities (N×K). */
export async function evaluateBatches(
  model: tf.LayersModel,
  data: Batcher,
  batchSize: number,
): Promise<{ loss: number; accuracy: number; probabilities: Float32Array }> {
  const random = new Random(0);
  const probabilities = await predictInBatches(
    model,
    data.count,
    batchSize,
    (indices) => [data.images(indices, false, random)],
  );
  const numClasses = probabilities.length / data.count;
  let lossSum = 0;
  for (let i = 0; i < data.count; i++) {
    const p = probabilities[i * numClasses + data.labels[i]];
    lossSum -= Math.log(Math.min(Math.max(p, 1e-7), 1 - 1e-7));
  }
  return {
    loss: lossSum / data.count,
    accuracy: accuracy(data.labels, probabilities),
    probabilities,
  };
}

/** Fits a model; see the module comment. One Trainer trains one run. */
export class Trainer {
  readonly #model: tf.LayersModel;
  readonly #optimizer: tf.Optimizer;
  readonly #options: TrainerOptions;
  readonly #callbacks: Callback[];
  readonly #best: BestTracker;
  #stopReason: string | undefined;

  constructor(model: tf.LayersModel, optimizer: tf.Optimizer, options: TrainerOptions) {
    this.#model = model;
    this.#optimizer = optimizer;
    this.#options = options;
    this.#callbacks = options.callbacks ?? [];
    this.#best = new BestTracker(options.checkpointMonitor ?? "val_accuracy");
  }

  /** Restores tensors and loop state from a checkpoint written by an earlier process. */
  async restore(
    store: CheckpointStore<TrainingState>,
    checkpoint: CheckpointState<TrainingState>,
  ): Promise<TrainingState> {
    await loadModelTensors(store.dir, checkpoint.last.model, this.#model);
    if (checkpoint.last.optimizer) {
      await loadOptimizerTensors(store.dir, checkpoint.last.optimizer, this.#optimizer);
    }
    const state = checkpoint.training;
    restoreOptimizerScalars(this.#optimizer, state.optimizer);
    setLearningRate(this.#optimizer, state.lr);
    for (const callback of this.#callbacks) {
      const saved = state.callbacks[callback.name];
      if (saved !== undefined) callback.restore?.(saved);
    }
    this.#best.restore(state.best);
    return state;
  }

  /**
   * Trains from `resumeFrom` (or from scratch) up to `epochs`. Checkpoints go to `store`; the
   * model ends holding the weights of the last epoch (the caller restores the best if asked).
   */
  async fit(
    train: Batcher,
    val: Batcher | undefined,
    store: CheckpointStore<TrainingState>,
    resumeFrom?: CheckpointState<TrainingState>,
  ): Promise<FitResult> {
    const { epochs, seed, log } = this.#options;
    const batchSize = Math.min(this.#options.batchSize, train.count);
    if (batchSize < 1) throw new FerError("the training split is empty");
    // Fixed batch shapes: the incomplete last batch is dropped; it is a different one each epoch.
    const steps = Math.floor(train.count / batchSize);
    const streams = {
      augment: new Random(seed * 3 + 2),
      tfjs: new Random(seed * 3 + 3),
    };
    let state: TrainingState;
    let checkpoint = resumeFrom;
    if (resumeFrom) {
      state = await this.restore(store, resumeFrom);
      streams.augment = Random.fromState(state.augment);
      streams.tfjs = Random.fromState(state.tfjs);
      log(`Resuming at epoch ${state.epoch + 1}, step ${state.step}/${steps}`);
    } else {
      state = {
        epoch: 0,
        step: 0,
        shuffleAtEpochStart: new Random(seed * 3 + 1).state(),
        augment: streams.augment.state(),
        tfjs: streams.tfjs.state(),
        running: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
        lr: getLearningRate(this.#optimizer),
        history: [],
        callbacks: {},
        best: this.#best.state(),
      };
    }
    if (state.stopped) this.#stopReason = state.stopped;
    state.timeLimitReached = undefined;
    const { deadline, interrupt } = this.#options;
    let interrupted: string | undefined;
    const stopAtSignal = async () => {
      const signal = interrupt?.signal();
      if (signal === undefined) return false;
      interrupted = `${signal} in epoch ${state.epoch + 1} of ${epochs} at step ${state.step}/` +
        `${steps}`;
      await save();
      return true;
    };
    let stepsThisCall = 0;
    const pastDeadline = () =>
      deadline !== undefined && Date.now() >= deadline && stepsThisCall > 0 &&
      state.history.length > 0;
    const control = {
      model: this.#model,
      optimizer: this.#optimizer,
      stop: (reason: string) => {
        this.#stopReason = reason;
      },
      log,
    };
    const classWeights = this.#options.classWeights
      ? tf.tensor1d(this.#options.classWeights)
      : undefined;
    const labelTensorFor = (indices: Int32Array) =>
      tf.tensor1d(Array.from(indices, (i) => train.labels[i]), "int32");
    const restoreMathRandom = routeMathRandom(streams.tfjs);
    const save = async (bestImproved = false) => {
      state.augment = streams.augment.state();
      state.tfjs = streams.tfjs.state();
      state.lr = getLearningRate(this.#optimizer);
      state.optimizer = optimizerScalars(this.#optimizer);
      state.best = this.#best.state();
      state.callbacks = Object.fromEntries(
        this.#callbacks.filter((c) => c.state).map((c) => [c.name, c.state!()]),
      );
      state.stopped = this.#stopReason;
      const best = bestImproved
        ? { epoch: this.#best.bestEpoch, value: this.#best.best, monitor: this.#best.monitor }
        : undefined;
      checkpoint = await store.write(checkpoint, this.#model, this.#optimizer, state, best);
    };

    try {
      while (state.epoch < epochs && this.#stopReason === undefined) {
        if (state.step === 0 && pastDeadline()) {
          state.timeLimitReached = `time limit reached after epoch ${state.epoch} of ${epochs}`;
          await save();
          break;
        }
        if (state.step === 0 && await stopAtSignal()) break;
        const epoch = state.epoch;
        if (state.step === 0) {
          for (const callback of this.#callbacks) await callback.onEpochBegin?.(epoch, control);
          log(`Epoch ${epoch + 1}/${epochs}`);
        }
        // The order is re-derived from the stream's state at the epoch's start, so a run resumed
        // mid-epoch sees the same batches in the same order.
        const shuffle = Random.fromState(state.shuffleAtEpochStart);
        const order = shuffle.shuffle(Int32Array.from({ length: train.count }, (_, i) => i));
        const started = performance.now() - state.running.seconds * 1000;
        const progress = new EpochProgress(
          steps,
          batchSize,
          this.#options.progress,
          undefined,
          undefined,
          started,
        );
        const every = this.#options.checkpointEverySteps ?? 0;
        while (state.step < steps) {
          if (await stopAtSignal()) break;
          if (state.step > 0 && pastDeadline()) {
            state.timeLimitReached = `time limit reached in epoch ${epoch + 1} of ${epochs} ` +
              `(step ${state.step}/${steps}, checkpointed)`;
            await save();
            break;
          }
          const indices = order.subarray(state.step * batchSize, (state.step + 1) * batchSize);
          const x = train.images(indices, true, streams.augment);
          const labels = labelTensorFor(indices);
          const { loss, correct } = await trainingStep(this.#model, this.#optimizer, x, labels, {
            weightDecay: this.#options.weightDecay,
            labelSmoothing: this.#options.labelSmoothing,
            classWeights,
            microBatch: this.#options.microBatch,
          });
          tf.dispose([x, labels]);
          state.step++;
          stepsThisCall++;
          if (!Number.isFinite(loss)) {
            throw new FerError(
              `loss became ${loss} at epoch ${epoch + 1}, step ${state.step}/${steps}; ` +
                `training stopped (the last checkpoint is kept). Try a lower --lr.`,
            );
          }
          state.running.lossSum += loss * batchSize;
          state.running.correct += correct;
          state.running.seen += batchSize;
          state.running.seconds = (performance.now() - started) / 1000;
          progress.update(
            state.step,
            state.running.lossSum / state.running.seen,
            state.running.correct / state.running.seen,
          );
          if (every > 0 && state.step % every === 0 && state.step < steps) await save();
        }
        progress.finish();
        if (state.timeLimitReached || interrupted) break;
        const logs: EpochLogs = {
          epoch,
          loss: state.running.lossSum / state.running.seen,
          accuracy: state.running.correct / state.running.seen,
          lr: getLearningRate(this.#optimizer),
          seconds: (performance.now() - started) / 1000,
        };
        if (val) {
          const result = await evaluateBatches(this.#model, val, batchSize);
          logs.val_loss = result.loss;
          logs.val_accuracy = result.accuracy;
        }
        state.history.push(logs);
        const rate = (steps * batchSize) / logs.seconds;
        log(
          `${steps}/${steps} - ${formatDuration(logs.seconds)} - ${rate.toFixed(1)} img/s` +
            formatMetrics({
              loss: logs.loss,
              accuracy: logs.accuracy,
              val_loss: logs.val_loss,
              val_accuracy: logs.val_accuracy,
              lr: logs.lr,
            }),
        );
        const improved = (val !== undefined || !this.#best.monitor.startsWith("val_")) &&
          this.#best.update(logs);
        if (improved) {
          log(`${this.#best.monitor} improved to ${this.#best.best.toFixed(4)}: best checkpoint`);
        }
        for (const callback of this.#callbacks) await callback.onEpochEnd?.(logs, control);
        state.epoch++;
        state.step = 0;
        state.shuffleAtEpochStart = shuffle.state();
        state.running = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
        await save(improved);
        await this.#options.onEpochEnd?.(state.history);
      }
    } finally {
      restoreMathRandom();
      classWeights?.dispose();
    }
    if (interrupted) {
      return {
        history: state.history,
        bestEpoch: this.#best.bestEpoch,
        bestValue: this.#best.best,
        monitor: this.#best.monitor,
        interrupted,
      };
    }
    if (this.#stopReason) log(this.#stopReason);
    if (state.timeLimitReached) log(`${capitalised(state.timeLimitReached)}; resuming continues`);
    for (const callback of this.#callbacks) await callback.onTrainEnd?.(control);
    return {
      history: state.history,
      bestEpoch: this.#best.bestEpoch,
      bestValue: this.#best.best,
      monitor: this.#best.monitor,
      stopReason: this.#stopReason,
      timeLimitReached: state.timeLimitReached,
    };
  }
}

const capitalised = (text: string) => text[0].toUpperCase() + text.slice(1);
