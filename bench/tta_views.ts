/**
 * Which test-time views help a saved model: accuracy on one FER2013 split for each single view
 * (the image, its mirror, ±2 px shifts, zoom in and out by 10 %) and for sets of them, the
 * probabilities averaged over the set's views as `fer eval --tta` does. Choose a set on PublicTest
 * only. Run from the repository root:
 * `FER_DATA_DIR=/path/to/data ./deno run -A bench/tta_views.ts [model] [split]`
 * (defaults: models/default, PublicTest); it prints a Markdown table for docs/DEFAULT_MODEL.md.
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { indicesWhere, loadFer2013Csv, subset } from "../lib/data/mod.ts";
import { loadExpressionModel } from "../lib/predict/expression_model.ts";
import {
  type Affine,
  compose,
  cropResizeMap,
  horizontalFlipMap,
  translation,
} from "../lib/augment/affine.ts";
import { batchWriter } from "../lib/augment/batch.ts";
import { EDGE_BILINEAR, warpInto } from "../lib/augment/resample.ts";
import { initBackend } from "../lib/backend/mod.ts";
import { markdownTable } from "../lib/report/markdown_page.ts";

const [modelPath = "models/default", split = "PublicTest"] = Deno.args;
const data = Deno.env.get("FER_DATA_DIR");
if (!data) throw new Error("set FER_DATA_DIR (FER2013 is read from it)");
const backend = await initBackend("auto", {});
const all = await loadFer2013Csv(join(data, "fer2013", "fer2013.csv.gz"));
const images = subset(all, indicesWhere(all, (i) => all.usage?.[i] === split));
if (images.count === 0) throw new Error(`no FER2013 images in split '${split}'`);
const model = await loadExpressionModel(modelPath);
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
const probabilities = new Map<string, Float32Array>();
for (const [name, map] of views) {
  const out = new Float32Array(images.count * classes);
  for (let start = 0; start < images.count; start += BATCH) {
    const indices = Array.from(
      { length: Math.min(BATCH, images.count - start) },
      (_, i) => start + i,
    );
    const batch = new Float32Array(indices.length * height * width * channels);
    const writer = batchWriter(batch, images, indices, {
      outputHeight: height,
      outputWidth: width,
      outputChannels: channels,
      normalization: model.layout.normalization,
    });
    indices.forEach((index, slot) =>
      warpInto(writer.source(index), writer.target(slot), map, EDGE_BILINEAR, writer.transform)
    );
    const input = tf.tensor4d(batch, [indices.length, height, width, channels]);
    const output = model.loaded.model.predict(input) as tf.Tensor;
    out.set(await output.data() as Float32Array, start * classes);
    tf.dispose([input, output]);
  }
  probabilities.set(name, out);
}

function accuracy(set: readonly string[]): number {
  let right = 0;
  for (let i = 0; i < images.count; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < classes; k++) {
      let score = 0;
      for (const view of set) score += probabilities.get(view)![i * classes + k];
      if (score > bestScore) [best, bestScore] = [k, score];
    }
    if (best === images.labels[i]) right++;
  }
  return right / images.count;
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
  rows: sets.map(([name, set]) => [name, String(set.length), accuracy(set).toFixed(4)]),
}));
