/**
 * Applying a pixel normalisation (the type and its validation live in lib/data/normalization.ts):
 * `{kind: "scale"}` is x / 255, `{kind: "mean-std"}` is (x / 255 - mean[c]) / std[c].
 */
import { checkNormalization, type Normalization } from "../data/normalization.ts";
import { checkImage, type FloatImage } from "./image.ts";
import type { ChannelTransform } from "./resample.ts";

export type { Normalization };

/** Bytes scaled to 0..1 and nothing else. */
export const UNIT_SCALING: Normalization = { kind: "scale" };

/**
 * The per-channel scale and bias that normalise a pixel given in units where `maxValue` is
 * white: value·scale + bias = (value / maxValue - mean) / std.
 */
export function normalizationTransform(
  normalization: Normalization,
  channels: number,
  maxValue = 255,
): ChannelTransform {
  const checked = checkNormalization(normalization, channels);
  const scale = new Float64Array(channels);
  const bias = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = checked.kind === "scale" ? 0 : checked.mean[c];
    const std = checked.kind === "scale" ? 1 : checked.std[c];
    scale[c] = 1 / (maxValue * std);
    bias[c] = -mean / std;
  }
  return { scale, bias };
}

/** A normalised copy of `image`, whose values are in units where `maxValue` is white. */
export function normalize(
  image: FloatImage,
  normalization: Normalization,
  maxValue = 255,
): FloatImage {
  checkImage(image);
  const { scale, bias } = normalizationTransform(normalization, image.channels, maxValue);
  const data = new Float32Array(image.data.length);
  for (let i = 0; i < data.length; i++) {
    const c = i % image.channels;
    data[i] = image.data[i] * scale[c] + bias[c];
  }
  return { ...image, data };
}
