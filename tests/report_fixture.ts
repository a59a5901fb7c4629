/**
 * Run folders for the report tests, made the way a training run makes them but in seconds: a
 * synthetic FER2013-format CSV as the dataset, a tiny model (chen-ckplus on 48×48 grey) with only
 * its head fitted, saved with saveModel, its real predictions on the test split
 * (predictions.csv, metrics.json with and without flip TTA, metrics-val.json), and a made-up
 * history.csv.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";
import { FER2013_CLASSES, syntheticImages, writeFer2013Csv } from "../lib/data/mod.ts";
import { type EvaluationMetrics, evaluationMetrics } from "../lib/metrics/mod.ts";
import { createModel, saveModel } from "../lib/models/mod.ts";
import { Random, routeMathRandom } from "../lib/random.ts";
import type { RunConfig } from "../lib/train/config.ts";
import { ImageBatcher, predictProbabilities, prepareData } from "../lib/train/pipeline.ts";
import { historyCsv } from "../lib/train/run_folder.ts";
import { predictionsCsv } from "../lib/train/eval_run.ts";
import type { LabeledImages } from "../lib/data/mod.ts";

/** The three classes of the fixture runs, a subset of FER2013's seven. */
export const FIXTURE_CLASSES = ["angry", "happy", "sad"];

/** Writes a synthetic FER2013-format CSV (7 classes, official usages) and returns its path. */
export async function writeFixtureDataset(dir: string): Promise<string> {
  const usage = (i: number) => i % 10 < 6 ? "Training" : i % 10 < 8 ? "PublicTest" : "PrivateTest";
  const ds = syntheticImages({
    count: 420,
    classNames: FER2013_CLASSES,
    usage,
    seed: 3,
    noise: 120,
  });
  const path = join(dir, "synthetic_fer2013.csv");
  await writeFer2013Csv(ds, path);
  return path;
}

/** Options for makeFixtureRun. */
export interface FixtureRunOptions {
  readonly optimizer?: "adam" | "sgd";
  /** Seeds the weights, so runs with different seeds predict differently. */
  readonly seed?: number;
  /** More fields for the model card. */
  readonly card?: Record<string, unknown>;
}

/** The config.json of a fixture run. */
export function fixtureConfig(dataset: string, options: FixtureRunOptions = {}): RunConfig {
  return {
    name: "report-test",
    seed: options.seed ?? 0,
    backend: "cpu",
    model: { name: "chen-ckplus", options: { inputShape: [48, 48, 1] } },
    data: {
      dataset,
      classes: FIXTURE_CLASSES,
      split: { kind: "official" },
      normalization: { kind: "model" },
    },
    optimizer: { name: options.optimizer ?? "adam", lr: 1e-3 },
    schedule: {
      epochs: 6,
      batchSize: 16,
      lr: { kind: "constant" },
      checkpointMonitor: "val_accuracy",
    },
    augment: {},
    tta: "flip",
  };
}

/**
 * Fits only the last (dense) layer for a few epochs: backpropagating through the convolutions on
 * the cpu backend takes minutes, and a fitted head is enough to give a mix of right and wrong
 * answers.
 */
async function fitHead(
  model: tf.LayersModel,
  train: ImageBatcher,
  classes: number,
  options: FixtureRunOptions,
): Promise<void> {
  model.layers.forEach((layer, i) => layer.trainable = i === model.layers.length - 1);
  const all = Array.from({ length: train.count }, (_, i) => i);
  const x = train.images(all, false, new Random(0));
  const y = tf.oneHot(tf.tensor1d(Array.from(train.labels), "int32"), classes).toFloat();
  model.compile({
    optimizer: tf.train.adam(options.optimizer === "sgd" ? 3e-3 : 1e-2),
    loss: "categoricalCrossentropy",
  });
  await model.fit(x, y, { epochs: 4, batchSize: 32, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
  model.layers.forEach((layer) => layer.trainable = true);
}

/** What makeFixtureRun made, for the tests to compare against. */
export interface FixtureRun {
  readonly dir: string;
  readonly config: RunConfig;
  readonly test: EvaluationMetrics;
  readonly testFlip: EvaluationMetrics;
  readonly val: EvaluationMetrics;
}

/**
 * A complete run folder at `dir` over the CSV at `dataset` (see the module notes). The history is
 * made up around the real validation accuracy; the best epoch is 4 of 6.
 */
export async function makeFixtureRun(
  dir: string,
  dataset: string,
  options: FixtureRunOptions = {},
): Promise<FixtureRun> {
  await tf.setBackend("cpu");
  await Deno.mkdir(dir, { recursive: true });
  const config = fixtureConfig(dataset, options);
  const { splits, classNames } = await prepareData(config.data, config.seed);
  const restore = routeMathRandom(new Random(config.seed));
  const fer = createModel("chen-ckplus", {
    inputShape: [48, 48, 1],
    numClasses: classNames.length,
    seed: config.seed,
  });
  restore();
  const layout = {
    inputShape: [48, 48, 1] as const,
    normalization: { kind: "scale" as const },
  };
  await fitHead(fer.model, new ImageBatcher(splits.train, layout), classNames.length, options);

  const evaluate = async (images: LabeledImages, split: string, tta: "none" | "flip") => {
    const probabilities = await predictProbabilities(
      fer.model,
      new ImageBatcher(images, layout),
      32,
      tta,
    );
    const metrics = evaluationMetrics({
      dataset,
      split,
      tta,
      classes: classNames,
      yTrue: images.labels,
      probabilities,
    });
    return { metrics, probabilities };
  };
  const test = await evaluate(splits.test!, "test", "none");
  const testFlip = await evaluate(splits.test!, "test", "flip");
  const val = await evaluate(splits.val, "validation", "none");
  const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
  await Deno.writeTextFile(join(dir, "config.json"), json(config));
  await Deno.writeTextFile(join(dir, "metrics.json"), json(test.metrics));
  await Deno.writeTextFile(join(dir, "metrics-test-flip.json"), json(testFlip.metrics));
  await Deno.writeTextFile(join(dir, "metrics-val.json"), json(val.metrics));
  await Deno.writeTextFile(
    join(dir, "predictions.csv"),
    predictionsCsv(splits.test!, test.probabilities),
  );
  const bestAccuracy = val.metrics.accuracy;
  const history = Array.from({ length: 6 }, (_, epoch) => ({
    epoch,
    loss: 1.2 / (epoch + 1),
    accuracy: Math.min(1, 0.4 + 0.1 * epoch),
    val_loss: 1.1 / (epoch + 1) + (epoch > 3 ? 0.1 : 0),
    val_accuracy: epoch === 3 ? bestAccuracy : bestAccuracy * (0.7 + 0.04 * epoch),
    lr: epoch < 4 ? 1e-3 : 5e-4,
    seconds: 1.5,
  }));
  await Deno.writeTextFile(join(dir, "history.csv"), historyCsv(history));
  await saveModel(fer, join(dir, "model"), {
    classNames,
    normalization: { kind: "scale" },
    dataset,
    bestEpoch: 4,
    selectedBy: "val_accuracy on the validation split",
    ...options.card,
  });
  fer.dispose();
  return { dir, config, test: test.metrics, testFlip: testFlip.metrics, val: val.metrics };
}
