/**
 * Optimizers by name, as the papers configure them, plus the two things tfjs leaves awkward: changing
 * the learning rate of a live optimizer and weight decay.
 */
import * as tf from "@tensorflow/tfjs";
import { unknownChoice } from "../errors.ts";
import { adamUpdate, hasAdamUpdate } from "../backend/adam_update.ts";
import { hasMomentumUpdate, momentumUpdate } from "../backend/momentum_update.ts";
import type { SettingsIn } from "./settings.ts";

export const OPTIMIZER_NAMES = ["adam", "sgd", "nesterov", "rmsprop"] as const;
export type OptimizerName = typeof OPTIMIZER_NAMES[number];

/** An optimizer as written in a run's config.json. */
export interface OptimizerConfig extends SettingsIn<"optimizer"> {
  readonly name: OptimizerName;
  readonly lr: number;
  /** SGD / Nesterov momentum, RMSprop momentum. Defaults: 0.9 for nesterov, 0 otherwise. */
  readonly momentum?: number;
  /**
   * L2 penalty added to the gradient (PyTorch's `weight_decay`): g ← g + weightDecay·w, applied to
   * kernels only (not biases or BatchNorm parameters), as is usual for conv nets.
   */
  readonly weightDecay?: number;
}

/** What tfjs's momentum optimizer takes (it types a map of gradients as a map of variables). */
type Gradients = Parameters<tf.MomentumOptimizer["applyGradients"]>[0];

/** The variables' names and gradients in the order tfjs's optimizers number their slots. */
function namedGradients(
  variableGradients: Parameters<tf.Optimizer["applyGradients"]>[0],
): { name: string; gradient: tf.Tensor | undefined }[] {
  return Array.isArray(variableGradients)
    ? variableGradients.map(({ name, tensor }) => ({ name, gradient: tensor }))
    : Object.entries(variableGradients).map(([name, gradient]) => ({ name, gradient }));
}

/** What tfjs's AdamOptimizer keeps, which its typings hide. */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * tfjs's Adam, with each variable's step as one fused kernel where the backend has it
 * (lib/backend/adam_update.ts: same float32 results, one pass instead of about twelve). Its
 * state, names, checkpoints and serialisation are tfjs's AdamOptimizer's; elsewhere it is that.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(
    variableGradients: Parameters<tf.AdamOptimizer["applyGradients"]>[0],
  ): void {
    if (!hasAdamUpdate()) return super.applyGradients(variableGradients);
    const state = this as unknown as AdamState;
    // float32 like tfjs's sub(1, accBeta): one read of each scalar per step.
    const f = Math.fround;
    const oneMinusAccBeta1 = f(1 - state.accBeta1.dataSync()[0]);
    const oneMinusAccBeta2 = f(1 - state.accBeta2.dataSync()[0]);
    const attrs = {
      learningRate: state.learningRate,
      beta1: state.beta1,
      beta2: state.beta2,
      epsilon: state.epsilon,
      oneMinusAccBeta1,
      oneMinusAccBeta2,
    };
    tf.tidy(() => {
      namedGradients(variableGradients).forEach(({ name, gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        // Slots made as tfjs makes them (same names, same order) even for a missing gradient.
        for (
          const [slots, suffix] of [
            [state.accumulatedFirstMoment, "m"],
            [state.accumulatedSecondMoment, "v"],
          ] as const
        ) {
          slots[i] ??= {
            originalName: `${name}/${suffix}`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          };
        }
        if (gradient == null) return;
        const m = state.accumulatedFirstMoment[i].variable;
        const v = state.accumulatedSecondMoment[i].variable;
        const [newValue, newM, newV] = adamUpdate(value, gradient, m, v, attrs);
        m.assign(newM);
        v.assign(newV);
        value.assign(newValue);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, state.beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, state.beta2));
    });
    (this as unknown as { incrementIterations(): void }).incrementIterations();
  }
}

/** What tfjs's MomentumOptimizer keeps, which its typings hide. */
interface MomentumState {
  accumulations: { originalName: string; variable: tf.Variable }[];
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
}

/**
 * tfjs's momentum SGD (plain or Nesterov), with each variable's step as one fused kernel where the
 * backend has it (lib/backend/momentum_update.ts: same float32 results, one pass instead of two or
 * six). Its state, names, checkpoints and serialisation are tfjs's MomentumOptimizer's.
 */
export class FusedMomentumOptimizer extends tf.MomentumOptimizer {
  /** `weightDecays`: the L2 penalty of each named variable, applied in the fused step. */
  override applyGradients(
    variableGradients: Gradients,
    weightDecays: Readonly<Record<string, number>> = {},
  ): void {
    if (!hasMomentumUpdate()) {
      return super.applyGradients(withWeightDecay(variableGradients, weightDecays) as Gradients);
    }
    const state = this as unknown as MomentumState;
    const attrs = {
      learningRate: state.learningRate,
      momentum: state.momentum,
      nesterov: state.useNesterov,
    };
    tf.tidy(() => {
      namedGradients(variableGradients).forEach(({ name, gradient }, i) => {
        const value = tf.engine().registeredVariables[name];
        // Made as tfjs makes it (same name, same order) even for a missing gradient.
        state.accumulations[i] ??= {
          originalName: `${name}/momentum`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        if (gradient == null) return;
        const accumulation = state.accumulations[i].variable;
        const [newValue, newAccumulation] = momentumUpdate(value, gradient, accumulation, {
          ...attrs,
          weightDecay: weightDecays[name] ?? 0,
        });
        accumulation.assign(newAccumulation);
        value.assign(newValue);
      });
    });
    (this as unknown as { incrementIterations(): void }).incrementIterations();
  }
}

/** g ← g + decay·value for each variable named in `weightDecays` (PyTorch's `weight_decay`). */
function withWeightDecay(
  variableGradients: Parameters<tf.Optimizer["applyGradients"]>[0],
  weightDecays: Readonly<Record<string, number>>,
): tf.NamedTensorMap {
  const decayed: tf.NamedTensorMap = {};
  for (const { name, gradient } of namedGradients(variableGradients)) {
    const decay = weightDecays[name] ?? 0;
    // A missing gradient stays in its place: tfjs's optimizers number their slots by position.
    decayed[name] = decay === 0 || gradient == null
      ? gradient!
      : gradient.add(tf.engine().registeredVariables[name].mul(decay));
  }
  return decayed;
}

/**
 * One optimizer step with an L2 penalty on the named variables: fused into the momentum step where
 * the backend runs it, else added to the gradients first. Call inside tf.tidy.
 */
export function applyGradientsWithDecay(
  optimizer: tf.Optimizer,
  gradients: tf.NamedTensorMap,
  weightDecays: Readonly<Record<string, number>>,
): void {
  // Not instanceof: tfjs's Optimizer answers it for any object with an optimizer's methods.
  if (Object.prototype.isPrototypeOf.call(FusedMomentumOptimizer.prototype, optimizer)) {
    (optimizer as FusedMomentumOptimizer).applyGradients(gradients as Gradients, weightDecays);
  } else {
    optimizer.applyGradients(withWeightDecay(gradients, weightDecays));
  }
}

/**
 * Creates a tfjs optimizer; `nesterov` is SGD with Nesterov momentum (0.9 unless given). Adam and
 * RMSprop take Keras' ε = 1e-7 (PyTorch's is 1e-8); RMSprop adds ε inside the square root, as
 * Keras 3 and tf.keras do (PyTorch adds it outside). Momentum SGD keeps its velocity without the
 * learning rate, as PyTorch does: a ReduceLROnPlateau cut acts on the next step.
 */
export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  const { name, lr } = config;
  switch (name) {
    case "adam":
      return new FusedAdamOptimizer(lr, 0.9, 0.999, 1e-7);
    case "sgd":
      return config.momentum ? new FusedMomentumOptimizer(lr, config.momentum) : tf.train.sgd(lr);
    case "nesterov":
      return new FusedMomentumOptimizer(lr, config.momentum ?? 0.9, true);
    case "rmsprop":
      // Keras' RMSprop defaults (rho 0.9, epsilon 1e-7), which the CK+ paper used.
      return tf.train.rmsprop(lr, 0.9, config.momentum ?? 0, 1e-7);
    default:
      throw unknownChoice("optimizer", name, OPTIMIZER_NAMES);
  }
}

/** The optimizer's current learning rate. */
export function getLearningRate(optimizer: tf.Optimizer): number {
  return (optimizer as unknown as { learningRate: number }).learningRate;
}

/**
 * Changes the learning rate in place. SGD-family optimizers cache −lr as a tensor and must be told
 * through `setLearningRate`; Adam and RMSprop read the field on every step.
 */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
  const withSetter = optimizer as unknown as { setLearningRate?: (lr: number) => void };
  if (typeof withSetter.setLearningRate === "function") {
    withSetter.setLearningRate(lr);
  } else {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  }
}

/** tfjs' Adam, seen from outside: the running powers βᵗ it divides by (see `optimizerScalars`). */
interface AdamPowers {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

function adamPowers(optimizer: tf.Optimizer): AdamPowers | undefined {
  const adam = optimizer as unknown as Partial<AdamPowers>;
  return adam.accBeta1 instanceof tf.Variable && adam.accBeta2 instanceof tf.Variable
    ? adam as AdamPowers
    : undefined;
}

/**
 * The optimizer state that `getWeights` leaves out, as JSON-safe numbers. tfjs' Adam keeps
 * β₁ᵗ and β₂ᵗ as products updated every step, but its `setWeights` recomputes them as
 * `pow(β, t + 1)`, which differs from the product in the last bits of float32: a resumed run's
 * bias correction, and so every weight after it, drifted from the uninterrupted run's.
 */
export function optimizerScalars(optimizer: tf.Optimizer): Record<string, number> {
  const adam = adamPowers(optimizer);
  if (!adam) return {};
  return {
    accBeta1: adam.accBeta1.dataSync()[0],
    accBeta2: adam.accBeta2.dataSync()[0],
  };
}

/** Puts back what `optimizerScalars` saved; call it after the optimizer's `setWeights`. */
export function restoreOptimizerScalars(
  optimizer: tf.Optimizer,
  scalars: Record<string, number> | undefined,
): void {
  const adam = adamPowers(optimizer);
  if (!adam || scalars?.accBeta1 === undefined || scalars.accBeta2 === undefined) return;
  tf.tidy(() => {
    adam.accBeta1.assign(tf.scalar(scalars.accBeta1));
    adam.accBeta2.assign(tf.scalar(scalars.accBeta2));
  });
}
