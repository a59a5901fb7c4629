/**
 * Train/validation/test protocols: the official split, seeded stratified random splits, stratified
 * k-fold, and group k-fold (no group, e.g. CK+ subject, on both sides). Every random choice comes
 * from a seeded `Random`, so equal seeds give equal splits on every machine.
 */
import { FerError } from "../errors.ts";
import { Random } from "../random.ts";
import { FER2013_USAGES } from "./fer2013_csv.ts";
import { indicesWhere, subset } from "./subset.ts";
import type { DatasetSplits, LabeledImages } from "./types.ts";

/** Which part of DatasetSplits each official usage value feeds. */
const USAGE_PART: Readonly<Record<string, "train" | "val" | "test">> = {
  Training: "train",
  PublicTest: "val",
  PrivateTest: "test",
};

/**
 * The dataset's own split from its usage: Training → train, PublicTest → val, PrivateTest → test
 * (FER2013 and FER+). A FerError when the dataset has no usage or no validation images.
 */
export function officialSplit(ds: LabeledImages): DatasetSplits {
  const usage = ds.usage;
  if (!usage) {
    throw new FerError(
      `'${ds.name}' has no official split; use a stratified split or (group) k-fold instead ` +
        "(fer train --split 0.8,0.1,0.1, --split k-fold:5 or --split group-k-fold:10)",
    );
  }
  const parts = { train: [] as number[], val: [] as number[], test: [] as number[] };
  usage.forEach((value, i) => {
    const part = USAGE_PART[value];
    if (!part) {
      throw new FerError(
        `'${ds.name}' image ${i} has usage '${value}', not one of ${FER2013_USAGES.join(", ")}`,
      );
    }
    parts[part].push(i);
  });
  for (const [part, usageName] of [["train", "Training"], ["val", "PublicTest"]] as const) {
    if (parts[part].length === 0) {
      throw new FerError(
        `'${ds.name}' has no ${usageName} images, so its official split has no ${part} part; ` +
          `use a stratified split instead`,
      );
    }
  }
  return {
    train: subset(ds, parts.train),
    val: subset(ds, parts.val),
    test: parts.test.length > 0 ? subset(ds, parts.test) : undefined,
  };
}

/**
 * Splits `ds` at random into parts of the given `fractions` (summing to 1), class by class, so
 * each part keeps the class proportions. E.g. [0.81, 0.09, 0.10], or [0.8, 0.2] applied twice.
 * Within a part, images keep their original order.
 */
export function stratifiedSplit(
  ds: LabeledImages,
  fractions: readonly number[],
  seed: number,
): LabeledImages[] {
  return stratifiedSplitIndices(ds, fractions, seed).map((indices) => subset(ds, indices));
}

/** The image indices of each part of `stratifiedSplit`, ascending. */
export function stratifiedSplitIndices(
  ds: LabeledImages,
  fractions: readonly number[],
  seed: number,
): number[][] {
  const total = fractions.reduce((a, b) => a + b, 0);
  if (fractions.length < 2 || fractions.some((f) => !(f > 0)) || Math.abs(total - 1) > 1e-6) {
    throw new FerError(
      `split fractions must be two or more positive numbers summing to 1, got [${fractions}]`,
    );
  }
  const random = new Random(seed);
  const parts: number[][] = fractions.map(() => []);
  for (const members of indicesByClass(ds)) {
    random.shuffle(members);
    const counts = apportion(members.length, fractions);
    let start = 0;
    counts.forEach((count, part) => {
      for (let j = start; j < start + count; j++) parts[part].push(members[j]);
      start += count;
    });
  }
  return parts.map((part) => part.sort((a, b) => a - b));
}

/**
 * A stratified random sample of at most `count` images (all of `ds` when it has no more), the
 * same for the same seed. Rounding each class's share can overshoot by a few images: as many are
 * then dropped at random, so `count` is never exceeded.
 */
export function stratifiedSample(ds: LabeledImages, count: number, seed: number): LabeledImages {
  if (ds.count <= count) return ds;
  const [indices] = stratifiedSplitIndices(ds, [count / ds.count, 1 - count / ds.count], seed);
  if (indices.length > count) {
    new Random(seed).shuffle(indices);
    indices.length = count;
    indices.sort((a, b) => a - b);
  }
  return subset(ds, indices);
}

/** [train, val] or [train, val, test], e.g. from stratifiedSplit, as DatasetSplits. */
export function asSplits(parts: readonly LabeledImages[]): DatasetSplits {
  if (parts.length !== 2 && parts.length !== 3) {
    throw new FerError(`a train/val(/test) split needs 2 or 3 parts, got ${parts.length}`);
  }
  return { train: parts[0], val: parts[1], test: parts[2] };
}

/** One fold of a k-fold protocol, as image indices (ascending) into the full dataset. */
export interface Fold {
  /** 0-based fold number. */
  readonly fold: number;
  readonly trainIndices: readonly number[];
  readonly valIndices: readonly number[];
}

/**
 * Stratified k-fold: every image is in exactly one fold's validation part, and each class is
 * spread over the folds as evenly as possible (sizes differ by at most one per class).
 */
export function kFold(ds: LabeledImages, k: number, seed: number): Fold[] {
  checkFoldCount(k, ds.count, "images");
  const random = new Random(seed);
  const foldOf = new Int32Array(ds.count);
  let position = 0; // dealing classes one after another round-robin also balances fold sizes
  for (const members of indicesByClass(ds)) {
    for (const i of random.shuffle(members)) foldOf[i] = position++ % k;
  }
  return foldsFrom(foldOf, k);
}

/**
 * Group k-fold: all images of a group (e.g. a CK+ subject) fall in the same fold, so no group is
 * in both the training and validation parts. Groups are dealt largest first to the fold with the
 * fewest images so far; the seed orders groups of equal size.
 */
export function groupKFold(ds: LabeledImages, k: number, seed = 0): Fold[] {
  const groups = ds.groups;
  if (!groups) {
    throw new FerError(`'${ds.name}' has no groups (e.g. subject ids), so group k-fold cannot run`);
  }
  const members = new Map<string, number[]>();
  groups.forEach((group, i) => {
    const list = members.get(group);
    if (list) list.push(i);
    else members.set(group, [i]);
  });
  checkFoldCount(k, members.size, "groups");
  const order = new Random(seed).shuffle([...members.keys()])
    .sort((a, b) => members.get(b)!.length - members.get(a)!.length);
  const foldSize = new Array<number>(k).fill(0);
  const foldOf = new Int32Array(ds.count);
  for (const group of order) {
    const fold = foldSize.indexOf(Math.min(...foldSize));
    for (const i of members.get(group)!) foldOf[i] = fold;
    foldSize[fold] += members.get(group)!.length;
  }
  return foldsFrom(foldOf, k);
}

/** The train and val sets of one fold. */
export function foldSplits(ds: LabeledImages, fold: Fold): DatasetSplits {
  return { train: subset(ds, fold.trainIndices), val: subset(ds, fold.valIndices) };
}

/** Image indices of each class, ascending, one list per class. */
function indicesByClass(ds: LabeledImages): number[][] {
  return ds.classNames.map((_, c) => indicesWhere(ds, (i) => ds.labels[i] === c));
}

/**
 * Whole counts for `n` items split by `fractions`, summing to `n`: floors first, then the
 * leftovers go to the largest remainders (ties to the earlier part).
 */
export function apportion(n: number, fractions: readonly number[]): number[] {
  const quotas = fractions.map((f) => n * f);
  const counts = quotas.map((q) => Math.floor(q + 1e-9));
  let left = n - counts.reduce((a, b) => a + b, 0);
  const byRemainder = quotas.map((q, i) => ({ i, r: q - counts[i] }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (let j = 0; left > 0; j = (j + 1) % byRemainder.length, left--) counts[byRemainder[j].i]++;
  return counts;
}

function checkFoldCount(k: number, available: number, what: string): void {
  if (!Number.isInteger(k) || k < 2 || k > available) {
    throw new FerError(`k-fold needs an integer k from 2 to the number of ${what} (${available})`);
  }
}

function foldsFrom(foldOf: Int32Array, k: number): Fold[] {
  return Array.from({ length: k }, (_, fold) => {
    const trainIndices: number[] = [];
    const valIndices: number[] = [];
    foldOf.forEach((f, i) => (f === fold ? valIndices : trainIndices).push(i));
    return { fold, trainIndices, valIndices };
  });
}
