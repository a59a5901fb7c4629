import assert from "node:assert/strict";
import { DataError } from "../lib/errors.ts";
import {
  CANONICAL_CLASSES,
  combineFerPlus,
  FER2013_CLASSES,
  ferPlusLabel,
  loadFerPlus,
  readFerPlusVotes,
  syntheticImages,
  writeFer2013Csv,
} from "../lib/data/mod.ts";
import { prepareData } from "../lib/train/mod.ts";
import { withTempDir } from "./helpers.ts";

const HEADER = "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt," +
  "unknown,NF";
const USAGES = ["Training", "PublicTest", "PrivateTest", "Training", "Training"];
// Columns: neutral happiness surprise sadness anger disgust fear contempt unknown NF
const VOTES = [
  [0, 7, 1, 0, 0, 0, 0, 0, 2, 0], // happiness wins
  [4, 0, 0, 4, 0, 0, 0, 0, 2, 0], // tie neutral/sadness: dropped
  [1, 0, 0, 0, 0, 0, 0, 0, 0, 9], // not a face: dropped
  [3, 0, 0, 0, 2, 0, 0, 0, 4, 1], // unknown wins: dropped
  [0, 0, 0, 0, 0, 0, 1, 5, 2, 2], // contempt wins
];

function ferPlusCsv(votes = VOTES, usages = USAGES): string {
  const rows = votes.map((v, i) =>
    `${usages[i]},fer${String(i).padStart(7, "0")}.png,${v.join(",")}`
  );
  return [HEADER, ...rows].join("\r\n") + "\r\n";
}

function fer2013(usage = USAGES) {
  return syntheticImages({
    count: usage.length,
    classNames: FER2013_CLASSES,
    usage: (i) => usage[i],
  });
}

Deno.test("plurality labels drop ties, unknown and not-a-face", () => {
  assert.deepEqual(VOTES.map((v) => ferPlusLabel(v, "plurality")), [1, -1, -1, -1, 7]);
  assert.equal(ferPlusLabel(new Array(10).fill(0), "plurality"), -1);
});

Deno.test("majority labels drop single votes and need more than half", () => {
  // 5 of 9 counted votes (the single fear vote is an outlier and not counted): contempt.
  assert.equal(ferPlusLabel([0, 0, 0, 0, 0, 0, 1, 5, 2, 2], "majority"), 7);
  // 4 of 8: not a majority, although it is the plurality.
  assert.equal(ferPlusLabel([4, 0, 2, 2, 0, 0, 0, 0, 0, 0], "majority"), -1);
  assert.equal(ferPlusLabel([4, 0, 2, 2, 0, 0, 0, 0, 0, 0], "plurality"), 0);
  // 4 of 7 once the single votes are gone.
  assert.equal(ferPlusLabel([4, 1, 2, 1, 0, 0, 1, 0, 1, 0], "majority"), 0);
});

Deno.test("FER+ keeps FER2013 pixels with canonical labels and vote distributions", async () => {
  const images = fer2013();
  await withTempDir(async (dir) => {
    await Deno.writeTextFile(`${dir}/fer2013new.csv`, ferPlusCsv());
    await writeFer2013Csv(images, `${dir}/fer2013.csv`);
    const ds = await loadFerPlus(`${dir}/fer2013.csv`, `${dir}/fer2013new.csv`);
    assert.equal(ds.name, "ferplus");
    assert.deepEqual(ds.classNames, CANONICAL_CLASSES);
    assert.equal(ds.count, 2);
    assert.deepEqual([...ds.labels], [3, 7]); // happy, contempt
    assert.deepEqual(ds.usage, ["Training", "Training"]);
    assert.deepEqual(ds.images.subarray(2304), images.images.subarray(4 * 2304, 5 * 2304));
    assert.ok(ds.softLabels);
    const first = [...ds.softLabels.subarray(0, 8)];
    // happiness 7/8 → happy (3), surprise 1/8 → surprise (5); unknown/NF are left out.
    assert.deepEqual(first.map((v) => Math.round(v * 1000) / 1000), [
      0,
      0,
      0,
      0.875,
      0,
      0.125,
      0,
      0,
    ]);
    const second = [...ds.softLabels.subarray(8, 16)];
    assert.ok(Math.abs(second.reduce((a, b) => a + b) - 1) < 1e-6);
    assert.ok(Math.abs(second[7] - 5 / 6) < 1e-6);
  });
});

Deno.test("misaligned or malformed FER+ files are DataErrors with file and line", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/fer2013new.csv`;
    const swapped = [...USAGES];
    swapped[2] = "Training";
    await Deno.writeTextFile(path, ferPlusCsv(VOTES, swapped));
    const votes = await readFerPlusVotes(path);
    assert.throws(
      () => combineFerPlus(fer2013(), votes, "plurality", "ferplus"),
      (e: unknown) =>
        e instanceof DataError && e.line === 4 &&
        /differs from the FER2013 row's 'PrivateTest'/.test(e.message),
    );
    assert.throws(
      () => combineFerPlus(fer2013(USAGES.slice(1)), votes, "plurality", "f"),
      /has 5 rows but the FER2013 images number 4/,
    );

    await Deno.writeTextFile(path, ferPlusCsv([...VOTES.slice(0, 2), [1, 2, 3]]));
    await assert.rejects(readFerPlusVotes(path), /fer2013new.csv:4: expected 12 fields, found 5/);
    await Deno.writeTextFile(path, ferPlusCsv([VOTES[0], [0, 0, 0, -1, 0, 0, 0, 0, 0, 0]]));
    await assert.rejects(readFerPlusVotes(path), /:3: vote count '-1' for sadness/);
    await Deno.writeTextFile(path, "Usage,Image name,neutral\nTraining,a.png,1\n");
    await assert.rejects(readFerPlusVotes(path), /:1: header .* is not the FER\+ header/);
  });
});

Deno.test("a run's data config picks the FER+ vote rule", async () => {
  const usages = ["Training", "PublicTest", "PrivateTest", "PublicTest"];
  const votes = [
    [0, 7, 0, 0, 0, 0, 0, 0, 0, 0],
    [4, 0, 2, 2, 0, 0, 0, 0, 0, 0], // neutral by plurality; no majority
    [0, 8, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 9, 0, 0, 0, 0, 0, 0, 0, 0],
  ];
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/fer2013`);
    await Deno.mkdir(`${dir}/ferplus`);
    await writeFer2013Csv(fer2013(usages), `${dir}/fer2013/fer2013.csv`);
    await Deno.writeTextFile(`${dir}/ferplus/fer2013new.csv`, ferPlusCsv(votes, usages));
    const loaded = async (vote?: "plurality" | "majority") =>
      (await prepareData({
        dataset: "ferplus",
        dataDir: dir,
        vote,
        split: { kind: "official" },
        normalization: { kind: "model" },
      }, 0)).counts.loaded;
    assert.equal(await loaded(), 4);
    assert.equal(await loaded("majority"), 3);
  });
});
