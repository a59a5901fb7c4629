/**
 * Named augmentations for `--augment`, like timm's named policies: each is a whole AugmentConfig,
 * defined here once for the command line, the default config and the experiments.
 */
import type { AugmentConfig } from "./config.ts";

export const AUGMENT_PRESETS = {
  none: {},
  /** Keras ImageDataGenerator-style: `fer train`'s default. */
  standard: {
    horizontalFlip: 0.5,
    rotation: 10,
    widthShift: 0.1,
    heightShift: 0.1,
    zoom: 0.1,
  },
  /**
   * Khaireddin & Chen (2021)'s: random 40×40 crops of the 48×48 images (so for 40×40 models such
   * as khaireddin-vgg; evaluation takes the centre crop), flip, shifts and zoom of 0.2, rotation
   * 10°, random erasing.
   */
  khaireddin: {
    horizontalFlip: 0.5,
    widthShift: 0.2,
    heightShift: 0.2,
    rotation: 10,
    zoom: 0.2,
    crop: { type: "random", height: 40, width: 40 },
    randomErasing: { p: 0.5 },
  },
} as const satisfies Record<string, AugmentConfig>;

export type AugmentPreset = keyof typeof AUGMENT_PRESETS;

export const AUGMENT_PRESET_NAMES = Object.keys(AUGMENT_PRESETS) as AugmentPreset[];
