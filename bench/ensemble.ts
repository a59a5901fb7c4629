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
import { unknownChoice, UsageError } from "../lib/errors.ts";
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
if (!SPLIT_NAMES.includes(split)) throw unknownChoice("split", split, SPLIT_NAMES);
if (split === "PrivateTest" || split === "test") {
  throw new UsageError(
    "ensembles are chosen on PublicTest only: choosing one on PrivateTest would select on the " +
      "test split. Measure PrivateTest with `fer eval` once a model is chosen",
  );
}
if (!TTA_CHOICES.includes(tta)) throw unknownChoice("TTA", tta, TTA_CHOICES);
if (paths.length < 2) throw new UsageError("name at least two run or model folders");

const rows: string[][] = [];
let first: { labels: Uint8Array; classNames: readonly string[]; sum: Float32Array } | undefined;
for (const path of paths) {
  const runConfig = await RunFolder.readConfigIfRun(path);
  const { images, probabilities } = await predictSplit(path, runConfig, {
    data: "fer2013",
    split,
    tta,
    dataDir: Deno.env.get("FER_DATA_DIR"),
  });
  // Averaging is only meaningful over the same images, in the same order, with the same classes.
  first ??= {
    labels: images.labels,
    classNames: images.classNames,
    sum: new Float32Array(probabilities.length),
  };
  if (
    images.classNames.join() !== first.classNames.join() ||
    images.labels.length !== first.labels.length ||
    images.labels.some((label, i) => label !== first!.labels[i])
  ) {
    throw new UsageError(
      `${path} sees other images or classes of ${split} than ${paths[0]} (a run's own data ` +
        "settings, such as --limit or --classes, decide them): their probabilities cannot be averaged",
    );
  }
  probabilities.forEach((p, i) => first!.sum[i] += p);
  rows.push([path, accuracy(images.labels, probabilities).toFixed(4)]);
}
rows.push([`mean of all ${paths.length}`, accuracy(first!.labels, first!.sum).toFixed(4)]);
console.log(`FER2013 ${split}, TTA ${tta}:\n`);
console.log(markdownTable({ columns: ["model", `${split} accuracy`], rows }));
