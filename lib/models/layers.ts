/**
 * The layer helpers every family builds with. Each adds one layer (or a small fixed group) to a
 * symbolic tensor, taking names, initialisers, regularisers and padding conventions from the
 * BuildContext, so the families only say what their papers say.
 */
import { BatchNormalization } from "./batch_norm.ts";
import * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";

type Tensor = tf.SymbolicTensor;

function apply(layer: tf.layers.Layer, input: Tensor | Tensor[]): Tensor {
  return layer.apply(input) as Tensor;
}

/** Options of a 2-D convolution. */
export interface ConvOptions {
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides?: number;
  /** "same" keeps ceil(size / stride); "valid" does not pad. Default "same". */
  readonly padding?: "same" | "valid";
  readonly activation?: "relu" | "linear";
  /** Default true (Keras and PyTorch default); torchvision turns it off before BN. */
  readonly useBias?: boolean;
  /** Layer name; a Keras auto name ("conv2d", "conv2d_1", ...) when absent. */
  readonly name?: string;
  /** L2 factor for the kernel; the config's `l2` when absent. */
  readonly l2?: number;
}

/**
 * tfjs "same" padding puts the odd pixel of a strided convolution at the bottom/right, PyTorch pads
 * both sides equally; torch-convention families pad explicitly so converted weights see the same
 * pixels as in PyTorch.
 */
function padForStride(
  context: BuildContext,
  input: Tensor,
  kernelSize: number,
  strides: number,
  padding: "same" | "valid",
  name: string,
): [Tensor, "same" | "valid"] {
  if (context.convention === "torch" && padding === "same" && strides > 1 && kernelSize > 1) {
    return [zeroPad(context, input, (kernelSize - 1) / 2, `${name}_pad`), "valid"];
  }
  return [input, padding];
}

/** A 2-D convolution. */
export function conv2d(context: BuildContext, input: Tensor, options: ConvOptions): Tensor {
  const name = context.nameOr(options.name, "conv2d");
  const strides = options.strides ?? 1;
  const [padded, padding] = padForStride(
    context,
    input,
    options.kernelSize,
    strides,
    options.padding ?? "same",
    name,
  );
  return apply(
    tf.layers.conv2d({
      name,
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides,
      padding,
      activation: options.activation ?? "linear",
      useBias: options.useBias ?? true,
      kernelInitializer: context.convInitializer(),
      kernelRegularizer: context.regularizer(options.l2),
    }),
    padded,
  );
}

/** A depthwise 3×3-style convolution (one filter per input channel). */
export function depthwiseConv2d(
  context: BuildContext,
  input: Tensor,
  options: { kernelSize: number; strides?: number; useBias?: boolean; name?: string },
): Tensor {
  const name = context.nameOr(options.name, "depthwise_conv2d");
  const strides = options.strides ?? 1;
  const [padded, padding] = padForStride(
    context,
    input,
    options.kernelSize,
    strides,
    "same",
    name,
  );
  return apply(
    tf.layers.depthwiseConv2d({
      name,
      kernelSize: options.kernelSize,
      strides,
      padding,
      depthMultiplier: 1,
      useBias: options.useBias ?? true,
      depthwiseInitializer: context.convInitializer(),
      depthwiseRegularizer: context.regularizer(),
    }),
    padded,
  );
}

/** Batch normalisation over channels, with the family's epsilon and momentum. */
export function batchNorm(context: BuildContext, input: Tensor, name?: string): Tensor {
  return apply(
    new BatchNormalization({
      name: context.nameOr(name, "batch_normalization"),
      axis: -1,
      ...context.batchNormSettings(),
    }),
    input,
  );
}

/** ReLU, or ReLU6 when `maxValue` is 6 (MobileNetV2). */
export function relu(
  context: BuildContext,
  input: Tensor,
  name?: string,
  maxValue?: number,
): Tensor {
  return apply(tf.layers.reLU({ name: context.nameOr(name, "re_lu"), maxValue }), input);
}

/** A fully connected layer. */
export function dense(
  context: BuildContext,
  input: Tensor,
  options: {
    units: number;
    activation?: "relu" | "linear" | "softmax";
    name?: string;
    l2?: number;
  },
): Tensor {
  return apply(
    tf.layers.dense({
      name: context.nameOr(options.name, "dense"),
      units: options.units,
      activation: options.activation ?? "linear",
      kernelInitializer: context.denseInitializer(),
      kernelRegularizer: context.regularizer(options.l2),
    }),
    input,
  );
}

/** The classification layer: dense + softmax over `numClasses` from the config. */
export function classifier(
  context: BuildContext,
  input: Tensor,
  options: { name?: string; l2?: number } = {},
): Tensor {
  return dense(context, input, {
    units: context.config.numClasses,
    activation: "softmax",
    ...options,
  });
}

/** Dropout with `rate`; a rate of 0 adds no layer at all and returns `input`. */
export function dropout(context: BuildContext, input: Tensor, rate: number, name?: string): Tensor {
  if (rate <= 0) return input;
  return apply(tf.layers.dropout({ name: context.nameOr(name, "dropout"), rate }), input);
}

/** Max-pooling, `poolSize` × `poolSize` with stride `strides` (default: the pool size). */
export function maxPool(
  context: BuildContext,
  input: Tensor,
  options: { poolSize?: number; strides?: number; padding?: "same" | "valid"; name?: string } = {},
): Tensor {
  const poolSize = options.poolSize ?? 2;
  return apply(
    tf.layers.maxPooling2d({
      name: context.nameOr(options.name, "max_pooling2d"),
      poolSize,
      strides: options.strides ?? poolSize,
      padding: options.padding ?? "valid",
    }),
    input,
  );
}

/** Symmetric zero padding of `pad` pixels on every side. */
export function zeroPad(context: BuildContext, input: Tensor, pad: number, name?: string): Tensor {
  return apply(
    tf.layers.zeroPadding2d({ name: context.nameOr(name, "zero_padding2d"), padding: pad }),
    input,
  );
}

/**
 * VGG's classifier on the last feature map (VGG-11's and Khaireddin & Chen's variant's): flatten,
 * FC 4096-ReLU, dropout, FC 4096-ReLU (the embedding), dropout, the class layer. `names` are those
 * five layers' names after the flatten's ("flatten"), as the weights being mapped name them.
 */
export function vggHead(
  context: BuildContext,
  features: Tensor,
  rate: number,
  names: readonly [string, string, string, string, string],
): { embedding: Tensor; probabilities: Tensor } {
  const [hidden, firstDropout, embeddingName, secondDropout, classes] = names;
  let x = flatten(context, features, "flatten");
  x = dense(context, x, { units: 4096, activation: "relu", name: hidden });
  x = dropout(context, x, rate, firstDropout);
  const embedding = dense(context, x, { units: 4096, activation: "relu", name: embeddingName });
  const probabilities = classifier(
    context,
    dropout(context, embedding, rate, secondDropout),
    { name: classes },
  );
  return { embedding, probabilities };
}

/**
 * torchvision's stem max-pool of ResNet and ShuffleNetV2: 3×3, stride 2, padding 1. Zero padding
 * equals PyTorch's -inf padding here, since its input is a ReLU output (≥ 0).
 */
export function stemMaxPool(context: BuildContext, input: Tensor): Tensor {
  const padded = zeroPad(context, input, 1, "maxpool_pad");
  return maxPool(context, padded, { poolSize: 3, strides: 2, name: "maxpool" });
}

/** Flattens H×W×C to one vector per image (in H, W, C order: see docs/WEIGHTS.md). */
export function flatten(context: BuildContext, input: Tensor, name?: string): Tensor {
  return apply(tf.layers.flatten({ name: context.nameOr(name, "flatten") }), input);
}

/** Global average pooling to one C-vector per image. */
export function globalAvgPool(context: BuildContext, input: Tensor, name?: string): Tensor {
  return apply(
    tf.layers.globalAveragePooling2d({ name: context.nameOr(name, "global_average_pooling2d") }),
    input,
  );
}

/** Element-wise sum (residual connections). */
export function add(context: BuildContext, inputs: Tensor[], name?: string): Tensor {
  return apply(tf.layers.add({ name: context.nameOr(name, "add") }), inputs);
}

/** Concatenation along channels. */
export function concat(context: BuildContext, inputs: Tensor[], name?: string): Tensor {
  return apply(
    tf.layers.concatenate({ name: context.nameOr(name, "concatenate"), axis: -1 }),
    inputs,
  );
}

/** Names of the three layers of a conv-BN-activation unit. */
export interface ConvBnActNames {
  readonly conv?: string;
  readonly bn?: string;
  readonly act?: string;
}

/**
 * Convolution → batch norm → activation (ReLU, ReLU6 or none): the unit of VGG-BN, ResNet,
 * MobileNetV2, ShuffleNetV2 and the FER VGG. The convolution has no bias unless asked, since BN's
 * shift replaces it.
 */
export function convBnAct(
  context: BuildContext,
  input: Tensor,
  options: Omit<ConvOptions, "name" | "activation"> & {
    readonly act?: "relu" | "relu6" | "none";
    readonly names?: ConvBnActNames;
  },
): Tensor {
  const { act = "relu", names = {}, ...conv } = options;
  let x = conv2d(context, input, { useBias: false, ...conv, name: names.conv });
  x = batchNorm(context, x, names.bn);
  if (act === "none") return x;
  return relu(context, x, names.act, act === "relu6" ? 6 : undefined);
}

/**
 * Depthwise convolution (no bias) → batch norm → activation: the spatial step of MobileNetV2's
 * inverted residual (ReLU6) and ShuffleNetV2's unit (no activation).
 */
export function depthwiseBnAct(
  context: BuildContext,
  input: Tensor,
  options: {
    readonly kernelSize: number;
    readonly strides?: number;
    readonly act?: "relu" | "relu6" | "none";
    readonly names?: ConvBnActNames;
  },
): Tensor {
  const { act = "relu", names = {}, kernelSize, strides } = options;
  let x = depthwiseConv2d(context, input, {
    kernelSize,
    strides,
    useBias: false,
    name: names.conv,
  });
  x = batchNorm(context, x, names.bn);
  if (act === "none") return x;
  return relu(context, x, names.act, act === "relu6" ? 6 : undefined);
}

/** The channel count of an NHWC symbolic tensor. */
export function channelsOf(input: Tensor): number {
  const channels = input.shape[input.shape.length - 1];
  if (channels == null) throw new Error(`tensor ${input.name} has no static channel count`);
  return channels;
}
