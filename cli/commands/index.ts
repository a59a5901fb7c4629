/** Every `fer` command, in the order `fer --help` lists them. */
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
