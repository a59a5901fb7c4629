/**
 * Mixup and CutMix (lib/train/mix.ts): what a mixed batch and its soft targets are, how λ is
 * drawn, and that a run that mixes (and distils) is reproducible from its seed and resumes exactly.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { Random } from "../lib/random.ts";
import { CheckpointStore } from "../lib/train/checkpoint.ts";
import { drawMix, mixBatch, type MixSettings } from "../lib/train/mix.ts";
import { createOptimizer } from "../lib/train/optimizers.ts";
import { Trainer, type TrainingState } from "../lib/train/trainer.ts";
import { withTempDir } from "./helpers.ts";
import { quadrantData, tinyModel } from "./train_fixture.ts";

await tf.setBackend("cpu");

/** A batch of `n` 6×5 two-channel images, every pixel distinct, and labels over 4 classes. */
function batch(n: number) {
  const values = Float32Array.from({ length: n * 6 * 5 * 2 }, (_, i) => i / 100);
  return { x: tf.tensor4d(values, [n, 6, 5, 2]), labels: [0, 1, 2, 3, 1, 2, 0, 3].slice(0, n) };
}

/** Each row of `targets` is λ·onehot(label) + (1 − λ)·onehot(partner's label), summing to 1. */
function assertConvexMix(
  targets: number[][],
  labels: number[],
  partner: Int32Array,
  lambda: number,
) {
  targets.forEach((row, i) => {
    const expected = [0, 0, 0, 0];
    expected[labels[i]] += lambda;
    expected[labels[partner[i]]] += 1 - lambda;
    row.forEach((value, k) => assert.ok(Math.abs(value - expected[k]) < 1e-6, `row ${i}: ${row}`));
    assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  });
}

Deno.test("mixup mixes the batch with a permutation of itself by λ, and the targets alike", () => {
  const { x, labels } = batch(8);
  const plan = drawMix({ mixup: 0.4 }, new Random(5), 8, 6, 5)!;
  assert.equal(plan.kind, "mixup");
  assert.ok(plan.lambda > 0 && plan.lambda < 1);
  assert.deepEqual([...plan.partner].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.ok(plan.partner.some((p, i) => p !== i), "a permutation that moves something");
  const mixed = mixBatch(x, labels, plan, 4);
  const before = x.arraySync();
  const after = mixed.x.arraySync();
  assert.notDeepEqual(after, before);
  after.forEach((image, i) =>
    image.flat(2).forEach((value, j) => {
      const expected = plan.lambda * before[i].flat(2)[j] +
        (1 - plan.lambda) * before[plan.partner[i]].flat(2)[j];
      assert.ok(Math.abs(value - expected) < 1e-5);
    })
  );
  assertConvexMix(mixed.targets.arraySync(), labels, plan.partner, plan.lambda);
  tf.dispose([x, mixed.x, mixed.targets]);
});

Deno.test("cutmix pastes a box of the partner's pixels and weighs its label by the box's area", () => {
  const { x, labels } = batch(8);
  let checked = 0;
  for (let seed = 0; seed < 20; seed++) {
    const plan = drawMix({ cutmix: 1 }, new Random(seed), 8, 6, 5)!;
    assert.equal(plan.kind, "cutmix");
    const box = plan.box!;
    const area = (box.bottom - box.top) * (box.right - box.left);
    assert.equal(plan.lambda, 1 - area / 30);
    if (area === 0) continue;
    checked++;
    const mixed = mixBatch(x, labels, plan, 4);
    const before = x.arraySync();
    const after = mixed.x.arraySync();
    for (let i = 0; i < 8; i++) {
      for (let row = 0; row < 6; row++) {
        for (let column = 0; column < 5; column++) {
          const inside = row >= box.top && row < box.bottom && column >= box.left &&
            column < box.right;
          const source = inside ? before[plan.partner[i]] : before[i];
          assert.deepEqual(after[i][row][column], source[row][column]);
        }
      }
    }
    assertConvexMix(mixed.targets.arraySync(), labels, plan.partner, plan.lambda);
    tf.dispose([mixed.x, mixed.targets]);
  }
  assert.ok(checked > 10, `${checked} plans with a box`);
  x.dispose();
});

Deno.test("λ ~ Beta(α, α); with both set, each batch takes one at even odds; off draws nothing", () => {
  const random = new Random(1);
  const draws = Array.from({ length: 20_000 }, () => random.beta(2, 5));
  const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
  assert.ok(Math.abs(mean - 2 / 7) < 0.01, `Beta(2, 5) mean ${mean}`);
  // Small α: λ near 0 or 1 mostly (U-shaped), as mixup's α = 0.2 wants; no underflow to NaN.
  const small = Array.from({ length: 5_000 }, () => random.beta(0.05, 0.05));
  assert.ok(small.every((v) => v >= 0 && v <= 1));
  assert.ok(small.filter((v) => v < 0.05 || v > 0.95).length > 4_000);
  const both: MixSettings = { mixup: 0.2, cutmix: 1 };
  const kinds = Array.from({ length: 2_000 }, () => drawMix(both, random, 4, 6, 5)!.kind);
  const cutmix = kinds.filter((k) => k === "cutmix").length;
  assert.ok(cutmix > 900 && cutmix < 1_100, `${cutmix} of 2000 batches took cutmix`);
  const stream = new Random(3);
  assert.equal(drawMix({ mixup: 0, cutmix: 0 }, stream, 4, 6, 5), undefined);
  assert.deepEqual(stream.state(), new Random(3).state());
});

/**
 * A fit on the quadrant toy problem with mixup and CutMix, distilling from a teacher (another
 * tinyModel, with batch norm and dropout, which it must use in inference mode); `resume`
 * continues `dir`'s.
 */
async function mixedFit(dir: string, epochs: number, mix: MixSettings, resume = false) {
  const model = tinyModel(1);
  const teacher = tinyModel(2);
  const optimizer = createOptimizer({ name: "adam", lr: 0.01 });
  const store = new CheckpointStore<TrainingState>(`${dir}/checkpoint`);
  const result = await new Trainer(model, optimizer, {
    epochs,
    batchSize: 16,
    seed: 7,
    labelSmoothing: 0.1,
    mix,
    distill: { teachers: [{ path: "teacher", model: teacher }], weight: 0.5, temperature: 2 },
    progress: "quiet",
    log: () => {},
  }).fit(quadrantData(100, 1), quadrantData(40, 2), store, resume ? await store.read() : undefined);
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  teacher.dispose();
  optimizer.dispose();
  return { history: result.history.map((h) => ({ ...h, seconds: 0 })), weights };
}

Deno.test("a run with mixup, CutMix and a teacher is reproducible from its seed and resumes bit-identically", async () => {
  await withTempDir(async (dir) => {
    const mix = { mixup: 0.4, cutmix: 1 };
    const straight = await mixedFit(`${dir}/a`, 2, mix);
    assert.deepEqual(await mixedFit(`${dir}/b`, 2, mix), straight);
    await mixedFit(`${dir}/cut`, 1, mix);
    assert.deepEqual(await mixedFit(`${dir}/cut`, 2, mix, true), straight);
    // The mixing changed what was learnt.
    assert.notDeepEqual((await mixedFit(`${dir}/plain`, 2, {})).weights, straight.weights);
  });
});
