/** `fer average <run> <run>...`: the mean of several runs' weights, as a run of its own. */
import { defineCommand } from "../args.ts";
import { backendOption, dataDirOption } from "../options.ts";
import { averageRuns } from "../../lib/train/average.ts";

export const averageCommand = defineCommand({
  name: "average",
  summary: "Average the weights of runs that share a basin (SWA over warm restarts, a model soup)",
  args: "<run> <run> [<run>...]",
  minPositionals: 2,
  options: {
    out: { type: "string", placeholder: "DIR", description: "New run folder (default runs/...)" },
    "data-dir": dataDirOption("Data folder (default: the runs', else $FER_DATA_DIR)"),
    backend: backendOption("Compute backend (default: the first run's)"),
    greedy: {
      type: "boolean",
      description: "Greedy soup: add runs best first, keeping each only if the mean's " +
        "validation accuracy does not drop",
    },
  },
  details: "The runs must be one model on one dataset and split, and should share a basin: a run " +
    "warm-started from another with --init-from, or snapshots of one schedule. BatchNorm " +
    "statistics are measured again on the training images; the new run folder is scored on the " +
    "validation and test splits like a trained run, and 'fer export' packages it.\n" +
    "Example:\n" +
    "  fer average runs/cycle1 runs/cycle2 runs/cycle3 --out runs/swa\n" +
    "  fer average runs/cycle* --greedy --out runs/soup",
  async run({ options, positionals, commandLine }) {
    await averageRuns(positionals, {
      out: options.out,
      dataDir: options["data-dir"],
      backend: options.backend,
      greedy: options.greedy,
      command: commandLine,
    });
  },
});
