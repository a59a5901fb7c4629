import assert from "node:assert/strict";
import {
  averageViews,
  buildAugmentation,
  fillBatch,
  horizontalFlip,
  imageFromValues,
  normalize,
  resize,
  tenCrop,
  ttaViewCount,
  ttaViews,
  UNIT_SCALING,
  viewsFromMaps,
} from "../lib/augment/mod.ts";
import { IDENTITY, translation } from "../lib/augment/affine.ts";
import { DataError, FerError } from "../lib/errors.ts";
import { Random } from "../lib/random.ts";

// Three 4×4 grey images with distinct bytes.
const source = {
  images: Uint8Array.from({ length: 3 * 16 }, (_, i) => (i * 37) % 256),
  height: 4,
  width: 4,
  channels: 1,
};
const imageAt = (index: number) =>
  imageFromValues(source.images.subarray(index * 16, index * 16 + 16), 4, 4, 1);
const layout = (size: number, channels = 1) => ({
  outputHeight: size,
  outputWidth: size,
  outputChannels: channels,
  normalization: UNIT_SCALING,
});

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-6) {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= tolerance,
      `[${i}] ${actual[i]} vs ${expected[i]}`,
    );
  }
}

Deno.test("a plain batch is the chosen images divided by 255, in index order", () => {
  const target = new Float32Array(2 * 16 + 5).fill(9);
  const written = fillBatch(target, source, [2, 0], layout(4));
  assert.equal(written, 32);
  assertAllClose(
    target.subarray(0, 16),
    Array.from(source.images.subarray(32, 48), (v) => v / 255),
  );
  assertAllClose(
    target.subarray(16, 32),
    Array.from(source.images.subarray(0, 16), (v) => v / 255),
  );
  assert.deepEqual(
    [...target.subarray(32)],
    [9, 9, 9, 9, 9],
    "the rest of the buffer is untouched",
  );
});

Deno.test("grey becomes RGB and each channel gets its own mean and std", () => {
  const normalization = { kind: "mean-std" as const, mean: [0.5, 0.4, 0.3], std: [0.5, 0.25, 0.1] };
  const target = new Float32Array(16 * 3);
  fillBatch(target, source, [1], { ...layout(4, 3), normalization });
  for (let p = 0; p < 16; p++) {
    const value = source.images[16 + p] / 255;
    for (let c = 0; c < 3; c++) {
      const expected = (value - normalization.mean[c]) / normalization.std[c];
      assert.ok(Math.abs(target[p * 3 + c] - expected) < 1e-5, `pixel ${p} channel ${c}`);
    }
  }
});

Deno.test("a batch can be resized on the way (4×4 → 8×8 bilinear)", () => {
  const target = new Float32Array(64);
  fillBatch(target, source, [0], layout(8));
  assertAllClose(target, normalize(resize(imageAt(0), 8, 8), UNIT_SCALING).data);
});

Deno.test("an augmented batch equals augmenting each image, for the same seed", () => {
  const config = {
    horizontalFlip: 0.5,
    rotation: 20,
    widthShift: 0.2,
    heightShift: 0.2,
    zoom: [0.8, 1.2] as const,
    fillMode: "reflect" as const,
    crop: { type: "random-resized" as const, scale: [0.6, 1] as const },
  };
  const normalization = { kind: "mean-std" as const, mean: [0.5], std: [0.25] };
  const target = new Float32Array(3 * 9);
  fillBatch(target, source, [0, 1, 2], {
    ...layout(3),
    normalization,
    augment: config,
    rng: new Random(21),
  });
  const augment = buildAugmentation(config);
  const rng = new Random(21);
  const expected = [0, 1, 2].flatMap((index) => [
    ...normalize(augment(imageAt(index), rng, { height: 3, width: 3 }), normalization).data,
  ]);
  assertAllClose(target, expected, 1e-5);
  // And a different seed changes the batch.
  const other = new Float32Array(3 * 9);
  fillBatch(other, source, [0, 1, 2], {
    ...layout(3),
    normalization,
    augment: augment,
    rng: new Random(22),
  });
  assert.notDeepEqual(other, target);
});

Deno.test("in a batch, erasing writes its value after normalisation", () => {
  const normalization = { kind: "mean-std" as const, mean: [0.5], std: [0.5] };
  const flat = { images: new Uint8Array(48 * 48).fill(255), height: 48, width: 48, channels: 1 };
  const target = new Float32Array(48 * 48);
  fillBatch(target, flat, [0], {
    ...layout(48),
    normalization,
    augment: { randomErasing: { p: 1, value: 0 } },
    rng: new Random(1),
  });
  const erased = target.filter((v) => v === 0).length;
  assert.ok(erased > 0, "some pixels erased to 0 (the mean colour)");
  assert.equal(erased + target.filter((v) => v === 1).length, 48 * 48, "the rest is (1-0.5)/0.5");
});

Deno.test("bad batch requests get clear errors", () => {
  const target = new Float32Array(32);
  assert.throws(
    () => fillBatch(target, source, [3], layout(4)),
    /batch index 3 is not an image index in 0\.\.2/,
  );
  assert.throws(() => fillBatch(target, source, [0.5], layout(4)), /batch index 0\.5/);
  assert.throws(
    () => fillBatch(target, source, [0, 1, 2], layout(4)),
    /holds 32 values but 3 image\(s\) of 4×4×1 need 48/,
  );
  const rgb = { ...source, images: new Uint8Array(48), channels: 3 };
  assert.throws(
    () => fillBatch(target, rgb, [0], layout(4)),
    /cannot turn 3-channel images into 1-channel/,
  );
  assert.throws(
    () => fillBatch(target, { ...source, images: new Uint8Array(17) }, [0], layout(4)),
    (e: unknown) => e instanceof DataError && /17 bytes/.test(e.message),
  );
  assert.throws(
    () => fillBatch(target, source, [0], { ...layout(4), augment: { rotation: 5 } }),
    /needs options\.rng/,
  );
  assert.throws(
    () =>
      fillBatch(target, source, [0], {
        ...layout(4),
        normalization: { kind: "mean-std", mean: [0], std: [0] },
      }),
    (e: unknown) => e instanceof FerError && /needs 1 mean and positive std/.test(e.message),
  );
  assert.throws(
    () =>
      fillBatch(new Float32Array(48), source, [0], {
        ...layout(4, 3),
        normalization: { kind: "mean-std", mean: [0, 0], std: [1] },
      }),
    /needs 3 \(or 1\) mean and positive std/,
  );
  // A grey image replicated to RGB with one mean/std: the same as that value per channel.
  const normalized = (mean: number[], std: number[]) => {
    const out = new Float32Array(48);
    fillBatch(out, source, [0], {
      ...layout(4, 3),
      normalization: { kind: "mean-std", mean, std },
    });
    return out;
  };
  assertAllClose(normalized([0.5], [0.25]), normalized([0.5, 0.5, 0.5], [0.25, 0.25, 0.25]));
  assert.throws(
    () => fillBatch(target, source, [0], layout(0)),
    /output height must be a positive integer/,
  );
});

Deno.test("TTA views: identity, flip pair, and ten-crop in torchvision order", () => {
  assert.deepEqual(["none", "flip", "ten-crop"].map((m) => ttaViewCount(m as never)), [1, 2, 10]);
  const [plain] = ttaViews(source, [1, 2], "none", layout(4));
  const expected = Array.from(source.images.subarray(16, 48), (v) => v / 255);
  assertAllClose(plain, expected);

  const [straight, mirrored] = ttaViews(source, [1, 2], "flip", layout(4));
  assertAllClose(straight, expected);
  for (const slot of [0, 1]) {
    const image = imageAt(1 + slot);
    assertAllClose(
      mirrored.subarray(slot * 16, slot * 16 + 16),
      normalize(horizontalFlip(image), UNIT_SCALING).data,
    );
  }

  const crop = { height: 3, width: 3 };
  const views = ttaViews(source, [0], "ten-crop", { ...layout(3), crop });
  assert.equal(views.length, 10);
  const crops = tenCrop(imageAt(0), crop);
  views.forEach((view, k) => assertAllClose(view, normalize(crops[k], UNIT_SCALING).data));

  // "none" with a crop size is a centre crop; ten-crop without one is a usage error.
  const [centre] = ttaViews(source, [0], "none", { ...layout(2), crop: { height: 2, width: 2 } });
  assertAllClose(centre, [5, 6, 9, 10].map((i) => source.images[i] / 255));
  assert.throws(() => ttaViews(source, [0], "ten-crop", layout(3)), /needs a crop size/);
  assert.throws(() => ttaViews(source, [0], "five" as never, layout(3)), /unknown TTA mode 'five'/);
});

Deno.test("views from given maps: one array per map, each image sampled through it", () => {
  const [same, shifted] = viewsFromMaps(source, [2, 0], [IDENTITY, translation(1, 0)], layout(4));
  const pixels = (index: number) => Array.from(imageAt(index).data, (v) => v / 255);
  assertAllClose(same, [...pixels(2), ...pixels(0)]);
  // Output column x samples source column x + 1; the last column repeats the edge.
  const shiftedRow = (row: number[]) => [row[1], row[2], row[3], row[3]];
  const expected = [2, 0].flatMap((index) =>
    [0, 1, 2, 3].flatMap((y) => shiftedRow(pixels(index).slice(4 * y, 4 * y + 4)))
  );
  assertAllClose(shifted, expected);
  assert.deepEqual(viewsFromMaps(source, [0], [], layout(4)), []);
});

Deno.test("averaging view probabilities", () => {
  assertAllClose(averageViews([Float32Array.of(0.2, 0.8), Float32Array.of(0.6, 0.4)]), [0.4, 0.6]);
  assert.throws(() => averageViews([]), /no views/);
  assert.throws(() => averageViews([new Float32Array(2), new Float32Array(3)]), /differ in length/);
});
