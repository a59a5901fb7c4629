/**
 * Test-time augmentation: several deterministic views of each evaluation image. The model scores
 * every view and the caller averages the class probabilities over views (`averageViews`).
 *
 * - "none":     one view, the image (centre-cropped first when `crop` is given);
 * - "flip":     that view and its mirror image;
 * - "ten-crop": torchvision's `TenCrop` with `crop` size: four corners and the centre, then the
 *   same five of the mirror image (e.g. ten 40×40 crops of a 48×48 image).
 * Each view is resized to the output size if it differs, then normalised like a training batch.
 */
import { DataError, unknownChoice, UsageError } from "../errors.ts";
import { type Affine, compose, cropResizeMap, horizontalFlipMap } from "./affine.ts";
import { centerCropBox, wholeImage } from "./boxes.ts";
import { type BatchLayout, batchWriter } from "./batch.ts";
import { tenCropMaps } from "./crops.ts";
import type { ImageSource, Size } from "./image.ts";
import { EDGE_BILINEAR, warpInto } from "./resample.ts";

/** The test-time augmentations on offer. */
export type TtaMode = "none" | "flip" | "ten-crop";
/** Every TTA mode, for validating options. */
export const TTA_MODES: readonly TtaMode[] = ["none", "flip", "ten-crop"];

/** The batch layout plus the crop size the views are cut at. */
export interface TtaOptions extends BatchLayout {
  /** Crop size: a centre crop for "none" and "flip", required for "ten-crop". */
  readonly crop?: Size;
}

/** How many views `mode` makes of each image. */
export function ttaViewCount(mode: TtaMode): number {
  return viewCounts[checkMode(mode)];
}

const viewCounts: Record<TtaMode, number> = { "none": 1, "flip": 2, "ten-crop": 10 };

/** The map (output pixel → source point) of each view, in view order. */
export function ttaMaps(mode: TtaMode, input: Size, output: Size, crop?: Size): Affine[] {
  checkMode(mode);
  if (mode === "ten-crop") {
    if (crop === undefined) throw new UsageError('TTA "ten-crop" needs a crop size');
    return tenCropMaps(input, crop, output);
  }
  const box = crop === undefined ? wholeImage(input) : centerCropBox(input, crop);
  const plain = cropResizeMap(box, output.height, output.width);
  return mode === "none" ? [plain] : [plain, compose(horizontalFlipMap(input.width), plain)];
}

/**
 * The views of images `indices` of `source`: one float32 N×H×W×C array per view, in the order of
 * `ttaMaps`, normalised as `options.normalization` says.
 */
export function ttaViews(
  source: ImageSource,
  indices: ArrayLike<number>,
  mode: TtaMode,
  options: TtaOptions,
): Float32Array[] {
  const output = { height: options.outputHeight, width: options.outputWidth };
  return viewsFromMaps(source, indices, ttaMaps(mode, source, output, options.crop), options);
}

/**
 * One view per map (output pixel → source point) of images `indices` of `source`: a float32
 * N×H×W×C array each, in the order of `maps`, sampled bilinearly with edge clamping and
 * normalised as `layout.normalization` says. `ttaViews` uses it with `ttaMaps`; benchmarks of
 * other views pass their own maps.
 */
export function viewsFromMaps(
  source: ImageSource,
  indices: ArrayLike<number>,
  maps: readonly Affine[],
  layout: BatchLayout,
): Float32Array[] {
  const imageLength = layout.outputHeight * layout.outputWidth * layout.outputChannels;
  return maps.map((map) => {
    const target = new Float32Array(indices.length * imageLength);
    const view = batchWriter(target, source, indices, layout);
    for (let i = 0; i < indices.length; i++) {
      warpInto(view.source(indices[i]), view.target(i), map, EDGE_BILINEAR, view.transform);
    }
    return target;
  });
}

/** The element-wise mean of equally shaped arrays, e.g. each view's N×K probabilities. */
export function averageViews(views: readonly Float32Array[]): Float32Array {
  if (views.length === 0) throw new DataError("no views to average");
  const mean = new Float32Array(views[0].length);
  for (const view of views) {
    if (view.length !== mean.length) {
      throw new DataError(`views differ in length: ${view.length} vs ${mean.length}`);
    }
    for (let i = 0; i < mean.length; i++) mean[i] += view[i];
  }
  for (let i = 0; i < mean.length; i++) mean[i] /= views.length;
  return mean;
}

function checkMode(mode: TtaMode): TtaMode {
  if (!TTA_MODES.includes(mode)) throw unknownChoice("TTA mode", mode, TTA_MODES);
  return mode;
}
