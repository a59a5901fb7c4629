/**
 * Saving and loading models on the local file system in the tfjs layers format (model.json +
 * binary weight shards). tfjs only ships file:// handlers in tfjs-node, so this is a small
 * tf.io.IOHandler on Deno's file API, plus saveModel/loadModel that keep the registry name, the
 * config and a free-form model card in model.json's userDefinedMetadata.
 */
import * as tf from "@tensorflow/tfjs";
import { dirname, join } from "node:path";
import { DataError } from "../errors.ts";
import { makeFerModel } from "./fer_model.ts";
import type { ModelCard } from "./card.ts";
import type { FerModel, ModelConfig } from "./types.ts";

const WEIGHTS_FILE = "weights.bin";

/** `path` if it names a .json file, else `path/model.json`. */
export function modelJsonPath(path: string): string {
  return path.endsWith(".json") ? path : join(path, "model.json");
}

/** Reads and parses a JSON file; DataError naming the file when it is missing or malformed. */
export async function readJsonFile(path: string): Promise<Record<string, unknown>> {
  let text;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new DataError(`cannot read: ${(error as Error).message}`, path);
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DataError(`not valid JSON: ${(error as Error).message}`, path);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DataError("expected a JSON object", path);
  }
  return value;
}

const BYTES_PER_ELEMENT: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes the weights of `specs` occupy, or undefined when a dtype has no fixed size (strings). */
function expectedBytes(specs: tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const bytes = BYTES_PER_ELEMENT[spec.quantization?.dtype ?? spec.dtype];
    if (bytes === undefined) return undefined;
    total += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

/**
 * Reads the weight shards a manifest lists (paths relative to model.json's folder) into one
 * buffer. `source` is the model.json path, for error messages.
 */
export async function readWeightShards(
  source: string,
  manifest: tf.io.WeightsManifestConfig,
): Promise<[tf.io.WeightsManifestEntry[], ArrayBuffer]> {
  if (!Array.isArray(manifest)) throw new DataError("weightsManifest is not a list", source);
  const specs = manifest.flatMap((group) => group.weights ?? []);
  const shards: Uint8Array[] = [];
  for (const group of manifest) {
    for (const relative of group.paths ?? []) {
      const path = join(dirname(source), relative);
      try {
        shards.push(await Deno.readFile(path));
      } catch (error) {
        throw new DataError(`cannot read weight shard: ${(error as Error).message}`, path);
      }
    }
  }
  const total = shards.reduce((sum, shard) => sum + shard.byteLength, 0);
  const expected = expectedBytes(specs);
  if (expected !== undefined && expected !== total) {
    throw new DataError(
      `weight shards hold ${total} bytes but the manifest describes ${expected}`,
      source,
    );
  }
  return [specs, concatenate(shards).buffer];
}

function concatenate(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

/**
 * The same weights as IEEE half floats (tfjs's float16 quantization, which every tfjs loader turns
 * back into float32): half the bytes, about three significant digits per weight. Weights that are
 * not float32 stay as they are; one beyond half precision's range (±65504) is a DataError naming it
 * and `source`, the model.json they came from.
 */
export function float16Weights(
  specs: readonly tf.io.WeightsManifestEntry[],
  buffer: ArrayBuffer,
  source: string,
): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  const parts: Uint8Array[] = [];
  const converted: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = BYTES_PER_ELEMENT[spec.quantization?.dtype ?? spec.dtype];
    if (bytes === undefined) {
      throw new DataError(`weight ${spec.name} has no fixed size`, source);
    }
    if (spec.dtype !== "float32" || spec.quantization) {
      parts.push(new Uint8Array(buffer, offset, size * bytes));
      converted.push(spec);
    } else {
      const values = new Float32Array(buffer.slice(offset, offset + size * 4));
      const half = Float16Array.from(values);
      const overflow = half.findIndex((value, i) =>
        !Number.isFinite(value) && Number.isFinite(values[i])
      );
      if (overflow >= 0) {
        throw new DataError(
          `weight ${spec.name}: element ${overflow} is beyond float16's range`,
          source,
        );
      }
      parts.push(new Uint8Array(half.buffer));
      converted.push({ ...spec, quantization: { dtype: "float16" } });
    }
    offset += size * bytes;
  }
  return [converted, concatenate(parts).buffer];
}

/** Writes the model at `from` (a folder or model.json) to folder `to` with float16 weights. */
export async function saveFloat16Copy(from: string, to: string): Promise<void> {
  const jsonPath = modelJsonPath(from);
  const modelJson = await readJsonFile(jsonPath) as unknown as tf.io.ModelJSON;
  const [specs, buffer] = await readWeightShards(jsonPath, modelJson.weightsManifest);
  const [halfSpecs, halfBuffer] = float16Weights(specs, buffer, jsonPath);
  await Deno.mkdir(to, { recursive: true });
  // Weights first, as in fileSystemHandler.
  await Deno.writeFile(join(to, WEIGHTS_FILE), new Uint8Array(halfBuffer));
  await Deno.writeTextFile(
    modelJsonPath(to),
    JSON.stringify({
      ...modelJson,
      weightsManifest: [{ paths: [WEIGHTS_FILE], weights: halfSpecs }],
    }),
  );
}

/**
 * A tf.io.IOHandler that saves to / loads from `path` (a folder, or a .json file path) on the local
 * file system: model.json plus one `weights.bin` shard. `metadata` is merged into
 * userDefinedMetadata on save. Use as `model.save(fileSystemHandler(dir))` or
 * `tf.loadLayersModel(fileSystemHandler(dir))`.
 */
export function fileSystemHandler(
  path: string,
  metadata: Record<string, unknown> = {},
): tf.io.IOHandler {
  const jsonPath = modelJsonPath(path);
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error("fileSystemHandler saves layers models (JSON topology) only");
      }
      await Deno.mkdir(dirname(jsonPath), { recursive: true });
      const weightData = artifacts.weightData === undefined
        ? new ArrayBuffer(0)
        : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
        userDefinedMetadata: { ...artifacts.userDefinedMetadata, ...metadata } as Record<
          string,
          // deno-lint-ignore ban-types
          {}
        >,
      };
      if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
      // Weights first: a model.json on disk then always points at complete weights.
      await Deno.writeFile(join(dirname(jsonPath), WEIGHTS_FILE), new Uint8Array(weightData));
      await Deno.writeTextFile(jsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = await readJsonFile(jsonPath);
      if (modelJson.modelTopology === undefined) {
        throw new DataError("no modelTopology: not a tfjs layers model.json", jsonPath);
      }
      return tf.io.getModelArtifactsForJSON(
        modelJson as unknown as tf.io.ModelJSON,
        (manifest) => readWeightShards(jsonPath, manifest),
      );
    },
  };
}

/** What saveModel stores under userDefinedMetadata.fer. */
interface FerMetadata {
  readonly architecture: string;
  readonly config: ModelConfig;
  /** The layer whose output is the embedding, to rebuild `features` after loading. */
  readonly featuresLayer: string;
  readonly card: ModelCard;
}

/** model.json as far as its card goes. */
type ModelJsonWithCard = { userDefinedMetadata?: { fer?: Partial<FerMetadata> } };

/**
 * The card saveModel stored with the model at `path` (its folder or model.json), read from
 * model.json alone: no backend, no weights. Empty when the model has none.
 */
export async function readModelCard(path: string): Promise<ModelCard> {
  const json = await readJsonFile(modelJsonPath(path)) as ModelJsonWithCard;
  return json.userDefinedMetadata?.fer?.card ?? {};
}

/** Replaces the card stored in the model.json at `path` (its folder or model.json). */
export async function replaceModelCard(path: string, card: ModelCard): Promise<void> {
  const jsonPath = modelJsonPath(path);
  const json = await readJsonFile(jsonPath) as ModelJsonWithCard;
  const fer = json.userDefinedMetadata?.fer;
  if (!fer) throw new DataError("no fer metadata to put a card in", jsonPath);
  json.userDefinedMetadata = { ...json.userDefinedMetadata, fer: { ...fer, card } };
  await Deno.writeTextFile(jsonPath, JSON.stringify(json));
}

/** A model read back by loadModel, with the card it was saved with. */
export interface LoadedModel extends FerModel {
  readonly card: ModelCard;
}

/**
 * Saves `fer` to `dir` (model.json + weights.bin) with its registry name, config and `card`
 * (lib/models/card.ts: what the weights are and how they came to be). Returns the model.json path.
 */
export async function saveModel(
  fer: FerModel,
  dir: string,
  card: ModelCard = {},
): Promise<string> {
  const embedding = fer.features.outputs[0];
  const metadata: FerMetadata = {
    architecture: fer.name,
    config: fer.config,
    featuresLayer: embedding.sourceLayer.name,
    card,
  };
  await fer.model.save(fileSystemHandler(dir, { fer: metadata }));
  return modelJsonPath(dir);
}

/**
 * Loads a model saved by saveModel (`path`: its folder or model.json), custom layers included, and
 * rebuilds its feature extractor. A DataError names the file when it is not such a model.
 */
export async function loadModel(path: string): Promise<LoadedModel> {
  const jsonPath = modelJsonPath(path);
  const model = await tf.loadLayersModel(fileSystemHandler(jsonPath));
  const metadata = (model.getUserDefinedMetadata() as { fer?: FerMetadata } | undefined)?.fer;
  const valid = metadata !== undefined && typeof metadata.architecture === "string" &&
    typeof metadata.config === "object" && typeof metadata.featuresLayer === "string";
  if (!valid) {
    model.dispose();
    throw new DataError(
      "no fer metadata (userDefinedMetadata.fer): not saved by saveModel; load its weights with " +
        "readWeights + loadWeightsInto instead",
      jsonPath,
    );
  }
  let embeddingLayer;
  try {
    embeddingLayer = model.getLayer(metadata.featuresLayer);
  } catch {
    model.dispose();
    throw new DataError(`featuresLayer '${metadata.featuresLayer}' is not in the model`, jsonPath);
  }
  const fer = makeFerModel(
    metadata.architecture,
    metadata.config,
    model,
    embeddingLayer.output as tf.SymbolicTensor,
  );
  return { ...fer, card: metadata.card ?? {} };
}
