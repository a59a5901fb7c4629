/**
 * Option specs that several commands share, declared once: the training settings' own (backend,
 * data folder, precision: lib/train/settings.ts) and those of the commands themselves (a model to
 * load, the time limit). A command with one of these takes it from here, changing at most its
 * help line.
 */
import type { OptionSpec } from "./args.ts";
import { DEFAULT_MODEL } from "../lib/predict/mod.ts";
import { settingOption } from "../lib/train/settings.ts";

/** `--backend` with a help line that says what the command's default is. */
export function backendOption(help = "Compute backend (default auto)") {
  return settingOption("backend", help);
}

/** `--data-dir`; `help` says where a command looks without it. */
export function dataDirOption(help?: string) {
  return settingOption("data-dir", help);
}

/**
 * `--precision` (PyTorch's CPU autocast, Keras' mixed_bfloat16 policy): a training setting, also
 * taken by `fer eval`, `fer predict` and `bench train|infer`.
 */
export function precisionOption(help?: string) {
  return settingOption("precision", help);
}

/**
 * `--model RUN|DIR|default`: the model a command loads, a run folder or a model folder, by default
 * the shipped one (models/default/); `placeholder` and `help` for a command that takes more.
 */
export function modelOption(
  help = "A run folder, a model folder, or 'default' (models/default/)",
  placeholder = "RUN|DIR|default",
) {
  return {
    type: "string",
    default: DEFAULT_MODEL,
    placeholder,
    description: help,
  } as const satisfies OptionSpec;
}

/** `--time-limit`, of `fer train` and `fer experiment` (PyTorch Lightning's `max_time`). */
export const TIME_LIMIT_OPTION = {
  type: "number",
  placeholder: "MINUTES",
  description: "Stop training after about this many minutes, mid-epoch if need be (checkpointed; " +
    "a run's first epoch always completes); the run ends on its best epoch so far and --resume " +
    "(or the same experiment command) continues it (default: no limit)",
} as const satisfies OptionSpec;
