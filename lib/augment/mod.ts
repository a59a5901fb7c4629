/**
 * CPU image augmentation over typed arrays, with Keras `ImageDataGenerator` and torchvision
 * semantics: a typed `AugmentConfig`, `buildAugmentation` for single images, `fillBatch` for
 * training batches straight from dataset bytes, and `ttaViews` for test-time augmentation. All
 * randomness comes from a seeded `Random`.
 * @module
 */
export {
  type Affine,
  compose,
  type CropBox,
  cropResizeMap,
  horizontalFlipMap,
  IDENTITY,
} from "./affine.ts";
export { type BatchLayout, type BatchOptions, fillBatch } from "./batch.ts";
export { AUGMENT_PRESET_NAMES, AUGMENT_PRESETS, type AugmentPreset } from "./presets.ts";
export {
  centerCropBox,
  fiveCropBoxes,
  randomCropBox,
  randomErasingBox,
  randomResizedCropBox,
  type Range,
} from "./boxes.ts";
export {
  type AugmentConfig,
  type CropConfig,
  isAugmenting,
  type RandomErasingConfig,
  resolveAugmentConfig,
  type ResolvedAugmentConfig,
} from "./config.ts";
export { centerCrop, crop, fiveCrop, tenCrop, tenCropMaps } from "./crops.ts";
export { eraseInto, type ErasingValue } from "./erase.ts";
export {
  affineMap,
  type AffineParameters,
  affineTransform,
  NO_AFFINE,
  sampleAffineParameters,
} from "./geometric.ts";
export {
  createImage,
  type FloatImage,
  imageFromValues,
  type ImageSource,
  type Size,
} from "./image.ts";
export {
  type Normalization,
  normalizationTransform,
  normalize,
  UNIT_SCALING,
} from "./normalize.ts";
export { type Augmentation, type AugmentPlan, buildAugmentation } from "./pipeline.ts";
export {
  EDGE_BILINEAR,
  FILL_MODES,
  type FillMode,
  type Interpolation,
  INTERPOLATIONS,
  type Sampling,
  warpImage,
} from "./resample.ts";
export { grayscaleToRgb, horizontalFlip, resize } from "./transforms.ts";
export {
  averageViews,
  TTA_MODES,
  ttaMaps,
  type TtaMode,
  type TtaOptions,
  ttaViewCount,
  ttaViews,
  viewsFromMaps,
} from "./tta.ts";
