/**
 * What the data- and model-dependent parts of a report need: the run's splits reloaded exactly as
 * training made them (lib/train's prepareData), the saved model, and model-ready input tensors
 * made the way evaluation makes them (lib/train's ImageBatcher: same normalisation and crop).
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import type { LabeledImages } from "../data/mod.ts";
import { type LoadedModel, loadModel } from "../models/mod.ts";
import { Random } from "../random.ts";
import type { RunConfig } from "../train/config.ts";
import {
  ImageBatcher,
  type InputLayout,
  prepareData,
  type PreparedData,
  savedModelLayout,
} from "../train/pipeline.ts";
import type { RunPredictions } from "./predictions_csv.ts";

/** The run's train/val/test splits as training saw them; `dataDir` overrides the config's. */
export function loadRunData(config: RunConfig, dataDir?: string): Promise<PreparedData> {
  return prepareData({ ...config.data, dataDir: dataDir ?? config.data.dataDir }, config.seed);
}

/** A run's saved model with the input layout its evaluation used. */
export interface RunModel {
  readonly model: LoadedModel;
  readonly layout: InputLayout;
}

/** Loads `runDir/model` and the layout (shape, normalisation, centre crop) its inputs need. */
export async function loadRunModel(runDir: string, config: RunConfig): Promise<RunModel> {
  const model = await loadModel(join(runDir, "model"));
  return { model, layout: savedModelLayout(model, config) };
}

/** Model-ready inputs ([n, h, w, c]) for images `indices` of `images`, as evaluation makes them. */
export function modelInputs(
  images: LabeledImages,
  layout: InputLayout,
  indices: readonly number[],
): tf.Tensor4D {
  return new ImageBatcher(images, layout).images(indices, false, new Random(0));
}

/**
 * Why `predictions` do not belong to `test` (different count, labels or origins), or undefined
 * when they do: the report pairs images with predictions by row only after this check.
 */
export function predictionsMismatch(
  test: LabeledImages,
  predictions: RunPredictions,
): string | undefined {
  if (predictions.index.length !== test.count) {
    return `predictions.csv has ${predictions.index.length} rows but the reloaded test split has ` +
      `${test.count} images`;
  }
  for (let row = 0; row < predictions.index.length; row++) {
    const i = predictions.index[row];
    const label = test.classNames[test.labels[i]];
    if (i >= test.count || label !== predictions.classes[predictions.label[row]]) {
      return `row ${row + 1} of predictions.csv (image ${i}) has label ` +
        `'${
          predictions.classes[predictions.label[row]]
        }' but the reloaded test image is '${label}'`;
    }
    const origin = test.origins?.[i];
    if (
      origin !== undefined && predictions.origin[row] !== "" && origin !== predictions.origin[row]
    ) {
      return `row ${row + 1} of predictions.csv comes from ${predictions.origin[row]} but the ` +
        `reloaded test image ${i} comes from ${origin}`;
    }
  }
  return undefined;
}

/** Feature-extractor outputs (the embeddings) for `indices`, one vector per image. */
export function embeddings(
  run: RunModel,
  images: LabeledImages,
  indices: readonly number[],
  batchSize = 64,
): Float32Array[] {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = indices.slice(start, start + batchSize);
    const output = tf.tidy(() => {
      const x = modelInputs(images, run.layout, batch);
      return (run.model.features.predict(x) as tf.Tensor).reshape([batch.length, -1]);
    });
    const values = output.dataSync() as Float32Array;
    const width = output.shape[1] as number;
    output.dispose();
    for (let j = 0; j < batch.length; j++) vectors.push(values.slice(j * width, (j + 1) * width));
  }
  return vectors;
}
