/**
 * The card a run's saved model carries (lib/models/card.ts's ModelCard), built from the run: what
 * every model's card says (classes, size, data, machine, command, scores), and what a training
 * adds (its epochs, selection and time, and the run it started from).
 */
import type { BackendInfo } from "../backend/init.ts";
import { describeProtocol } from "../data/mod.ts";
import { describeCpu, formatCpu } from "../machine.ts";
import type { EvaluationMetrics } from "../metrics/mod.ts";
import {
  compactProvenance,
  countMacs,
  countParams,
  type FerModel,
  type ModelCard,
  type Provenance,
} from "../models/mod.ts";
import { keepsLastEpoch, type RunConfig } from "./config.ts";
import type { Distillation } from "./distill.ts";
import type { ModelScores } from "./eval_run.ts";
import type { FitResult } from "./trainer.ts";

/**
 * The card fields of every saved model (torchvision-style weight metadata): classes, size, data,
 * the machine, the command that made it and its scores. How it came to its weights is the
 * caller's part: a training's epochs and time, or an average's ingredients.
 */
export function modelCardBasics(
  config: RunConfig,
  fer: FerModel,
  backend: Pick<BackendInfo, "description" | "precision">,
  commands: readonly string[],
  classNames: readonly string[],
  scores: ModelScores,
): ModelCard {
  const params = countParams(fer.model);
  const score = (m?: EvaluationMetrics) =>
    m && { split: m.split, tta: m.tta, count: m.count, accuracy: m.accuracy, macroF1: m.macro.f1 };
  return {
    classNames,
    architecture: fer.name,
    params: params.total,
    trainableParams: params.trainable,
    macs: countMacs(fer.model).total,
    dataset: config.data.dataset,
    split: describeProtocol(config.data.split),
    machine: `${formatCpu(describeCpu())}, ${Deno.build.os}/${Deno.build.arch}`,
    backend: backend.description,
    // What ran, which `auto` in the recipe leaves open.
    precision: backend.precision,
    command: commands[0],
    ...(commands.length > 1 ? { resumedWith: commands.slice(1) } : {}),
    seed: config.seed,
    recipe: config as unknown as ModelCard["recipe"],
    validation: score(scores.valMetrics),
    test: score(scores.metrics),
    testWithTta: score(scores.ttaMetrics),
  };
}

/**
 * modelCardBasics plus how a training run made the weights: its epochs, selection and time, the
 * run it started from and the teachers it distilled from.
 */
export function trainedModelCard(
  config: RunConfig,
  fer: FerModel,
  fit: FitResult,
  backend: BackendInfo,
  commands: readonly string[],
  classNames: readonly string[],
  scores: ModelScores,
  sources: {
    readonly initialisedFrom?: Provenance;
    readonly distillation?: Distillation & { readonly provenance: readonly Provenance[] };
  } = {},
): ModelCard {
  const { initialisedFrom, distillation } = sources;
  return {
    ...modelCardBasics(config, fer, backend, commands, classNames, scores),
    epochsRun: fit.history.length,
    bestEpoch: fit.bestEpoch + 1,
    selectedBy: keepsLastEpoch(config.schedule)
      ? "the last epoch (no selection)"
      : `${fit.monitor} on the validation split`,
    timeLimitReached: fit.timeLimitReached,
    trainingSeconds: Math.round(fit.history.reduce((sum, h) => sum + h.seconds, 0)),
    ...(distillation
      ? { distillation: { weight: distillation.weight, temperature: distillation.temperature } }
      : {}),
    ...compactProvenance({
      ...(initialisedFrom ? { initialisedFrom } : {}),
      ...(distillation ? { distilledFrom: distillation.provenance } : {}),
    }),
  };
}
