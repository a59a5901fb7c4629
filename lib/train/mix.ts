/**
 * Mixup (Zhang et al. 2018) and CutMix (Yun et al. 2019) as timm's `Mixup` applies them: one λ ~
 * Beta(α, α) per batch, the batch mixed with a permutation of itself, and the targets mixed the
 * same way as soft labels (label smoothing, if any, is applied to them by the loss). With both
 * set, each batch takes one of the two with probability 0.5 (timm's `switch_prob`). Every draw
 * comes from the stream the trainer passes (its augmentation stream, saved in checkpoints), so
 * a resumed run mixes the same batches the same way.
 */
import * as tf from "@tensorflow/tfjs";
import type { Random } from "../random.ts";

/** The Beta(α, α) parameters; 0 (or unset) turns one off. */
export interface MixSettings {
  readonly mixup?: number;
  readonly cutmix?: number;
}

/** The box CutMix pastes: rows [top, bottom) and columns [left, right). */
export interface MixBox {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/** How one batch is mixed. */
export interface MixPlan {
  readonly kind: "mixup" | "cutmix";
  /** The weight of each image's own label (for CutMix, the share of its pixels it keeps). */
  readonly lambda: number;
  /** Image i is mixed with image partner[i] of the same batch. */
  readonly partner: Int32Array;
  /** CutMix's box, where image i takes partner[i]'s pixels. */
  readonly box?: MixBox;
}

/** Whether `settings` mix at all. */
export function mixes(settings: MixSettings | undefined): boolean {
  return (settings?.mixup ?? 0) > 0 || (settings?.cutmix ?? 0) > 0;
}

/**
 * The mix of the next batch of `batch` images of height × width, drawn from `random`; undefined
 * when neither is on (nothing is drawn then, so such a run's streams are as before).
 */
export function drawMix(
  settings: MixSettings | undefined,
  random: Random,
  batch: number,
  height: number,
  width: number,
): MixPlan | undefined {
  const mixup = settings?.mixup ?? 0;
  const cutmix = settings?.cutmix ?? 0;
  if (mixup <= 0 && cutmix <= 0) return undefined;
  const useCutmix = mixup > 0 && cutmix > 0 ? random.next() < 0.5 : cutmix > 0;
  const alpha = useCutmix ? cutmix : mixup;
  const lambda = random.beta(alpha, alpha);
  const partner = random.shuffle(Int32Array.from({ length: batch }, (_, i) => i));
  if (!useCutmix) return { kind: "mixup", lambda, partner };
  // timm's rand_bbox: a box of (1 − λ) of the area around a uniform centre, clipped to the image;
  // λ is then corrected to the area the clipped box leaves (timm's correct_lam).
  const cut = Math.sqrt(1 - lambda);
  const [cutHeight, cutWidth] = [Math.floor(height * cut), Math.floor(width * cut)];
  const [centreY, centreX] = [random.int(height), random.int(width)];
  const clip = (value: number, size: number) => Math.min(Math.max(value, 0), size);
  const box = {
    top: clip(centreY - Math.floor(cutHeight / 2), height),
    bottom: clip(centreY + Math.floor(cutHeight / 2), height),
    left: clip(centreX - Math.floor(cutWidth / 2), width),
    right: clip(centreX + Math.floor(cutWidth / 2), width),
  };
  const area = (box.bottom - box.top) * (box.right - box.left);
  return { kind: "cutmix", lambda: 1 - area / (height * width), partner, box };
}

/**
 * The mixed batch and its soft targets (N×K, before label smoothing): λ·onehot(label) +
 * (1 − λ)·onehot(partner's label), each row summing to 1.
 */
export function mixBatch(
  x: tf.Tensor4D,
  labels: ArrayLike<number>,
  plan: MixPlan,
  numClasses: number,
): { x: tf.Tensor4D; targets: tf.Tensor2D } {
  const { lambda, partner, box } = plan;
  const n = labels.length;
  const targets = new Float32Array(n * numClasses);
  for (let i = 0; i < n; i++) {
    targets[i * numClasses + labels[i]] += lambda;
    targets[i * numClasses + labels[partner[i]]] += 1 - lambda;
  }
  const mixed = tf.tidy(() => {
    const other = tf.gather(x, tf.tensor1d(partner, "int32"));
    if (!box) return x.mul(lambda).add(other.mul(1 - lambda)) as tf.Tensor4D;
    const [, height, width] = x.shape;
    const inside = new Float32Array(height * width);
    for (let row = box.top; row < box.bottom; row++) {
      inside.fill(1, row * width + box.left, row * width + box.right);
    }
    const mask = tf.tensor4d(inside, [1, height, width, 1]);
    return tf.where(mask.cast("bool").broadcastTo(x.shape), other, x) as tf.Tensor4D;
  });
  return { x: mixed, targets: tf.tensor2d(targets, [n, numClasses]) };
}
