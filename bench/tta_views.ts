/**
 * Which test-time views help a saved model: accuracy on one FER2013 split for each single view
 * (the image, its mirror, ±2 px shifts, zoom in and out by 10 %) and for sets of them, the
 * probabilities averaged over the set's views as `fer eval --tta` does. Choose a set on PublicTest
 * only. Run from the repository root:
 * `FER_DATA_DIR=/path/to/data ./deno run -A bench/tta_views.ts [model] [split]`
 * (defaults: models/default, PublicTest; PrivateTest is refused, it is measured with
 * `fer eval --tta` once a set is chosen); it prints a Markdown table for docs/DEFAULT_MODEL.md.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { FER2013_USAGES, indicesWhere, loadFer2013Csv, subset } from "../lib/data/mod.ts";
import { loadExpressionModel } from "../lib/predict/expression_model.ts";
import {
  type Affine,
  compose,
  cropResizeMap,
  horizontalFlipMap,
  translation,
} from "../lib/augment/affine.ts";
import { averageViews, viewsFromMaps } from "../lib/augment/tta.ts";
import { initBackend } from "../lib/backend/mod.ts";
import { accuracy } from "../lib/metrics/accuracy.ts";
import { markdownTable } from "../lib/report/markdown_page.ts";
import { unknownChoice, UsageError } from "../lib/errors.ts";

const [modelPath = "models/default", split = "PublicTest"] = Deno.args;
if (split === "PrivateTest") {
  throw new UsageError(
    "views are chosen on PublicTest only: choosing them on PrivateTest would select on the test " +
      "split. Measure PrivateTest with `fer eval --tta` once a set is chosen",
  );
}
if (!(FER2013_USAGES as readonly string[]).includes(split)) {
  throw unknownChoice("FER2013 split", split, FER2013_USAGES.filter((s) => s !== "PrivateTest"));
}
const data = Deno.env.get("FER_DATA_DIR");
if (!data) throw new UsageError("set FER_DATA_DIR (FER2013 is read from it)");
const model = await loadExpressionModel(modelPath);
if (model.layout.crop) {
  throw new UsageError(
    `${modelPath} was trained on ${model.layout.crop.type} crops; these views are of whole ` +
      "images, so they would not be what the model saw. Use `fer eval --tta` for crop models",
  );
}
const backend = await initBackend("auto", {});
const all = await loadFer2013Csv(join(data, "fer2013", "fer2013.csv.gz"));
const images = subset(all, indicesWhere(all, (i) => all.usage?.[i] === split));
if (images.count === 0) throw new Error(`no FER2013 images in split '${split}'`);
const [height, width, channels] = model.layout.inputShape;
const classes = model.classNames.length;
/** Output pixel → source point of one view: zoom about the centre, shift, then mirror. */
function viewMap(mirror: boolean, zoom: number, dx: number, dy: number): Affine {
  const side = images.width / zoom;
  const offset = (images.width - side) / 2;
  const box = { top: offset, left: offset, height: side, width: side };
  const shifted = compose(translation(dx, dy), cropResizeMap(box, height, width));
  return mirror ? compose(horizontalFlipMap(images.width), shifted) : shifted;
}

const views = new Map<string, Affine>();
for (const mirror of [false, true]) {
  const name = (view: string) => mirror ? `mirror ${view}` : view;
  views.set(name("image"), viewMap(mirror, 1, 0, 0));
  for (const [dx, dy] of [[-2, 0], [2, 0], [0, -2], [0, 2]]) {
    views.set(name(`shift ${dx},${dy}`), viewMap(mirror, 1, dx, dy));
  }
  views.set(name("zoom in 10 %"), viewMap(mirror, 1.1, 0, 0));
  views.set(name("zoom out 10 %"), viewMap(mirror, 1 / 1.1, 0, 0));
}

const BATCH = 128;
const layout = {
  outputHeight: height,
  outputWidth: width,
  outputChannels: channels,
  normalization: model.layout.normalization,
};
const maps = [...views.values()];
const probabilities = maps.map(() => new Float32Array(images.count * classes));
for (let start = 0; start < images.count; start += BATCH) {
  const indices = Array.from(
    { length: Math.min(BATCH, images.count - start) },
    (_, i) => start + i,
  );
  const batches = viewsFromMaps(images, indices, maps, layout);
  for (const [view, batch] of batches.entries()) {
    const input = tf.tensor4d(batch, [indices.length, height, width, channels]);
    const output = model.loaded.model.predict(input) as tf.Tensor;
    probabilities[view].set(await output.data() as Float32Array, start * classes);
    tf.dispose([input, output]);
  }
}
const byName = new Map([...views.keys()].map((name, view) => [name, probabilities[view]]));

/** Accuracy of the probabilities averaged over `set`'s views, as `fer eval --tta` averages them. */
function setAccuracy(set: readonly string[]): number {
  return accuracy(images.labels, averageViews(set.map((name) => byName.get(name)!)));
}

const names = [...views.keys()];
const sets: [string, string[]][] = [
  ...names.map((name): [string, string[]] => [name, [name]]),
  ["flip (the image and its mirror)", ["image", "mirror image"]],
  ["flip + shifts", names.filter((n) => n.includes("image") || n.includes("shift"))],
  ["flip + zooms", names.filter((n) => !n.includes("shift"))],
  ["all", names],
];
console.log(
  `${model.name} (${modelPath}) on FER2013 ${split} (${images.count} images), ${backend.description}\n`,
);
console.log(markdownTable({
  columns: ["views", "count", "accuracy"],
  rows: sets.map(([name, set]) => [name, String(set.length), setAccuracy(set).toFixed(4)]),
}));
