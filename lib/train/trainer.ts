/**
 * The training loop: Keras' `fit` with fixed batch shapes and weight decay. `fit` only runs the
 * steps and the validation; everything else (checkpoint and resume, progress, the NaN guard, the
 * time limit, signals, best tracking, and the caller's early stopping and LR schedules) is a
 * callback in ./callbacks/, each with the state it saves, precise enough that a killed run
 * resumes to the same numbers it would have had.
 */
import * as tf from "@tensorflow/tfjs";
import "../backend/tfjs_mode.ts";
import { FerError } from "../errors.ts";
import { accuracy } from "../metrics/mod.ts";
import { Random, routeMathRandom } from "../random.ts";
import {
  type BatchLogs,
  BestEpoch,
  type Callback,
  type EpochLogs,
  type FitCallback,
  type FitControl,
  type Halt,
  ModelCheckpoint,
  type Monitor,
  ProgressLogger,
  StopOnSignal,
  TerminateOnNaN,
  TimeLimit,
} from "./callbacks/mod.ts";
import type { CheckpointState, CheckpointStore } from "./checkpoint.ts";
import type { InterruptRequest } from "./interrupt.ts";
import { trainingStep } from "./step.ts";
import { type Distillation, teacherTargets } from "./distill.ts";
import { drawMix, mixBatch, type MixSettings } from "./mix.ts";
import { getLearningRate } from "./optimizers.ts";
import type { ProgressMode } from "../progress.ts";

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
  /** Mixup / CutMix of the training batches (mix.ts), drawn from the augmentation stream. */
  readonly mix?: MixSettings;
  /** Knowledge distillation from teachers (distill.ts). */
  readonly distill?: Distillation;
  /** Also checkpoint every this many steps inside an epoch (0: only at epoch ends). */
  readonly checkpointEverySteps?: number;
  /** Wall-clock time (Date.now() ms) the fit should end by: see callbacks/time_limit.ts. */
  readonly deadline?: number;
  /** Asked before every step: a signal makes the fit checkpoint where it is and stop. */
  readonly interrupt?: InterruptRequest;
  readonly progress: ProgressMode;
  /** Lines for the run's log (epoch summaries, callback messages). */
  readonly log: (line: string) => void;
  /** Called after every epoch with the whole history, e.g. to rewrite history.csv. */
  readonly onEpochEnd?: (history: EpochLogs[]) => Promise<void> | void;
}

/**
 * Everything besides tensors that a checkpoint needs to continue a run exactly (`state.json`'s
 * `training`; its shape is what old checkpoints hold, so keep it readable). The loop owns the
 * position, the random streams, the running totals and the history; each callback its own fields.
 */
export interface TrainingState {
  epoch: number;
  step: number;
  shuffleAtEpochStart: number[];
  augment: number[];
  tfjs: number[];
  running: { lossSum: number; correct: number; seen: number; seconds: number };
  /** The learning rate (callbacks/checkpoint.ts). */
  lr: number;
  /** Optimizer state outside its slot tensors (Adam's β powers; see optimizerScalars). */
  optimizer?: Record<string, number>;
  history: EpochLogs[];
  /** The caller's callbacks' `state()`, by name. */
  callbacks: Record<string, unknown>;
  /** callbacks/best.ts. */
  best: { best: number | null; bestEpoch: number };
  /** Why a callback stopped the fit (`TrainingControl.stop`). */
  stopped?: string;
  /** Set when `deadline` ended the fit early; cleared when it resumes (callbacks/time_limit.ts). */
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

/** The hooks of `Callback` and their arguments before the control. */
interface Hooks {
  onEpochBegin: [epoch: number];
  onBatchBegin: [step: number];
  onBatchEnd: [step: number, logs: BatchLogs];
  onBatchesEnd: [];
  onEpochEnd: [logs: EpochLogs];
  onHalt: [];
  onTrainEnd: [];
}

interface FitRunParts {
  readonly model: tf.LayersModel;
  readonly optimizer: tf.Optimizer;
  readonly state: TrainingState;
  readonly streams: { augment: Random; tfjs: Random };
  readonly epochs: number;
  /** Steps per epoch. */
  readonly steps: number;
  readonly batchSize: number;
  /** Every callback, the trainer's own and the caller's, in the order they are called. */
  readonly callbacks: FitCallback[];
  /** The caller's callbacks, whose `state()` goes to `TrainingState.callbacks`. */
  readonly own: Callback[];
  /** The callback that follows the best epoch (also in `callbacks`). */
  readonly best: BestEpoch;
  readonly log: (line: string) => void;
}

/** One fit in progress: its state, random streams and callbacks, which it calls in order. */
// The parts become the run's own fields (declaration merging), so they are listed once.
interface FitRun extends FitRunParts {}
class FitRun implements FitControl {
  stopReason: string | undefined;
  halted: Halt | undefined;
  epochStarted = 0;

  constructor(parts: FitRunParts) {
    Object.assign(this, parts);
  }

  stop(reason: string) {
    this.stopReason = reason;
  }

  halt(halt: Halt) {
    this.halted ??= halt;
  }

  /** Calls `hook` of every callback in order; a halt skips the callbacks after the halting one. */
  async dispatch<H extends keyof Hooks>(hook: H, ...args: Hooks[H]): Promise<void> {
    const before = this.halted;
    for (const callback of this.callbacks) {
      const method = callback[hook] as ((...a: unknown[]) => unknown) | undefined;
      await method?.call(callback, ...args, this);
      if (this.halted !== before) return;
    }
  }

  snapshot(): TrainingState {
    const state = this.state;
    state.augment = this.streams.augment.state();
    state.tfjs = this.streams.tfjs.state();
    for (const callback of this.callbacks) callback.saveTo?.(state);
    state.callbacks = Object.fromEntries(
      this.own.filter((c) => c.state).map((c) => [c.name, c.state!()]),
    );
    state.stopped = this.stopReason;
    return state;
  }

  /** Takes the streams and every callback's state back from a checkpoint's TrainingState. */
  restore(): void {
    const state = this.state;
    this.streams.augment = Random.fromState(state.augment);
    this.streams.tfjs = Random.fromState(state.tfjs);
    for (const callback of this.callbacks) callback.restoreFrom?.(state);
    for (const callback of this.own) {
      const saved = state.callbacks[callback.name];
      if (saved !== undefined) callback.restore?.(saved);
    }
    this.stopReason = state.stopped;
  }
}

/** Fits a model; see the module comment. One Trainer trains one run. */
export class Trainer {
  readonly #model: tf.LayersModel;
  readonly #optimizer: tf.Optimizer;
  readonly #options: TrainerOptions;

  constructor(model: tf.LayersModel, optimizer: tf.Optimizer, options: TrainerOptions) {
    this.#model = model;
    this.#optimizer = optimizer;
    this.#options = options;
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
    const run = await this.#begin(train.count, store, resumeFrom);
    const { state } = run;
    const restoreMathRandom = routeMathRandom(run.streams.tfjs);
    const classWeights = this.#options.classWeights && tf.tensor1d(this.#options.classWeights);
    try {
      while (state.epoch < run.epochs && run.stopReason === undefined && !run.halted) {
        if (state.step === 0) await run.dispatch("onEpochBegin", state.epoch);
        if (run.halted) break;
        // The order is re-derived from the stream's state at the epoch's start, so a run resumed
        // mid-epoch sees the same batches in the same order.
        const shuffle = Random.fromState(state.shuffleAtEpochStart);
        const order = shuffle.shuffle(Int32Array.from({ length: train.count }, (_, i) => i));
        run.epochStarted = performance.now() - state.running.seconds * 1000;
        while (state.step < run.steps) {
          await run.dispatch("onBatchBegin", state.step);
          if (run.halted) break;
          const loss = await this.#step(run, train, order, classWeights);
          await run.dispatch("onBatchEnd", state.step, { loss });
        }
        await run.dispatch("onBatchesEnd");
        if (run.halted) break;
        const logs = await this.#epochLogs(run, val);
        state.history.push(logs);
        state.epoch++;
        state.step = 0;
        state.shuffleAtEpochStart = shuffle.state();
        state.running = { lossSum: 0, correct: 0, seen: 0, seconds: 0 };
        await run.dispatch("onEpochEnd", logs);
      }
      if (run.halted) await run.dispatch("onHalt");
    } finally {
      restoreMathRandom();
      classWeights?.dispose();
    }
    const { bestEpoch, best: bestValue, monitor } = run.best.tracker;
    const result = { history: state.history, bestEpoch, bestValue, monitor };
    if (run.halted?.kind === "interrupted") return { ...result, interrupted: run.halted.reason };
    if (run.stopReason) run.log(run.stopReason);
    if (run.halted) run.log(`${capitalised(run.halted.reason)}; resuming continues`);
    await run.dispatch("onTrainEnd");
    return { ...result, stopReason: run.stopReason, timeLimitReached: run.halted?.reason };
  }

  /** The fit's state, fresh or resumed from `resumeFrom`, and its callbacks in their order. */
  async #begin(
    count: number,
    store: CheckpointStore<TrainingState>,
    resumeFrom: CheckpointState<TrainingState> | undefined,
  ): Promise<FitRun> {
    const { epochs, seed, log, interrupt, deadline } = this.#options;
    const batchSize = Math.min(this.#options.batchSize, count);
    if (batchSize < 1) throw new FerError("the training split is empty");
    // Fixed batch shapes: the incomplete last batch is dropped; it is a different one each epoch.
    const steps = Math.floor(count / batchSize);
    const best = new BestEpoch(this.#options.checkpointMonitor ?? "val_accuracy");
    const checkpoint = new ModelCheckpoint(
      store,
      this.#optimizer,
      best,
      this.#options.checkpointEverySteps ?? 0,
    );
    const own = this.#options.callbacks ?? [];
    const writeHistory: FitCallback = {
      name: "HistoryWriter",
      onEpochEnd: (_logs, control) => this.#options.onEpochEnd?.(control.state.history),
    };
    // The order matters: a signal is asked for before anything else happens at a step, the
    // time limit last (after the epoch's checkpoint: see TimeLimit), the checkpoint after every
    // callback that changes what it saves.
    const callbacks: FitCallback[] = [
      ...(interrupt ? [new StopOnSignal(interrupt)] : []),
      new TerminateOnNaN(),
      new ProgressLogger(this.#options.progress),
      best,
      ...own,
      checkpoint,
      writeHistory,
      new TimeLimit(deadline ?? Infinity),
    ];
    const streams = { augment: new Random(seed * 3 + 2), tfjs: new Random(seed * 3 + 3) };
    const state: TrainingState = resumeFrom?.training ?? {
      epoch: 0,
      step: 0,
      shuffleAtEpochStart: new Random(seed * 3 + 1).state(),
      augment: streams.augment.state(),
      tfjs: streams.tfjs.state(),
      running: { lossSum: 0, correct: 0, seen: 0, seconds: 0 },
      lr: getLearningRate(this.#optimizer),
      history: [],
      callbacks: {},
      best: best.tracker.state(),
    };
    const run = new FitRun({
      model: this.#model,
      optimizer: this.#optimizer,
      state,
      streams,
      epochs,
      steps,
      batchSize,
      callbacks,
      own,
      best,
      log,
    });
    if (resumeFrom) {
      await checkpoint.resume(this.#model, resumeFrom);
      run.restore();
      log(`Resuming at epoch ${state.epoch + 1}, step ${state.step}/${steps}`);
    }
    return run;
  }

  /** One training step on the run's next batch; returns its loss. */
  async #step(
    run: FitRun,
    train: Batcher,
    order: Int32Array,
    classWeights: tf.Tensor1D | undefined,
  ): Promise<number> {
    const { state, batchSize } = run;
    const indices = order.subarray(state.step * batchSize, (state.step + 1) * batchSize);
    const { mix, distill, microBatch } = this.#options;
    let x = train.images(indices, true, run.streams.augment);
    const classes = Array.from(indices, (i) => train.labels[i]);
    // Drawn after the batch's augmentation, from the same stream.
    const plan = drawMix(mix, run.streams.augment, indices.length, x.shape[1], x.shape[2]);
    let labels: tf.Tensor1D | tf.Tensor2D;
    if (plan) {
      const mixed = mixBatch(x, classes, plan, this.#model.outputs[0].shape[1] as number);
      x.dispose();
      ({ x, targets: labels } = mixed);
    } else {
      labels = tf.tensor1d(classes, "int32");
    }
    let targets: tf.Tensor2D | undefined;
    let result;
    // A step that throws (the wasm heap running out, a kernel's error) must not leak its batch:
    // the process may go on (an experiment's next run, a test).
    try {
      // The teachers see the batch the student sees, mixed if it is.
      targets = distill && teacherTargets(distill.teachers, x, distill.temperature, microBatch);
      result = await trainingStep(this.#model, this.#optimizer, x, labels, {
        weightDecay: this.#options.weightDecay,
        labelSmoothing: this.#options.labelSmoothing,
        classWeights,
        microBatch,
        distill: distill && targets &&
          { targets, weight: distill.weight, temperature: distill.temperature },
      });
    } finally {
      tf.dispose([x, labels, ...(targets ? [targets] : [])]);
    }
    const { loss, correct } = result;
    state.step++;
    state.running.lossSum += loss * batchSize;
    state.running.correct += correct;
    state.running.seen += batchSize;
    state.running.seconds = (performance.now() - run.epochStarted) / 1000;
    return loss;
  }

  /** The epoch's logs: its running training numbers and, with `val`, the validation ones. */
  async #epochLogs(run: FitRun, val: Batcher | undefined): Promise<EpochLogs> {
    const { running } = run.state;
    const logs: EpochLogs = {
      epoch: run.state.epoch,
      loss: running.lossSum / running.seen,
      accuracy: running.correct / running.seen,
      lr: getLearningRate(this.#optimizer),
      seconds: (performance.now() - run.epochStarted) / 1000,
    };
    if (val) {
      const result = await evaluateBatches(this.#model, val, run.batchSize);
      logs.val_loss = result.loss;
      logs.val_accuracy = result.accuracy;
    }
    return logs;
  }
}

const capitalised = (text: string) => text[0].toUpperCase() + text.slice(1);
