/**
 * The experiment registry: one typed module per paper setup, each composed from experiments/parts.ts.
 * @module
 */
import { unknownChoice } from "../lib/errors.ts";
import { adeboFer3 } from "./adebo_fer3.ts";
import { chenCkplus } from "./chen_ckplus.ts";
import { fer2013Best, ferPlus } from "./fer2013_best.ts";
import { liuFer7 } from "./liu_fer7.ts";
import { mobileFer3 } from "./mobile_fer3.ts";
import { mondalFer7 } from "./mondal_fer7.ts";
import type { Experiment } from "./types.ts";

export type { Budget, Experiment, ExperimentRun, RunOutcome } from "./types.ts";
export { BUDGETS } from "./types.ts";
export { DEFAULT_DOC, DEFAULT_ROOT, runExperiment } from "./runner.ts";

/** Every experiment, in the order `fer experiment --list` shows them. */
export const EXPERIMENTS: readonly Experiment[] = [
  adeboFer3,
  mondalFer7,
  liuFer7,
  chenCkplus,
  mobileFer3,
  fer2013Best,
  ferPlus,
];

/** The experiment called `name`; a UsageError listing the valid names otherwise. */
export function getExperiment(name: string): Experiment {
  const found = EXPERIMENTS.find((e) => e.name === name);
  if (!found) throw unknownChoice("experiment", name, EXPERIMENTS.map((e) => e.name));
  return found;
}
