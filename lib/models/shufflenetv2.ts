/**
 * ShuffleNetV2 (Ma et al. 2018) in torchvision's layout and names (`conv1.0`, `stage2.0.branch1.0`,
 * `conv5.0`, `fc`). Channel split is the ChannelSlice layer; channel shuffle is reshape → permute →
 * reshape. The `small` stem is a stride-1 3×3 convolution without the max-pool (total stride 8).
 */
import * as tf from "@tensorflow/tfjs";
import { unknownChoice } from "../errors.ts";
import type { BuildContext } from "./build_context.ts";
import { ChannelSlice } from "./channel_slice.ts";
import {
  channelsOf,
  classifier,
  concat,
  convBnAct,
  depthwiseBnAct,
  dropout,
  globalAvgPool,
  stemMaxPool,
} from "./layers.ts";
import { imagenetNormalization } from "./normalization.ts";
import { registerModels } from "./register.ts";
import type { ModelGraph } from "./types.ts";

type Tensor = tf.SymbolicTensor;

/** Output channels of conv1, stage2, stage3, stage4 and conv5 per width (torchvision's table). */
const STAGE_CHANNELS: ReadonlyMap<number, readonly number[]> = new Map([
  [0.5, [24, 48, 96, 192, 1024]],
  [1, [24, 116, 232, 464, 1024]],
  [1.5, [24, 176, 352, 704, 1024]],
  [2, [24, 244, 488, 976, 2048]],
]);
const STAGE_REPEATS = [4, 8, 4];

/**
 * Interleaves the channels of `groups` groups (PyTorch's view → transpose → view), so the next unit's
 * split mixes both branches.
 */
function channelShuffle(x: Tensor, groups: number, prefix: string): Tensor {
  const [, height, width, channels] = x.shape as number[];
  const grouped = tf.layers.reshape({
    name: `${prefix}.shuffle_group`,
    targetShape: [height, width, groups, channels / groups],
  }).apply(x) as Tensor;
  const swapped = tf.layers.permute({ name: `${prefix}.shuffle_swap`, dims: [1, 2, 4, 3] })
    .apply(grouped) as Tensor;
  return tf.layers.reshape({
    name: `${prefix}.shuffle_merge`,
    targetShape: [height, width, channels],
  }).apply(swapped) as Tensor;
}

/**
 * One ShuffleNetV2 unit. Stride 1: half the channels pass through, the other half go through
 * branch2. Stride 2: both branches see all channels and halve the resolution.
 */
function shuffleUnit(
  context: BuildContext,
  x: Tensor,
  outChannels: number,
  stride: number,
  prefix: string,
): Tensor {
  const branchChannels = outChannels / 2;
  let left: Tensor;
  let right: Tensor;
  if (stride > 1) {
    left = depthwiseBnAct(context, x, {
      kernelSize: 3,
      strides: stride,
      act: "none",
      names: { conv: `${prefix}.branch1.0`, bn: `${prefix}.branch1.1` },
    });
    left = convBnAct(context, left, {
      filters: branchChannels,
      kernelSize: 1,
      names: { conv: `${prefix}.branch1.2`, bn: `${prefix}.branch1.3`, act: `${prefix}.branch1.4` },
    });
    right = x;
  } else {
    const half = channelsOf(x) / 2;
    left = new ChannelSlice({ name: `${prefix}.split_left`, begin: 0, size: half }).apply(
      x,
    ) as Tensor;
    right = new ChannelSlice({ name: `${prefix}.split_right`, begin: half, size: half })
      .apply(x) as Tensor;
  }
  right = convBnAct(context, right, {
    filters: branchChannels,
    kernelSize: 1,
    names: { conv: `${prefix}.branch2.0`, bn: `${prefix}.branch2.1`, act: `${prefix}.branch2.2` },
  });
  right = depthwiseBnAct(context, right, {
    kernelSize: 3,
    strides: stride,
    act: "none",
    names: { conv: `${prefix}.branch2.3`, bn: `${prefix}.branch2.4` },
  });
  right = convBnAct(context, right, {
    filters: branchChannels,
    kernelSize: 1,
    names: { conv: `${prefix}.branch2.5`, bn: `${prefix}.branch2.6`, act: `${prefix}.branch2.7` },
  });
  return channelShuffle(concat(context, [left, right], `${prefix}.concat`), 2, prefix);
}

function buildShuffleNetV2(input: Tensor, context: BuildContext): ModelGraph {
  const { widthMultiplier = 1, stem, dropout: rate = 0 } = context.config;
  const channels = STAGE_CHANNELS.get(widthMultiplier);
  if (!channels) {
    throw unknownChoice(
      "ShuffleNetV2 widthMultiplier",
      String(widthMultiplier),
      [...STAGE_CHANNELS.keys()].map(String),
    );
  }
  const imagenetStem = stem === "imagenet";
  let x = convBnAct(context, input, {
    filters: channels[0],
    kernelSize: 3,
    strides: imagenetStem ? 2 : 1,
    names: { conv: "conv1.0", bn: "conv1.1", act: "conv1.2" },
  });
  if (imagenetStem) x = stemMaxPool(context, x);
  STAGE_REPEATS.forEach((repeats, stage) => {
    for (let i = 0; i < repeats; i++) {
      x = shuffleUnit(context, x, channels[stage + 1], i === 0 ? 2 : 1, `stage${stage + 2}.${i}`);
    }
  });
  x = convBnAct(context, x, {
    filters: channels[4],
    kernelSize: 1,
    names: { conv: "conv5.0", bn: "conv5.1", act: "conv5.2" },
  });
  const embedding = globalAvgPool(context, x, "globalpool");
  const probabilities = classifier(
    context,
    dropout(context, embedding, rate, "dropout"),
    { name: "fc" },
  );
  return { embedding, probabilities };
}

const shared = {
  paper:
    "Ma et al. 2018, ShuffleNet V2: Practical Guidelines for Efficient CNN Architecture Design",
  convention: "torch",
  normalization: imagenetNormalization,
  minInputSize: (config: { stem?: string }) => config.stem === "imagenet" ? 32 : 8,
  channels: [1, 3],
  build: buildShuffleNetV2,
} as const;

/** `shufflenetv2-0.5` and `shufflenetv2` (1.0×); widthMultiplier also takes 1.5 and 2. */
registerModels([
  {
    ...shared,
    name: "shufflenetv2-0.5",
    description: "ShuffleNetV2 0.5×: channel split and shuffle, stages 48-96-192",
    defaults: {
      inputShape: [48, 48, 1],
      numClasses: 7,
      widthMultiplier: 0.5,
      stem: "auto",
      dropout: 0,
      l2: 0,
    },
  },
  {
    ...shared,
    name: "shufflenetv2",
    description: "ShuffleNetV2 1.0×: channel split and shuffle, stages 116-232-464",
    defaults: {
      inputShape: [48, 48, 1],
      numClasses: 7,
      widthMultiplier: 1,
      stem: "auto",
      dropout: 0,
      l2: 0,
    },
  },
]);
