import assert from "node:assert/strict";
import { FerError, UsageError } from "../lib/errors.ts";
import {
  checkNormalization,
  computeMeanStd,
  type Normalization,
  parseNormalization,
  resolveNormalization,
  subset,
  syntheticImages,
} from "../lib/data/mod.ts";
import { normalizationTransform } from "../lib/augment/mod.ts";

const close = (a: number, b: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(a - b) < tolerance, `${a} vs ${b}`);

function directMeanStd(values: ArrayLike<number>): [number, number] {
  let sum = 0, squares = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] / 255;
  const mean = sum / values.length;
  for (let i = 0; i < values.length; i++) squares += (values[i] / 255 - mean) ** 2;
  return [mean, Math.sqrt(squares / values.length)];
}

Deno.test("computeMeanStd matches a direct computation, per channel and on chosen images", () => {
  const grey = syntheticImages({ count: 9, seed: 2, noise: 90 });
  const [mean, std] = directMeanStd(grey.images);
  const stats = computeMeanStd(grey);
  close(stats.mean[0], mean);
  close(stats.std[0], std);
  const some = computeMeanStd(grey, [1, 4]);
  const [mean2, std2] = directMeanStd(subset(grey, [1, 4]).images);
  close(some.mean[0], mean2);
  close(some.std[0], std2);

  const rgb = syntheticImages({ count: 3, channels: 3, height: 8, width: 8, seed: 4, noise: 90 });
  const perChannel = computeMeanStd(rgb);
  for (let c = 0; c < 3; c++) {
    const values = rgb.images.filter((_, i) => i % 3 === c);
    const [m, s] = directMeanStd(values);
    close(perChannel.mean[c], m);
    close(perChannel.std[c], s);
  }
});

Deno.test("normalisations map bytes as configured", () => {
  const apply = (norm: Normalization, channels: number, values: number[]) => {
    const { scale, bias } = normalizationTransform(norm, channels);
    return values.map((v, i) => v * scale[i % channels] + bias[i % channels]);
  };
  apply({ kind: "scale" }, 1, [0, 51, 255]).forEach((v, i) => close(v, [0, 0.2, 1][i]));
  apply({ kind: "mean-std", mean: [0.2], std: [0.5] }, 1, [0, 51, 255])
    .forEach((v, i) => close(v, [-0.4, 0, 1.6][i]));
  apply({ kind: "mean-std", mean: [0, 0.5, 1], std: [1, 1, 2] }, 3, [255, 255, 255])
    .forEach((v, i) => close(v, [1, 0.5, 0][i]));
});

Deno.test("train mean/std is computed from the training images only", () => {
  const train = syntheticImages({ count: 4, seed: 1, noise: 10 });
  const resolved = resolveNormalization({ kind: "train-mean-std" }, train);
  assert.equal(resolved.kind, "mean-std");
  if (resolved.kind !== "mean-std") return;
  const expected = computeMeanStd(train);
  assert.deepEqual(resolved.mean, expected.mean);
  assert.deepEqual(resolved.std, expected.std);
  assert.match(resolved.source ?? "", /4/);
  // A stored config survives a JSON round trip and is checked on the way back.
  const stored = JSON.parse(JSON.stringify(resolved));
  assert.deepEqual(checkNormalization(stored, 1), resolved);
  // One grey mean/std serves every channel of an RGB input; two values for three channels do not.
  const rgb = checkNormalization(stored, 3);
  assert.deepEqual(rgb.kind === "mean-std" && rgb.mean, Array(3).fill(expected.mean[0]));
  assert.throws(
    () => checkNormalization({ kind: "mean-std", mean: [0.5, 0.5], std: [0.2, 0.2] }, 3),
    FerError,
  );
  assert.throws(
    () => checkNormalization({ kind: "mean-std", mean: [0.5], std: [0] }, 1),
    /positive std/,
  );
  assert.throws(() => checkNormalization({ kind: "zscore" }, 1), /Valid kinds: scale, mean-std/);
});

Deno.test("parseNormalization reads scale, train and MEAN/STD", () => {
  assert.deepEqual(parseNormalization("scale"), { kind: "scale" });
  assert.deepEqual(parseNormalization("train"), { kind: "train-mean-std" });
  assert.deepEqual(parseNormalization("0.4907/0.2099"), {
    kind: "mean-std",
    mean: [0.4907],
    std: [0.2099],
  });
  assert.deepEqual(parseNormalization("0.5,0.4,0.3/0.2,0.2,0.2").kind, "mean-std");
  assert.throws(() => parseNormalization("imagenet"), UsageError);
  assert.throws(() => parseNormalization("0.5/x"), /Valid choices: scale, train, MEAN\/STD/);
});
