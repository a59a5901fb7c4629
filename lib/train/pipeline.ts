/**
 * From a run's data config to model-ready batches: load, deduplicate, select classes, split,
 * subsample, and turn bytes into normalised (and, for training, augmented) float batches shaped
 * for the model. `train` and `eval` both go through here, so they see images the same way.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type Augmentation,
  buildAugmentation,
  type CropConfig,
  fillBatch,
  ttaViews,
} from "../augment/mod.ts";
import {
  type DatasetSplits,
  describeProtocol,
  dropDuplicates,
  findExactDuplicates,
  findNearDuplicates,
  type LabeledImages,
  loadDataset,
  type Normalization,
  protocolSplits,
  resolveNormalization,
  selectClasses,
  stratifiedSample,
} from "../data/mod.ts";
import { UsageError } from "../errors.ts";
import type { LoadedModel } from "../models/mod.ts";
import type { Random } from "../random.ts";
import { type DataConfig, type RunConfig, TTA_CHOICES, type TtaChoice } from "./config.ts";
import { type Batcher, predictInBatches } from "./trainer.ts";

/** Image counts of one split each: train, val and, when the protocol has one, test. */
export interface SplitSizes {
  readonly train: number;
  readonly val: number;
  readonly test?: number;
}

/**
 * How many images each data step kept, for reports that set them beside a paper's (the images a
 * de-duplication removed, the split sizes).
 */
export interface DataCounts {
  /** Images of the dataset as loaded. */
  readonly loaded: number;
  readonly exactDuplicatesDropped?: number;
  readonly nearDuplicatesDropped?: number;
  /** The split sizes of the protocol, before `limit` samples each split. */
  readonly splits: SplitSizes;
  /** The split sizes the run used. */
  readonly used: SplitSizes;
}

/** The splits a run uses, with lines describing them for the log. */
export interface PreparedData {
  readonly splits: DatasetSplits;
  readonly classNames: readonly string[];
  readonly description: string[];
  readonly counts: DataCounts;
}

function splitSizes(splits: DatasetSplits): SplitSizes {
  return { train: splits.train.count, val: splits.val.count, test: splits.test?.count };
}

function countLine(name: string, ds: LabeledImages): string {
  const counts = ds.classNames.map(() => 0);
  for (const label of ds.labels) counts[label]++;
  const perClass = ds.classNames.map((c, i) => `${c} ${counts[i]}`).join(", ");
  return `  ${name.padEnd(5)} ${String(ds.count).padStart(6)} images (${perClass})`;
}

/** `stratifiedSample` when a limit is set. */
function limitImages(ds: LabeledImages, limit: number | undefined, seed: number): LabeledImages {
  return limit === undefined ? ds : stratifiedSample(ds, limit, seed);
}

/** Loads and splits the data of a run as its config says. */
export async function prepareData(data: DataConfig, seed: number): Promise<PreparedData> {
  let ds = await loadDataset(data.dataset, { dataDir: data.dataDir, vote: data.vote });
  const loaded = ds.count;
  const description = [`Data: ${ds.name}, ${ds.count} images, ${describeProtocol(data.split)}`];
  let exactDuplicatesDropped: number | undefined;
  let nearDuplicatesDropped: number | undefined;
  if (data.dropDuplicates) {
    const before = ds.count;
    ds = dropDuplicates(ds, findExactDuplicates(ds));
    exactDuplicatesDropped = before - ds.count;
    description.push(`  dropped ${exactDuplicatesDropped} exact duplicate images`);
  }
  if (data.classes) {
    const before = ds;
    ds = selectClasses(ds, data.classes);
    const left = before.classNames.filter((name) => !ds.classNames.includes(name));
    if (left.length > 0) {
      description.push(
        `  kept ${ds.classNames.length} classes (${ds.count} of ${before.count} images); left ` +
          `out: ${left.join(", ")}`,
      );
    }
  }
  if (data.dropNearDuplicates !== undefined) {
    const before = ds.count;
    ds = dropDuplicates(ds, findNearDuplicates(ds, data.dropNearDuplicates).groups);
    nearDuplicatesDropped = before - ds.count;
    description.push(
      `  dropped ${nearDuplicatesDropped} near-duplicates (similarity ≥ ${data.dropNearDuplicates})`,
    );
  }
  if (data.sample !== undefined) {
    ds = limitImages(ds, data.sample, seed + 3);
    description.push(`  a stratified sample of ${ds.count} images`);
  }
  const full = protocolSplits(ds, data.split, data.fold ?? 0);
  const splits: DatasetSplits = {
    train: limitImages(full.train, data.limit, seed),
    val: limitImages(full.val, data.limit, seed + 1),
    test: full.test ? limitImages(full.test, data.limit, seed + 2) : undefined,
  };
  if (data.limit !== undefined) {
    description.push(
      `  --limit ${data.limit}: a stratified sample of about that many images per split`,
    );
  }
  description.push(countLine("train", splits.train), countLine("val", splits.val));
  if (splits.test) description.push(countLine("test", splits.test));
  const counts: DataCounts = {
    loaded,
    exactDuplicatesDropped,
    nearDuplicatesDropped,
    splits: splitSizes(full),
    used: splitSizes(splits),
  };
  return { splits, classNames: ds.classNames, description, counts };
}

/** The run's normalisation made concrete: the model's, fixed, or measured on `train`. */
export function resolveRunNormalization(
  config: RunConfig,
  modelNormalization: Normalization,
  train: LabeledImages,
): Normalization {
  const spec = config.data.normalization;
  return spec.kind === "model" ? modelNormalization : resolveNormalization(spec, train);
}

/** How images become inputs of one model. */
export interface InputLayout {
  readonly inputShape: readonly [number, number, number];
  readonly normalization: Normalization;
  /** A training crop (e.g. random 40×40 of 48×48); evaluation then takes the centre crop. */
  readonly crop?: CropConfig;
}

/** The crop evaluation takes: the centre of a fixed-size training crop; else the whole image. */
function evaluationCrop(layout: Pick<InputLayout, "crop">) {
  const crop = layout.crop;
  return crop && crop.type !== "random-resized"
    ? { type: "center" as const, height: crop.height, width: crop.width }
    : undefined;
}

/** Ten-crop TTA cuts crops of the training crop's size, so a model trained on whole images has none. */
function ttaFits(layout: Pick<InputLayout, "crop">, tta: TtaChoice): boolean {
  return tta !== "tencrop" || evaluationCrop(layout) !== undefined;
}

/** UsageError unless `tta` fits the model (see ttaFits). */
export function checkTtaFits(layout: Pick<InputLayout, "crop">, tta: TtaChoice): void {
  if (!ttaFits(layout, tta)) {
    throw new UsageError(
      "--tta tencrop needs a model trained on fixed-size crops (a run with augment.crop); " +
        "this one sees whole images: use --tta flip",
    );
  }
}

/**
 * The layout a saved model's inputs need: its own shape and normalisation, and the crop its
 * training used, from the run's config or, for a model folder that travels without one (like the
 * shipped default model), from the recipe in its card.
 */
export function savedModelLayout(model: LoadedModel, config?: RunConfig): InputLayout {
  const [height, width, channels] = model.config.inputShape;
  return {
    inputShape: [height, width, channels],
    normalization: model.config.normalization,
    crop: savedRecipe(model, config)?.augment?.crop,
  };
}

/**
 * The test-time augmentation a saved model's recipe named for its final test (flip for the
 * shipped default model), when it fits the model; else "none". It comes from the training
 * command, not from comparing test scores.
 */
export function savedModelTta(model: LoadedModel, config?: RunConfig): TtaChoice {
  const recipe = savedRecipe(model, config);
  const tta = recipe?.tta;
  return tta !== undefined && TTA_CHOICES.includes(tta) &&
      ttaFits({ crop: recipe?.augment?.crop }, tta)
    ? tta
    : "none";
}

/** The run's config, else the recipe in the model's card (a model folder travels without one). */
function savedRecipe(model: LoadedModel, config?: RunConfig): Partial<RunConfig> | undefined {
  return config ?? model.card.recipe as Partial<RunConfig> | undefined;
}

/** Turns a split's bytes into batches for one model, augmenting when training. */
export class ImageBatcher implements Batcher {
  readonly count: number;
  readonly labels: ArrayLike<number>;
  readonly #augmentation?: Augmentation;

  constructor(
    readonly images_: LabeledImages,
    readonly layout: InputLayout,
    augment?: RunConfig["augment"],
  ) {
    this.count = images_.count;
    this.labels = images_.labels;
    this.#augmentation = augment ? buildAugmentation(augment) : undefined;
  }

  #options() {
    const [outputHeight, outputWidth, outputChannels] = this.layout.inputShape;
    return {
      outputHeight,
      outputWidth,
      outputChannels,
      normalization: this.layout.normalization,
    };
  }

  images(indices: ArrayLike<number>, training: boolean, random: Random): tf.Tensor4D {
    const [h, w, c] = this.layout.inputShape;
    if (training && this.#augmentation) {
      const target = new Float32Array(indices.length * h * w * c);
      fillBatch(target, this.images_, indices, {
        ...this.#options(),
        augment: this.#augmentation,
        rng: random,
      });
      return tf.tensor4d(target, [indices.length, h, w, c]);
    }
    return tf.tensor4d(this.views(indices, "none")[0], [indices.length, h, w, c]);
  }

  /** The test-time views of a batch (1 for none, 2 for flip, 10 for ten-crop). */
  views(indices: ArrayLike<number>, tta: TtaChoice): Float32Array[] {
    const mode = tta === "tencrop" ? "ten-crop" : tta;
    return ttaViews(this.images_, indices, mode, {
      ...this.#options(),
      crop: evaluationCrop(this.layout),
    });
  }
}

/** Class probabilities (N×K) for every image of `batcher`, averaged over the TTA views. */
export function predictProbabilities(
  model: tf.LayersModel,
  batcher: ImageBatcher,
  batchSize: number,
  tta: TtaChoice,
): Promise<Float32Array> {
  const [h, w, c] = batcher.layout.inputShape;
  return predictInBatches(
    model,
    batcher.count,
    batchSize,
    (indices) =>
      batcher.views(indices, tta).map((view) => tf.tensor4d(view, [indices.length, h, w, c])),
  );
}
