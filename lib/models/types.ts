/**
 * The shapes the model zoo speaks in: what a registered architecture declares (ModelSpec), the
 * configuration a model is built with (ModelConfig) and what `createModel` hands back (FerModel).
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext, Convention } from "./build_context.ts";

/** Height, width, channels of one input image (NHWC without the batch). */
export type InputShape = readonly [height: number, width: number, channels: number];

import type { Normalization } from "../data/normalization.ts";
export type { Normalization };

/**
 * The first layers of the torchvision-style families. `small` is a stride-1 3×3 convolution with no
 * max-pool (for FER-sized inputs, ≤ 64 px); `imagenet` is the original stem (e.g. ResNet's 7×7/2
 * convolution and 3×3/2 max-pool); `auto` picks `small` up to 64 px and `imagenet` above.
 */
export type StemKind = "auto" | "small" | "imagenet";

/**
 * Options a family may accept. A family accepts exactly the keys present in its spec's `defaults`
 * (anything else is a usage error that lists what it does accept); their values are checked by
 * kind (`resolveFamilyOptions` in options.ts, or the spec's own `resolveOptions`).
 */
export interface FamilyOptions {
  /** Dropout rate in the classifier head (0 removes the layer). */
  readonly dropout?: number;
  /** Dropout rate after the convolution blocks (0 removes the layer). */
  readonly convDropout?: number;
  /** L2 weight-decay factor added to the loss for the kernels the family regularises. */
  readonly l2?: number;
  /** Channel width multiplier (MobileNetV2, ShuffleNetV2). */
  readonly widthMultiplier?: number;
  /** Batch normalisation after every convolution (VGG). */
  readonly batchNorm?: boolean;
  /** Stem for the torchvision-style families; stored resolved ("small" or "imagenet"). */
  readonly stem?: StemKind;
}

/** Everything a model is built from; saved with the weights so the model can be rebuilt. */
export interface ModelConfig extends FamilyOptions {
  readonly inputShape: InputShape;
  readonly numClasses: number;
  readonly normalization: Normalization;
  /** Seed of the weight initialisers: equal seeds give equal initial weights. */
  readonly seed: number;
}

/** What `createModel` accepts: any config field, the rest comes from the spec's defaults. */
export interface CreateModelOptions extends Partial<ModelConfig> {
  /**
   * `zeros` skips random initialisation of the kernels (it costs seconds for the big dense
   * layers on the cpu backend); for counting parameters or when weights are loaded right after.
   */
  readonly init?: "random" | "zeros";
}

/** The two tensors a family's builder returns; `createModel` turns them into two tf.models. */
export interface ModelGraph {
  /** The embedding: the input of the final classification layer. */
  readonly embedding: tf.SymbolicTensor;
  /** Class probabilities (softmax). */
  readonly probabilities: tf.SymbolicTensor;
}

/** A registered architecture variant: its defaults, its provenance and how to build it. */
export interface ModelSpec {
  /** The registry and CLI name, e.g. "resnet18". */
  readonly name: string;
  /** One line for `fer models`. */
  readonly description: string;
  /** Where the architecture comes from. */
  readonly paper: string;
  /** Initialisers, BN settings and padding of the original framework (see Convention). */
  readonly convention: Convention;
  /** Input shape, classes and every family option with its default value. */
  readonly defaults: FamilyOptions & {
    readonly inputShape: InputShape;
    readonly numClasses: number;
  };
  /** The input normalisation the model expects for a given channel count. */
  normalization(channels: number): Normalization;
  /** Smallest height/width the layer graph accepts with `config` (it may depend on the stem). */
  minInputSize(config: ModelConfig): number;
  /** Channel counts the architecture accepts (e.g. [1, 3]). */
  readonly channels: readonly number[];
  /**
   * Checks the family's options (the keys of `defaults` besides inputShape and numClasses, as
   * merged over the defaults) and returns those it resolves (e.g. `stem: "auto"` made concrete
   * for `inputShape`); a bad one is a UsageError naming `name` and the option. Left out, it is
   * `resolveFamilyOptions` (options.ts), which checks every FamilyOptions field by its kind: a
   * family sets its own only for an option that is checked differently or not a FamilyOptions one.
   */
  resolveOptions?(options: FamilyOptions, inputShape: InputShape, name: string): FamilyOptions;
  /** Adds the layers to `input` and returns the embedding and probabilities. */
  build(input: tf.SymbolicTensor, context: BuildContext): ModelGraph;
}

/** A built model: the classifier, its feature extractor (same layers, same weights) and config. */
export interface FerModel {
  /** The registry name, e.g. "mondal-deep". */
  readonly name: string;
  /** The resolved configuration the model was built with. */
  readonly config: ModelConfig;
  /** Image → class probabilities. */
  readonly model: tf.LayersModel;
  /** Image → embedding (the input of the final classification layer); shares `model`'s layers. */
  readonly features: tf.LayersModel;
  /** Frees the weights of both models (they are the same variables). */
  dispose(): void;
}
