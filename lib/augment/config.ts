/**
 * The augmentation recipe as a typed config, and its validation. Every field is optional and off
 * by default; `resolveAugmentConfig` fills defaults and rejects bad values with a `UsageError`
 * naming the field, since configs come from the command line or a config file.
 */
import { unknownChoice, UsageError } from "../errors.ts";
import type { Range } from "./boxes.ts";
import type { ErasingValue } from "./erase.ts";
import type { AffineRanges } from "./geometric.ts";
import {
  FILL_MODES,
  type FillMode,
  type Interpolation,
  INTERPOLATIONS,
  type Sampling,
} from "./resample.ts";

/** Which crop, if any, is taken before resizing to the output size. */
export type CropConfig =
  /** torchvision `RandomResizedCrop`: random area fraction and aspect ratio (width / height). */
  | {
    readonly type: "random-resized";
    /** Area fraction range, default [0.08, 1]. */
    readonly scale?: Range;
    /** Aspect-ratio range, default [3/4, 4/3]. */
    readonly ratio?: Range;
  }
  /** torchvision `RandomCrop`: a fixed-size crop at a random position. */
  | { readonly type: "random"; readonly height: number; readonly width: number }
  /** torchvision `CenterCrop`. */
  | { readonly type: "center"; readonly height: number; readonly width: number };

/** torchvision `RandomErasing` settings. */
export interface RandomErasingConfig {
  /** Probability of erasing, default 0.5. */
  readonly p?: number;
  /** Area fraction range, default [0.02, 0.33]. */
  readonly scale?: Range;
  /** Aspect-ratio range (height / width, torchvision's), default [0.3, 3.3]. */
  readonly ratio?: Range;
  /** Fill, default 0 (see `ErasingValue`). */
  readonly value?: ErasingValue;
}

/**
 * A training augmentation recipe. The geometric parts (flip, rotation, shift, shear, zoom,
 * crop, resize) become one affine map and one resampling; erasing follows.
 */
export interface AugmentConfig {
  /** Probability of a horizontal flip (Keras' `horizontal_flip=True` is 0.5). */
  readonly horizontalFlip?: number;
  /** Keras `rotation_range`: rotate by U(-r, r) degrees, 0..180. */
  readonly rotation?: number;
  /**
   * Keras `width_shift_range`, as a fraction of the width, 0..1 (1 is the whole width; Keras
   * reads values ≥ 1 as pixels). Shifts horizontally, as Keras documents; its
   * ImageDataGenerator code draws the horizontal shift from the height range (tf-keras#310).
   */
  readonly widthShift?: number;
  /** Keras `height_shift_range`, as a fraction of the height, 0..1. */
  readonly heightShift?: number;
  /** Keras `shear_range` in degrees, 0..<90. */
  readonly shear?: number;
  /** Keras `zoom_range`: z means [1-z, 1+z]; a pair is [low, high]; < 1 magnifies. */
  readonly zoom?: number | Range;
  /** Keras `fill_mode`, default "nearest". */
  readonly fillMode?: FillMode;
  /** Keras `cval` for fillMode "constant", in source pixel units (0..255), default 0. */
  readonly fillValue?: number;
  /** Resampling, default "bilinear" (Keras' `interpolation_order=1`). */
  readonly interpolation?: Interpolation;
  /** A crop taken after the affine transform and before resizing to the output size. */
  readonly crop?: CropConfig;
  /** Erase a random patch of the output (after normalisation in a training batch). */
  readonly randomErasing?: RandomErasingConfig;
}

/** A validated config with every default filled in. */
export interface ResolvedAugmentConfig extends AffineRanges {
  readonly sampling: Sampling;
  readonly crop?: Required<CropConfig>;
  readonly randomErasing?: Required<RandomErasingConfig>;
}

/** The keys of an AugmentConfig (a --config file's `augment` is checked against these too). */
export const CONFIG_KEYS = [
  "horizontalFlip",
  "rotation",
  "widthShift",
  "heightShift",
  "shear",
  "zoom",
  "fillMode",
  "fillValue",
  "interpolation",
  "crop",
  "randomErasing",
] as const satisfies readonly (keyof AugmentConfig)[];

/** The crop types, each with its keys besides `type`. */
export const CROP_KEYS = {
  "random-resized": ["scale", "ratio"],
  random: ["height", "width"],
  center: ["height", "width"],
} as const satisfies Record<CropConfig["type"], readonly string[]>;

/** The keys of a RandomErasingConfig. */
export const ERASING_KEYS = [
  "p",
  "scale",
  "ratio",
  "value",
] as const satisfies readonly (keyof RandomErasingConfig)[];

/** Validates `config` and fills in defaults. */
export function resolveAugmentConfig(config: AugmentConfig): ResolvedAugmentConfig {
  checkKeys(config, CONFIG_KEYS, "augment");
  const fillMode = config.fillMode ?? "nearest";
  if (!FILL_MODES.includes(fillMode)) throw unknownChoice("fill mode", fillMode, FILL_MODES);
  const interpolation = config.interpolation ?? "bilinear";
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw unknownChoice("interpolation", interpolation, INTERPOLATIONS);
  }
  return {
    horizontalFlip: number(config.horizontalFlip ?? 0, "augment.horizontalFlip", 0, 1),
    rotation: number(config.rotation ?? 0, "augment.rotation", 0, 180),
    widthShift: number(config.widthShift ?? 0, "augment.widthShift", 0, 1),
    heightShift: number(config.heightShift ?? 0, "augment.heightShift", 0, 1),
    shear: number(config.shear ?? 0, "augment.shear", 0, 89.999),
    zoom: resolveZoom(config.zoom ?? 0),
    sampling: {
      fillMode,
      fillValue: number(config.fillValue ?? 0, "augment.fillValue", -Infinity, Infinity),
      interpolation,
    },
    crop: config.crop === undefined ? undefined : resolveCrop(config.crop),
    randomErasing: config.randomErasing === undefined
      ? undefined
      : resolveErasing(config.randomErasing),
  };
}

/** Whether `config` changes training images at all (`{}`, what `--augment none` gives, does not). */
export function isAugmenting(config: AugmentConfig): boolean {
  const r = resolveAugmentConfig(config);
  return r.horizontalFlip > 0 || r.rotation > 0 || r.widthShift > 0 || r.heightShift > 0 ||
    r.shear > 0 || r.zoom[0] !== 1 || r.zoom[1] !== 1 || r.crop !== undefined ||
    r.randomErasing !== undefined;
}

function resolveZoom(zoom: number | Range): readonly [number, number] {
  if (typeof zoom === "number") {
    const z = number(zoom, "augment.zoom", 0, 0.999);
    return [1 - z, 1 + z];
  }
  return range(zoom, "augment.zoom", 1e-3, 100);
}

function resolveCrop(crop: CropConfig): Required<CropConfig> {
  const types = Object.keys(CROP_KEYS);
  if (crop === null || typeof crop !== "object" || !types.includes(crop.type)) {
    throw unknownChoice("crop type", String((crop as { type?: unknown })?.type), types);
  }
  checkKeys(crop, ["type", ...CROP_KEYS[crop.type]], "augment.crop");
  if (crop.type === "random-resized") {
    return {
      type: crop.type,
      scale: range(crop.scale ?? [0.08, 1], "augment.crop.scale", 1e-6, 1),
      ratio: range(crop.ratio ?? [3 / 4, 4 / 3], "augment.crop.ratio", 1e-3, 1e3),
    };
  }
  return {
    type: crop.type,
    height: positiveInteger(crop.height, "augment.crop.height"),
    width: positiveInteger(crop.width, "augment.crop.width"),
  };
}

function resolveErasing(erasing: RandomErasingConfig): Required<RandomErasingConfig> {
  checkKeys(erasing, ERASING_KEYS, "augment.randomErasing");
  const value = erasing.value ?? 0;
  const valueIsValid = value === "random" || Number.isFinite(value) ||
    (Array.isArray(value) && value.length > 0 && value.every(Number.isFinite));
  if (!valueIsValid) {
    throw new UsageError(
      `augment.randomErasing.value must be a number, a list of numbers or "random", got ` +
        JSON.stringify(value),
    );
  }
  return {
    p: number(erasing.p ?? 0.5, "augment.randomErasing.p", 0, 1),
    scale: range(erasing.scale ?? [0.02, 0.33], "augment.randomErasing.scale", 1e-6, 1),
    ratio: range(erasing.ratio ?? [0.3, 3.3], "augment.randomErasing.ratio", 1e-3, 1e3),
    value,
  };
}

function number(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < min || value > max) {
    const bounds = Number.isFinite(min) ? ` in ${min}..${max}` : "";
    throw new UsageError(`${field} must be a number${bounds}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function range(value: unknown, field: string, min: number, max: number): readonly [number, number] {
  if (!Array.isArray(value) || value.length !== 2) {
    throw new UsageError(`${field} must be a [low, high] pair, got ${JSON.stringify(value)}`);
  }
  const low = number(value[0], `${field}[0]`, min, max);
  const high = number(value[1], `${field}[1]`, min, max);
  if (low > high) throw new UsageError(`${field} has low ${low} above high ${high}`);
  return [low, high];
}

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new UsageError(`${field} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkKeys(object: object, known: readonly string[], where: string): void {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    throw new UsageError(`${where} must be an object, got ${JSON.stringify(object)}`);
  }
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) throw unknownChoice(`${where} option`, key, known);
  }
}
