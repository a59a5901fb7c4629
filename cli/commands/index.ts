/**
 * Every `fer` command, in the order `fer --help` lists them.
 *
 * Where a change goes: a new command is a file here (`defineCommand`, see cli/args.ts) added to
 * this list; an option several commands share (`--backend`, `--data-dir`, `--precision`,
 * `--model`) comes from cli/options.ts; a training setting (an option of `fer train` and
 * `fer experiment`, a key of config.json) is an entry of lib/train/settings.ts, never an option
 * declared here. A command only parses and prints: its work is in lib/, which it hands the
 * command line (`Invocation.commandLine`) where a run folder records it.
 */
import type { AnyCommand } from "../args.ts";
import { averageCommand } from "./average.ts";
import { benchCommand } from "./bench.ts";
import { modelsCommand } from "./models.ts";
import { dataCommand } from "./data.ts";
import { evalCommand } from "./eval.ts";
import { exportCommand } from "./export.ts";
import { experimentCommand } from "./experiment.ts";
import { trainCommand } from "./train.ts";
import { reportCommand } from "./report.ts";
import { compareCommand } from "./compare.ts";
import { predictCommand } from "./predict.ts";
import { serveCommand } from "./serve.ts";

export const commands: AnyCommand[] = [
  trainCommand,
  evalCommand,
  predictCommand,
  serveCommand,
  exportCommand,
  averageCommand,
  experimentCommand,
  reportCommand,
  compareCommand,
  dataCommand,
  modelsCommand,
  benchCommand,
];
