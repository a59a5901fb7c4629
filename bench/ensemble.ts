/**
 * What an ensemble of saved models would score: each model's accuracy on one FER2013 split and
 * that of the mean of their probabilities, every model seeing the images with its own input layout
 * (a crop model its centre crop), as `fer eval` does. It tells whether distilling several models
 * into one, or shipping them together, could beat the best of them. Choose on PublicTest only.
 * Run from the repository root:
 * `FER_DATA_DIR=/path/to/data ./deno run -A bench/ensemble.ts [--split PublicTest] [--tta none] <model> <model>...`
 * (PrivateTest is refused: it is measured with `fer eval` once a model is chosen); it prints a
 * Markdown table for docs/DEFAULT_MODEL.md.
 */
import { parseArgs } from "node:util";
import { UsageError } from "../lib/errors.ts";
import { accuracy } from "../lib/metrics/accuracy.ts";
import { markdownTable } from "../lib/report/markdown_page.ts";
import { TTA_CHOICES, type TtaChoice } from "../lib/train/config.ts";
import { predictSplit, SPLIT_NAMES, type SplitName } from "../lib/train/eval_run.ts";
import { RunFolder } from "../lib/train/run_folder.ts";

const { values, positionals: paths } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    split: { type: "string", default: "PublicTest" },
    tta: { type: "string", default: "none" },
  },
});
const split = values.split as SplitName;
const tta = values.tta as TtaChoice;
if (!SPLIT_NAMES.includes(split)) {
  throw new UsageError(`--split ${split}: choose one of ${SPLIT_NAMES.join(", ")}`);
}
if (split === "PrivateTest" || split === "test") {
  throw new UsageError(
    "ensembles are chosen on PublicTest only: choosing one on PrivateTest would select on the " +
      "test split. Measure PrivateTest with `fer eval` once a model is chosen",
  );
}
if (!TTA_CHOICES.includes(tta)) {
  throw new UsageError(`--tta ${tta}: choose one of ${TTA_CHOICES.join(", ")}`);
}
if (paths.length < 2) throw new UsageError("name at least two run or model folders");

const rows: string[][] = [];
let sum: Float32Array | undefined;
let labels: ArrayLike<number> = [];
for (const path of paths) {
  const runConfig = await RunFolder.readConfigIfRun(path);
  const predicted = await predictSplit(path, runConfig, {
    data: "fer2013",
    split,
    tta,
    dataDir: Deno.env.get("FER_DATA_DIR"),
  });
  const { images, probabilities } = predicted;
  if (sum && sum.length !== probabilities.length) {
    throw new UsageError(`${path} predicts another number of classes or images than ${paths[0]}`);
  }
  sum ??= new Float32Array(probabilities.length);
  probabilities.forEach((p, i) => sum![i] += p);
  labels = images.labels;
  rows.push([path, accuracy(images.labels, probabilities).toFixed(4)]);
}
rows.push([`mean of all ${paths.length}`, accuracy(labels, sum!).toFixed(4)]);
console.log(`FER2013 ${split}, TTA ${tta}:\n`);
console.log(markdownTable({ columns: ["model", `${split} accuracy`], rows }));
