import assert from "node:assert/strict";
import {
  apportion,
  concat,
  groupKFold,
  kFold,
  type LabeledImages,
  officialSplit,
  protocolSplits,
  renameClasses,
  selectClasses,
  stratifiedSample,
  stratifiedSplit,
  stratifiedSplitIndices,
  subset,
  syntheticImages,
} from "../lib/data/mod.ts";

const USAGES = ["Training", "Training", "Training", "PublicTest", "PrivateTest"];

/** 4 classes with 40/30/20/10 images, usage and 17 groups; tiny 4×4 images. */
function dataset(): LabeledImages {
  const labels = [
    ...Array(40).fill(0),
    ...Array(30).fill(1),
    ...Array(20).fill(2),
    ...Array(10).fill(3),
  ];
  const base = syntheticImages({
    count: 100,
    classNames: ["angry", "happy", "neutral", "sad"],
    height: 4,
    width: 4,
    usage: (i) => USAGES[i % 5],
    groups: (i) => `S${String(Math.floor((i * 7) % 100 / 6)).padStart(3, "0")}`,
  });
  return { ...base, labels: Uint8Array.from(labels), softLabels: softLabels(100, 4) };
}

function softLabels(count: number, classes: number): Float32Array {
  const soft = new Float32Array(count * classes);
  for (let i = 0; i < count; i++) {
    for (let c = 0; c < classes; c++) soft[i * classes + c] = (c + 1) / 10; // 0.1 0.2 0.3 0.4
  }
  return soft;
}

const classCounts = (ds: LabeledImages) =>
  ds.classNames.map((_, c) => ds.labels.filter((l) => l === c).length);

/** The images of a part, identified by their origin strings. */
const origins = (ds: LabeledImages) => ds.origins!;

Deno.test("subset keeps pixels, labels and every per-image field", () => {
  const ds = dataset();
  const part = subset(ds, [5, 0, 5]);
  assert.equal(part.count, 3);
  assert.deepEqual(part.images.subarray(0, 16), ds.images.subarray(80, 96));
  assert.deepEqual(part.images.subarray(16, 32), ds.images.subarray(0, 16));
  assert.deepEqual(part.origins, [ds.origins![5], ds.origins![0], ds.origins![5]]);
  assert.deepEqual(part.usage, [ds.usage![5], ds.usage![0], ds.usage![5]]);
  assert.deepEqual(part.groups, [ds.groups![5], ds.groups![0], ds.groups![5]]);
  assert.deepEqual(part.softLabels!.subarray(0, 4), ds.softLabels!.subarray(20, 24));
  assert.throws(() => subset(ds, [100]), /index 100 is outside 0..99/);
  const joined = concat([part, subset(ds, [1])]);
  assert.equal(joined.count, 4);
  assert.deepEqual(joined.origins!.at(-1), ds.origins![1]);
  assert.throws(() => concat([part, selectClasses(ds, ["sad"])]), /does not match/);
});

Deno.test("the official split follows usage", () => {
  const { train, val, test } = officialSplit(dataset());
  assert.deepEqual([train.count, val.count, test?.count], [60, 20, 20]);
  assert.ok(train.usage!.every((u) => u === "Training"));
  assert.ok(val.usage!.every((u) => u === "PublicTest"));
  assert.ok(test!.usage!.every((u) => u === "PrivateTest"));
  const noUsage = { ...dataset(), usage: undefined };
  assert.throws(() => officialSplit(noUsage), /has no official split/);
  const trainOnly = { ...dataset(), usage: new Array(100).fill("Training") };
  assert.throws(() => officialSplit(trainOnly), /no PublicTest images/);
});

Deno.test("stratified splits keep class proportions, cover everything once, and repeat by seed", () => {
  const ds = dataset();
  const parts = stratifiedSplit(ds, [0.8, 0.1, 0.1], 42);
  assert.deepEqual(parts.map(classCounts), [[32, 24, 16, 8], [4, 3, 2, 1], [4, 3, 2, 1]]);
  const all = parts.flatMap(origins).sort();
  assert.deepEqual(all, [...ds.origins!].sort());
  assert.deepEqual(stratifiedSplit(ds, [0.8, 0.1, 0.1], 42).map(origins), parts.map(origins));
  assert.notDeepEqual(stratifiedSplit(ds, [0.8, 0.1, 0.1], 43).map(origins), parts.map(origins));
  // 80/20 then 80/20 of the first part.
  const [trainVal, test] = stratifiedSplit(ds, [0.8, 0.2], 1);
  const [train, val] = stratifiedSplit(trainVal, [0.8, 0.2], 1);
  assert.deepEqual([train.count, val.count, test.count], [64, 16, 20]);
  assert.deepEqual(classCounts(val), [6, 5, 3, 2]);
  assert.throws(() => stratifiedSplit(ds, [0.8, 0.1], 0), /summing to 1/);
  assert.throws(() => stratifiedSplit(ds, [1], 0), /two or more/);
  const indices = stratifiedSplitIndices(ds, [0.5, 0.5], 0);
  assert.deepEqual(indices[0], [...indices[0]].sort((a, b) => a - b));
});

Deno.test("a stratified sample never exceeds its count, though per-class rounding would", () => {
  const ds = dataset();
  let overshoots = 0;
  for (let count = 1; count < 100; count++) {
    const [rounded] = stratifiedSplitIndices(ds, [count / 100, 1 - count / 100], 3);
    if (rounded.length > count) overshoots++;
    const sample = stratifiedSample(ds, count, 3);
    assert.ok(sample.count <= count && sample.count >= count - 4, `count ${count}`);
    assert.deepEqual(origins(stratifiedSample(ds, count, 3)), origins(sample));
  }
  assert.ok(overshoots > 0, "no count exercised the trim");
  assert.equal(stratifiedSample(ds, 500, 3), ds);
});

Deno.test("apportion gives whole counts that sum to n, leftovers to the largest remainders", () => {
  assert.deepEqual(apportion(10, [0.81, 0.09, 0.1]), [8, 1, 1]);
  assert.deepEqual(apportion(7, [0.5, 0.5]), [4, 3]);
  assert.deepEqual(apportion(3, [0.81, 0.09, 0.1]), [3, 0, 0]);
  assert.deepEqual(apportion(0, [0.7, 0.3]), [0, 0]);
});

Deno.test("stratified k-fold puts each image in one validation fold, classes spread evenly", () => {
  const ds = dataset();
  const folds = kFold(ds, 5, 3);
  assert.equal(folds.length, 5);
  const seen = folds.flatMap((f) => f.valIndices).sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => i));
  for (const fold of folds) {
    assert.equal(fold.trainIndices.length + fold.valIndices.length, 100);
    assert.ok(!fold.trainIndices.some((i) => fold.valIndices.includes(i)));
    const counts = [0, 0, 0, 0];
    for (const i of fold.valIndices) counts[ds.labels[i]]++;
    assert.deepEqual(counts, [8, 6, 4, 2]);
  }
  assert.deepEqual(kFold(ds, 5, 3), folds);
  assert.throws(() => kFold(ds, 1, 0), /integer k from 2/);
});

Deno.test("group k-fold never puts a group on both sides and balances fold sizes", () => {
  const ds = dataset();
  const groupCount = new Set(ds.groups).size;
  const folds = groupKFold(ds, 5, 0);
  const groupFold = new Map<string, number>();
  for (const fold of folds) {
    const valGroups = new Set(fold.valIndices.map((i) => ds.groups![i]));
    for (const i of fold.trainIndices) assert.ok(!valGroups.has(ds.groups![i]));
    for (const g of valGroups) {
      assert.ok(!groupFold.has(g), `group ${g} in two folds`);
      groupFold.set(g, fold.fold);
    }
  }
  assert.equal(groupFold.size, groupCount);
  const sizes = folds.map((f) => f.valIndices.length);
  assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 6, `fold sizes ${sizes}`);
  assert.throws(() => groupKFold({ ...ds, groups: undefined }, 5), /has no groups/);
  assert.throws(() => groupKFold(ds, groupCount + 1), /number of groups/);
  const { train, val } = protocolSplits(ds, { kind: "group-k-fold", k: 5, seed: 0 }, 2);
  assert.equal(val.count, folds[2].valIndices.length);
  assert.equal(train.count + val.count, 100);
  assert.throws(() => protocolSplits(ds, { kind: "k-fold", k: 5, seed: 0 }, 5), /folds are 0..4/);
});

Deno.test("selectClasses keeps chosen classes relabelled in the given order", () => {
  const ds = dataset();
  const picked = selectClasses(ds, ["sad", "Angry"]);
  assert.deepEqual(picked.classNames, ["sad", "angry"]);
  assert.equal(picked.count, 50);
  assert.deepEqual(classCounts(picked), [10, 40]);
  const firstSad = ds.labels.indexOf(3);
  assert.equal(picked.origins![picked.labels.indexOf(0)], ds.origins![firstSad]);
  // Soft labels keep the chosen columns (0.4 sad, 0.1 angry), renormalised.
  assert.deepEqual([...picked.softLabels!.subarray(0, 2)].map((v) => Math.round(v * 100)), [
    80,
    20,
  ]);
  assert.throws(
    () => selectClasses(ds, ["happy", "joy"]),
    /has no class 'joy'. Its classes: angry, happy, neutral, sad/,
  );
  assert.throws(() => selectClasses(ds, ["happy", "happy"]), /listed twice/);
});

Deno.test("renameClasses renames and merges classes", () => {
  const ds = dataset();
  const merged = renameClasses(ds, { angry: "negative", sad: "negative", happy: "positive" });
  assert.deepEqual(merged.classNames, ["negative", "positive", "neutral"]);
  assert.deepEqual(classCounts(merged), [50, 30, 20]);
  assert.deepEqual([...merged.softLabels!.subarray(0, 3)].map((v) => Math.round(v * 10)), [
    5,
    2,
    3,
  ]);
  assert.throws(() => renameClasses(ds, { joy: "x" }), /has no class 'joy'/);
});
