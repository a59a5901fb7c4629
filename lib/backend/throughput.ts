/**
 * Timing training steps on the active backend: images per second over timed steps after warm-up.
 * The step is a callback (fer bench train passes lib/train's trainingStep on a synthetic batch).
 */
import * as tf from "@tensorflow/tfjs";

/** One finished step, for progress lines. */
export interface StepReport {
  /** 0-based, counted separately for warm-up and timed steps. */
  readonly index: number;
  readonly warmup: boolean;
  readonly seconds: number;
  readonly loss: number;
  /** tf.memory() after the step: a leak shows as growth from step to step. */
  readonly tensors: number;
  readonly bytes: number;
}

/** How many steps to time. */
export interface StepTimingOptions {
  /** Images per step, for images/s. */
  readonly batch: number;
  /** Timed steps; the median is reported. */
  readonly steps: number;
  /** Untimed steps first: XNNPACK operator creation, shader compilation, memory growth. */
  readonly warmup?: number;
  /** Called after each step (warm-up steps too), e.g. for progress on stderr. */
  readonly onStep?: (step: StepReport) => void;
}

/** The measurement. */
export interface Throughput {
  readonly backend: string;
  readonly batch: number;
  /** Seconds of each timed step. */
  readonly stepSeconds: number[];
  /** batch / median step time. */
  readonly imagesPerSecond: number;
  readonly medianStepSeconds: number;
  readonly bestStepSeconds: number;
  /** Total time of the warm-up steps (the first one includes one-off costs). */
  readonly warmupSeconds: number;
  /** Tensors alive after the timed steps minus before them; non-zero means a leak. */
  readonly tensorGrowth: number;
  /** Loss of the last step, a sanity check that training ran on numbers. */
  readonly lastLoss: number;
}

/** The median of `values` (not empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `step` `warmup + steps` times and times the last `steps`. `step` must resolve only when the
 * step has finished (e.g. after reading its loss), so asynchronous backends are timed fully.
 */
export async function timeSteps(
  step: () => Promise<number>,
  options: StepTimingOptions,
): Promise<Throughput> {
  const warmup = options.warmup ?? 1;
  if (options.steps < 1 || options.batch < 1 || warmup < 0) {
    throw new Error("timing steps needs steps >= 1, batch >= 1 and warmup >= 0");
  }
  const timed = async (index: number, isWarmup: boolean) => {
    const started = performance.now();
    const loss = await step();
    const seconds = (performance.now() - started) / 1000;
    const { numTensors, numBytes } = tf.memory();
    options.onStep?.({
      index,
      warmup: isWarmup,
      seconds,
      loss,
      tensors: numTensors,
      bytes: numBytes,
    });
    return { seconds, loss };
  };
  let warmupSeconds = 0;
  for (let i = 0; i < warmup; i++) warmupSeconds += (await timed(i, true)).seconds;
  const tensorsBefore = tf.memory().numTensors;
  const stepSeconds: number[] = [];
  let lastLoss = NaN;
  for (let i = 0; i < options.steps; i++) {
    const { seconds, loss } = await timed(i, false);
    stepSeconds.push(seconds);
    lastLoss = loss;
  }
  const medianStepSeconds = median(stepSeconds);
  return {
    backend: tf.getBackend(),
    batch: options.batch,
    stepSeconds,
    imagesPerSecond: options.batch / medianStepSeconds,
    medianStepSeconds,
    bestStepSeconds: Math.min(...stepSeconds),
    warmupSeconds,
    tensorGrowth: tf.memory().numTensors - tensorsBefore,
    lastLoss,
  };
}
