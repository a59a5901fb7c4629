/**
 * Loading a trained expression model for prediction, from a run folder, a model folder or the
 * default model shipped in the repository, and classifying face crops with it. Faces reach the
 * model exactly as evaluation images do: reduced to the 48×48 grey bytes every training dataset is
 * loaded as, then through lib/train's ImageBatcher (centre crop if the run trained on crops, resize
 * to the model's input, grey to RGB if needed, the model's normalisation) and predictProbabilities.
 */
import { dirname, join } from "node:path";
import { ensureBackend } from "../backend/mod.ts";
import { FER2013_SIZE, type LabeledImages, toPixels } from "../data/mod.ts";
import { FerError } from "../errors.ts";
import { type LoadedModel, loadModel } from "../models/mod.ts";
import { readJsonFile } from "../models/file_io.ts";
import type { TtaChoice } from "../train/config.ts";
import {
  ImageBatcher,
  type InputLayout,
  predictProbabilities,
  savedModelLayout,
  savedModelTta,
} from "../train/pipeline.ts";
import { modelFolder } from "../train/run_folder.ts";
import { RunFolder } from "../train/run_folder.ts";
import { findUpwards, searchRoots } from "./locate.ts";
import type { RgbaImage } from "./types.ts";

/** The name that selects the model shipped in the repository. */
export const DEFAULT_MODEL = "default";
/** Where the shipped default model lives, relative to the repository root. */
export const DEFAULT_MODEL_PATH = "models/default";

/**
 * Side of the grey images every training dataset is loaded as (FER2013, FER+, CK+48 and image
 * folders all default to 48×48×1), so a face crop is reduced to the same before the model's own
 * input pipeline sees it.
 */
export const DATASET_IMAGE_SIZE = FER2013_SIZE;

/** A loaded expression classifier and how its inputs are made. */
export interface ExpressionModel {
  /** The architecture's registry name, e.g. "mondal-shallow". */
  readonly name: string;
  /** The model folder it was loaded from. */
  readonly source: string;
  /** Class names in output order, from the model card. */
  readonly classNames: readonly string[];
  /** Input shape, normalisation and evaluation crop, as evaluation uses them. */
  readonly layout: InputLayout;
  /**
   * The test-time augmentation `classify` uses when not told: the one the model's recipe named
   * (flip for the shipped default model), else "none"; see savedModelTta.
   */
  readonly defaultTta: TtaChoice;
  /** The underlying model, for callers who need tfjs directly. */
  readonly loaded: LoadedModel;
  /**
   * Class probabilities of each face (N×K, rows in `faces` order). Each face is a crop of any
   * size, colour or grey; `tta` (default `defaultTta`) averages over test-time views as
   * `fer eval --tta` does.
   */
  classify(faces: readonly RgbaImage[], tta?: TtaChoice): Promise<Float32Array>;
  /**
   * Class probabilities (N×K) of dataset images as they are stored (e.g. FER2013's 48×48 grey
   * bytes), exactly as `fer eval` computes them; `tta` as in `classify`.
   */
  classifyImages(images: LabeledImages, tta?: TtaChoice): Promise<Float32Array>;
  /** Frees the model's weights. */
  dispose(): void;
}

/**
 * Loads the expression model at `pathOrDefault`: a run folder (its model/ and the crop its
 * training used), a model folder or model.json saved by saveModel, or "default" for the model
 * shipped in models/default/. FerError when the default model is not there, saying what to pass.
 */
export async function loadExpressionModel(
  pathOrDefault: string = DEFAULT_MODEL,
): Promise<ExpressionModel> {
  const path = pathOrDefault === DEFAULT_MODEL ? defaultModelFolder() : pathOrDefault;
  const source = modelFolder(path);
  await ensureBackend();
  const loaded = await loadModel(source);
  const runConfig = await RunFolder.readConfigIfRun(path);
  const classNames = classNamesOf(loaded, await cardFileOf(source));
  const layout = savedModelLayout(loaded, runConfig);
  const defaultTta = savedModelTta(loaded, runConfig);
  return {
    name: loaded.name,
    source,
    classNames,
    layout,
    defaultTta,
    loaded,
    classify: (faces, tta = defaultTta) => classifyFaces(loaded, layout, classNames, faces, tta),
    classifyImages: (images, tta = defaultTta) => classifyImages(loaded, layout, images, tta),
    dispose: () => loaded.dispose(),
  };
}

/**
 * The shipped default model's folder, looked for upwards from `starts` (this module's folder and
 * the working directory); FerError saying what to pass instead when it is not there.
 */
export function defaultModelFolder(starts: readonly string[] = searchRoots()): string {
  const found = findUpwards(`${DEFAULT_MODEL_PATH}/model.json`, starts);
  if (found === undefined) {
    throw new FerError(
      `the default model is not installed: ${DEFAULT_MODEL_PATH}/ (model.json, weights.bin, ` +
        "card.json) does not exist in this repository yet. Pass a trained run or model folder instead, " +
        "e.g. --model runs/<run> (the folder 'fer train' wrote) or --model path/to/model/",
    );
  }
  return found.slice(0, -"/model.json".length);
}

/**
 * A card.json beside model.json (the shipped default model has one for people to read), or
 * undefined. Its fields win over the card saved inside model.json.
 */
async function cardFileOf(modelDir: string): Promise<Record<string, unknown> | undefined> {
  const path = join(modelDir.endsWith(".json") ? dirname(modelDir) : modelDir, "card.json");
  try {
    await Deno.stat(path);
  } catch {
    return undefined;
  }
  return await readJsonFile(path);
}

/** The card's class names; a card without them gets "class 1".."class K" rather than a guess. */
function classNamesOf(loaded: LoadedModel, cardFile?: Record<string, unknown>): string[] {
  const names = (cardFile?.classNames ?? loaded.card.classNames) as unknown;
  const count = loaded.config.numClasses;
  if (Array.isArray(names) && names.length === count && names.every((n) => typeof n === "string")) {
    return names;
  }
  return Array.from({ length: count }, (_, k) => `class ${k + 1}`);
}

function classifyFaces(
  loaded: LoadedModel,
  layout: InputLayout,
  classNames: readonly string[],
  faces: readonly RgbaImage[],
  tta: TtaChoice,
): Promise<Float32Array> {
  if (faces.length === 0) return Promise.resolve(new Float32Array(0));
  const size = DATASET_IMAGE_SIZE;
  const images = new Uint8Array(faces.length * size * size);
  faces.forEach((face, i) => images.set(toPixels(face, size, size, 1), i * size * size));
  // The faces dressed as an unlabelled dataset, so evaluation's batcher can read them.
  const asDataset: LabeledImages = {
    name: "faces",
    classNames,
    height: size,
    width: size,
    channels: 1,
    count: faces.length,
    images,
    labels: new Uint8Array(faces.length),
  };
  return classifyImages(loaded, layout, asDataset, tta);
}

function classifyImages(
  loaded: LoadedModel,
  layout: InputLayout,
  images: LabeledImages,
  tta: TtaChoice,
): Promise<Float32Array> {
  if (images.count === 0) return Promise.resolve(new Float32Array(0));
  const batchSize = Math.min(64, images.count);
  return predictProbabilities(loaded.model, new ImageBatcher(images, layout), batchSize, tta);
}
