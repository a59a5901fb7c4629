/** `fer eval <run>`: metrics of a trained model on a named split, with or without TTA. */
import { defineCommand } from "../args.ts";
import { TTA_CHOICES } from "../../lib/train/config.ts";
import { backendOption, dataDirOption, precisionOption } from "../options.ts";
import { evaluateModel, SPLIT_NAMES } from "../../lib/train/eval_run.ts";
import { writeReport } from "../../lib/report/mod.ts";
import { withRunLock } from "../../lib/train/run_lock.ts";

export const evalCommand = defineCommand({
  name: "eval",
  summary: "Evaluate a run (or a model folder) on a dataset split",
  args: "<run>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    data: { type: "string", description: "Dataset name or path (default: the run's dataset)" },
    "data-dir": dataDirOption(),
    split: {
      type: "string",
      choices: SPLIT_NAMES,
      default: "test",
      description: "Split to evaluate (PrivateTest = test, PublicTest = val for FER2013)",
    },
    tta: {
      type: "string",
      choices: TTA_CHOICES,
      default: "none",
      description: "Test-time augmentation",
    },
    limit: {
      type: "integer",
      min: 0,
      placeholder: "N",
      description:
        "At most N images per split (0: all; default: the run's limit on its own data, else all)",
    },
    "batch-size": {
      type: "integer",
      min: 1,
      description: "Batch size (default: the run's, else 64)",
    },
    backend: backendOption("Compute backend (default: the run's)"),
    precision: precisionOption("fp32, bf16 or auto (default: the run's)"),
    json: { type: "boolean", description: "Print the metrics.json object instead of the report" },
    "no-report": { type: "boolean", description: "Do not rewrite the run's report.html" },
  },
  async run({ options, positionals }) {
    const result = await evaluateModel(positionals[0], {
      data: options.data,
      dataDir: options["data-dir"],
      split: options.split,
      tta: options.tta,
      limit: options.limit,
      batchSize: options["batch-size"],
      backend: options.backend,
      precision: options.precision,
    });
    const m = result.metrics;
    const savedIn = result.savedIn;
    if (savedIn && !options["no-report"]) {
      await withRunLock(savedIn, () => writeReport(savedIn, { log: () => {} }));
    }
    if (options.json) {
      console.log(JSON.stringify(m, null, 2));
      return 0;
    }
    console.log(`Backend: ${result.backend}; precision ${result.precision}`);
    for (const line of result.data) console.log(line);
    console.log(
      `${m.dataset}, split ${m.split} (${m.count} images), TTA ${m.tta}: accuracy ` +
        `${m.accuracy.toFixed(4)}, macro F1 ${m.macro.f1.toFixed(4)}, macro AUC ` +
        `${m.macro.auc === null ? "n/a" : m.macro.auc.toFixed(4)}`,
    );
    console.log(result.report);
    return 0;
  },
});
