/**
 * MobileNetV2 (Sandler et al. 2018) in torchvision's layout and names (`features.N...`,
 * `classifier.1`), with the width multiplier as an option. The `small` stem makes the first 3×3
 * convolution stride 1 (total stride 16 instead of 32), so a 48×48 face ends at 3×3.
 */
import type * as tf from "@tensorflow/tfjs";
import type { BuildContext } from "./build_context.ts";
import {
  add,
  batchNorm,
  channelsOf,
  classifier,
  conv2d,
  convBnAct,
  depthwiseBnAct,
  dropout,
  globalAvgPool,
} from "./layers.ts";
import { imagenetNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

type Tensor = tf.SymbolicTensor;

/** Expansion t, output channels c, repeats n, first stride s (the paper's Table 2). */
const INVERTED_RESIDUAL_SETTINGS: readonly [t: number, c: number, n: number, s: number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

/** torchvision's `_make_divisible`: round to a multiple of 8, never more than 10 % down. */
function makeDivisible(value: number, divisor = 8): number {
  const rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/** 1×1 expand (ReLU6) → 3×3 depthwise (ReLU6) → 1×1 linear projection, residual when shapes allow. */
function invertedResidual(
  context: BuildContext,
  x: Tensor,
  outChannels: number,
  stride: number,
  expansion: number,
  prefix: string,
): Tensor {
  const inChannels = channelsOf(x);
  let y = x;
  // torchvision's Sequential indices shift by one when there is no expansion layer.
  let index = 0;
  if (expansion !== 1) {
    y = convBnAct(context, y, {
      filters: Math.round(inChannels * expansion),
      kernelSize: 1,
      act: "relu6",
      names: { conv: `${prefix}.conv.0.0`, bn: `${prefix}.conv.0.1`, act: `${prefix}.conv.0.2` },
    });
    index = 1;
  }
  y = depthwiseBnAct(context, y, {
    kernelSize: 3,
    strides: stride,
    act: "relu6",
    names: {
      conv: `${prefix}.conv.${index}.0`,
      bn: `${prefix}.conv.${index}.1`,
      act: `${prefix}.conv.${index}.2`,
    },
  });
  y = conv2d(context, y, {
    filters: outChannels,
    kernelSize: 1,
    useBias: false,
    name: `${prefix}.conv.${index + 1}`,
  });
  y = batchNorm(context, y, `${prefix}.conv.${index + 2}`);
  return stride === 1 && inChannels === outChannels ? add(context, [x, y], `${prefix}.add`) : y;
}

function buildMobileNetV2(input: Tensor, context: BuildContext): ModelGraph {
  const { widthMultiplier = 1, stem, dropout: rate = 0 } = context.config;
  let x = convBnAct(context, input, {
    filters: makeDivisible(32 * widthMultiplier),
    kernelSize: 3,
    strides: stem === "imagenet" ? 2 : 1,
    act: "relu6",
    names: { conv: "features.0.0", bn: "features.0.1", act: "features.0.2" },
  });
  let index = 1;
  for (const [expansion, channels, repeats, firstStride] of INVERTED_RESIDUAL_SETTINGS) {
    for (let i = 0; i < repeats; i++) {
      x = invertedResidual(
        context,
        x,
        makeDivisible(channels * widthMultiplier),
        i === 0 ? firstStride : 1,
        expansion,
        `features.${index++}`,
      );
    }
  }
  x = convBnAct(context, x, {
    filters: makeDivisible(1280 * Math.max(1, widthMultiplier)),
    kernelSize: 1,
    act: "relu6",
    names: { conv: `features.${index}.0`, bn: `features.${index}.1`, act: `features.${index}.2` },
  });
  const embedding = globalAvgPool(context, x, "avgpool");
  const probabilities = classifier(
    context,
    dropout(context, embedding, rate, "classifier.0"),
    { name: "classifier.1" },
  );
  return { embedding, probabilities };
}

/** `mobilenetv2`. */
registerModels([
  {
    name: "mobilenetv2",
    description: "MobileNetV2: inverted residuals with ReLU6, widthMultiplier option",
    paper: "Sandler et al. 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks",
    convention: "torch",
    defaults: {
      inputShape: [48, 48, 1],
      numClasses: 7,
      widthMultiplier: 1,
      stem: "auto",
      dropout: 0.2,
      l2: 0,
    },
    normalization: imagenetNormalization,
    minInputSize: (config) => config.stem === "imagenet" ? 32 : 16,
    channels: [1, 3],
    build: buildMobileNetV2,
  },
]);
