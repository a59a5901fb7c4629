/**
 * The model zoo: registered FER and standard architectures (`createModel`, `listModels`), parameter
 * and MAC counts, Keras-style summaries, saving/loading in the tfjs layers format and transfer of
 * weights between models. Importing this module registers every built-in architecture.
 *
 * Where changes go: a new architecture family is one file here that builds its variants from
 * layers.ts and registers them with `registerModels` (register.ts); options.ts checks the
 * options it declares in its `defaults` by their kind (a spec's `resolveOptions` overrides that
 * where one is checked differently); registry.ts imports it so it registers. A new layer kind goes in layers.ts.
 */
import "../backend/tfjs_mode.ts";
export type {
  CreateModelOptions,
  FamilyOptions,
  FerModel,
  InputShape,
  ModelConfig,
  ModelGraph,
  ModelSpec,
  Normalization,
  StemKind,
} from "./types.ts";
export {
  createModel,
  getModelSpec,
  listModels,
  registerModel,
  registerModels,
  resolveConfig,
} from "./registry.ts";
export { BuildContext, type Convention } from "./build_context.ts";
export { parseModelOptions } from "./options.ts";
export { makeFerModel } from "./fer_model.ts";
export { classifierLogits, type LogitsFunction } from "./logits.ts";
export {
  countMacs,
  countParams,
  type LayerMacs,
  type MacCounts,
  type ParamCounts,
} from "./count.ts";
export { formatCount, formatMacs, modelSummary } from "./summary.ts";
export { imagenetNormalization, scaleNormalization } from "./normalization.ts";
export {
  type CardScore,
  compactProvenance,
  directSources,
  type ModelCard,
  type Provenance,
  provenanceOf,
  stepsBehind,
} from "./card.ts";
export {
  fileSystemHandler,
  type LoadedModel,
  loadModel,
  modelJsonPath,
  readModelCard,
  replaceModelCard,
  saveFloat16Copy,
  saveModel,
} from "./file_io.ts";
export {
  loadWeightsInto,
  readWeights,
  type SkippedWeight,
  type TransferOptions,
  type TransferReport,
} from "./transfer.ts";
export { ChannelSlice, type ChannelSliceArgs } from "./channel_slice.ts";
export { recomputeBatchNormStatistics } from "./batch_norm.ts";
