/**
 * The experiment registry: one typed module per paper setup, each composed from experiments/parts.ts.
 *
 * Where changes go: a new paper setup is a module here exporting an `Experiment` (types.ts), added
 * to EXPERIMENTS; inside it, the recipe (data, models, schedules: `runs`) comes first and the
 * report (the paper's numbers and `report`, `figures`: its section of docs/REPRODUCTION.md) after
 * it, each under its banner. Shared recipe pieces go in parts.ts; running, resuming and writing
 * the document is runner.ts's.
 * @module
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FerError, unknownChoice, UsageError } from "../lib/errors.ts";
import { adeboFer3 } from "./adebo_fer3.ts";
import { chenCkplus } from "./chen_ckplus.ts";
import { fer2013Best, ferPlus } from "./fer2013_best.ts";
import { liuFer7 } from "./liu_fer7.ts";
import { mobileFer3 } from "./mobile_fer3.ts";
import { mondalFer7 } from "./mondal_fer7.ts";
import type { Experiment } from "./types.ts";

export type { Budget, Experiment, ExperimentRun, RunOutcome } from "./types.ts";
export { BUDGETS } from "./types.ts";
export { DEFAULT_DOC, DEFAULT_ROOT, experimentDir, runExperiment } from "./runner.ts";
export { experimentStatus, formatStatus, type RunStatus } from "./status.ts";
export { type SlurmOptions, submitToSlurm } from "./slurm.ts";

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

/** A module path rather than a name: `fer experiment my_setup.ts`. */
const MODULE_PATH = /\.(ts|js|mjs)$/;

/**
 * The experiment called `nameOrPath`, or the one a module file exports as `experiment` (your own
 * setup, composed like ours from experiments/parts.ts). A UsageError lists the valid names.
 */
export async function loadExperiment(nameOrPath: string): Promise<Experiment> {
  if (!MODULE_PATH.test(nameOrPath)) return getExperiment(nameOrPath);
  const path = resolve(nameOrPath);
  if (!existsSync(path)) {
    throw new UsageError(
      `experiment module ${path} does not exist (or name one of: ${
        EXPERIMENTS.map((e) => e.name).join(", ")
      })`,
    );
  }
  const module = await import(pathToFileURL(path).href);
  const experiment = module.experiment as Partial<Experiment> | undefined;
  if (
    typeof experiment?.name !== "string" || typeof experiment.runs !== "function" ||
    typeof experiment.report !== "function"
  ) {
    throw new FerError(
      `${path} does not export \`experiment\` (an Experiment with name, runs and report; see ` +
        "experiments/types.ts)",
    );
  }
  return experiment as Experiment;
}
