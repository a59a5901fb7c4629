import assert from "node:assert/strict";
import { DataError, FerError, UsageError } from "../lib/errors.ts";
import {
  CANONICAL_CLASSES,
  DATASETS,
  FER2013_CLASSES,
  loadDataset,
  locateDataset,
  syntheticImages,
  writeFer2013Csv,
  writeImageFolder,
} from "../lib/data/mod.ts";
import { main } from "../cli/main.ts";
import { withTempDir } from "./helpers.ts";

const USAGES = ["Training", "Training", "PublicTest", "PrivateTest"];

/** A data folder laid out like FER_DATA_DIR, with tiny versions of the three datasets. */
async function makeDataDir(dir: string): Promise<void> {
  await Deno.mkdir(`${dir}/fer2013`);
  await Deno.mkdir(`${dir}/ferplus`);
  const fer = syntheticImages({
    count: 8,
    classNames: FER2013_CLASSES,
    usage: (i) => USAGES[i % 4],
  });
  await writeFer2013Csv(fer, `${dir}/fer2013/fer2013.csv.gz`);
  const votes = fer.usage!.map((usage, i) =>
    `${usage},fer${i}.png,${i % 2 ? "8,1,0,0,0,0,0,0,1,0" : "0,0,0,0,0,0,0,0,0,10"}`
  );
  await Deno.writeTextFile(
    `${dir}/ferplus/fer2013new.csv`,
    ["Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,fear,contempt,unknown,NF"]
      .concat(votes).join("\n") + "\n",
  );
  const ck = syntheticImages({ count: 6, classNames: ["anger", "sadness", "contempt"] });
  await writeImageFolder(ck, `${dir}/ckplus48`, {
    fileName: (i) => `S${String(100 + (i % 4)).padStart(3, "0")}_001_0000000${i}.png`,
  });
}

Deno.test("registry names load from the data folder", async () => {
  await withTempDir(async (dir) => {
    await makeDataDir(dir);
    const fer = await loadDataset("FER2013", { dataDir: dir });
    assert.equal(fer.name, "fer2013");
    assert.equal(fer.count, 8);
    assert.deepEqual(fer.classNames, FER2013_CLASSES);

    const plus = await loadDataset("ferplus", { dataDir: dir });
    assert.deepEqual(plus.classNames, CANONICAL_CLASSES);
    assert.equal(plus.count, 4); // the NF rows are dropped
    assert.ok(plus.labels.every((l) => l === 6)); // neutral

    const ck = await loadDataset("ckplus48", { dataDir: dir });
    // CK+ always has its 7 classes, even when some have no folder.
    assert.deepEqual(ck.classNames, [
      "angry",
      "disgust",
      "fear",
      "happy",
      "sad",
      "surprise",
      "contempt",
    ]);
    assert.deepEqual([...new Set(ck.labels)].sort(), [0, 4, 6]);
    assert.deepEqual(new Set(ck.groups), new Set(["S100", "S101", "S102", "S103"]));
    assert.equal(ck.usage, undefined);
  });
});

Deno.test("fer2013 is also found as the Kaggle train/test image folders", async () => {
  await withTempDir(async (dir) => {
    const fer = syntheticImages({ count: 4, classNames: FER2013_CLASSES, usage: (i) => USAGES[i] });
    await writeImageFolder(fer, `${dir}/fer2013`, { splitFolders: true });
    const ds = await loadDataset("fer2013", { dataDir: dir });
    assert.equal(ds.name, "fer2013");
    assert.deepEqual(ds.classNames, FER2013_CLASSES);
    assert.deepEqual([...ds.usage!].sort(), [...USAGES].sort());
  });
});

Deno.test("a missing dataset says where it was looked for and where to get it", async () => {
  assert.throws(
    () => locateDataset("fer2013", undefined),
    (e: unknown) =>
      e instanceof FerError && /FER_DATA_DIR is not set/.test(e.message) &&
      /\$FER_DATA_DIR\/fer2013\/fer2013.csv.gz/.test(e.message) &&
      /kaggle.com\/c\/challenges-in-representation-learning/.test(e.message),
  );
  await withTempDir(async (dir) => {
    await assert.rejects(
      loadDataset("ckplus48", { dataDir: dir }),
      new RegExp(`not found: looked for ${dir}/ckplus48.*jeffcohn.net/Resources`),
    );
    await assert.rejects(
      loadDataset("ferplus", { dataDir: dir }),
      new RegExp(`${dir}/ferplus/fer2013new.csv.*github.com/microsoft/FERPlus`),
    );
  });
});

Deno.test("unknown names list the choices; paths load by content", async () => {
  await assert.rejects(
    loadDataset("fer2014"),
    (e: unknown) =>
      e instanceof UsageError && /Valid choices: fer2013, ferplus, ckplus48/.test(e.message) &&
      /or give a path/.test(e.message),
  );
  await assert.rejects(loadDataset("./missing.csv"), /missing.csv: no such file or folder/);
  await withTempDir(async (dir) => {
    await makeDataDir(dir);
    const byPath = await loadDataset(`${dir}/fer2013/fer2013.csv.gz`);
    assert.equal(byPath.count, 8);
    assert.equal(byPath.name, "fer2013");
    await assert.rejects(loadDataset(`${dir}/ferplus/fer2013new.csv`), /FER\+ votes only/);
    await Deno.writeTextFile(`${dir}/notes.csv`, "a,b\n1,2\n");
    await assert.rejects(
      loadDataset(`${dir}/notes.csv`),
      (e: unknown) => e instanceof DataError && e.line === 1 && /neither a FER2013/.test(e.message),
    );
  });
});

Deno.test("every registry entry documents itself", () => {
  for (const entry of DATASETS) {
    assert.ok(entry.description.length > 20, entry.name);
    assert.ok(entry.citation.length > 20, entry.name);
    assert.match(entry.source, /https:\/\//);
    assert.ok(entry.files.length > 0);
  }
  assert.deepEqual(DATASETS.find((d) => d.name === "ckplus48")?.defaultProtocol, {
    kind: "group-k-fold",
    k: 10,
    seed: 0,
  });
});

/** Runs the CLI, returning its exit status and what it printed. */
async function runCli(args: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const { log, error } = console;
  console.log = (...parts: unknown[]) => out.push(parts.join(" "));
  console.error = (...parts: unknown[]) => err.push(parts.join(" "));
  try {
    const status = await main(args);
    return { status, out: out.join("\n"), err: err.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("fer data info --json has the documented shape", async () => {
  await withTempDir(async (dir) => {
    await makeDataDir(dir);
    const { status, out } = await runCli(["data", "info", "fer2013", "--data-dir", dir, "--json"]);
    assert.equal(status, 0);
    const info = JSON.parse(out);
    assert.equal(info.dataset, "fer2013");
    assert.deepEqual(Object.keys(info.splits), ["Training", "PublicTest", "PrivateTest"]);
    assert.equal(info.splits.Training.total, 4);
    assert.deepEqual(Object.keys(info.splits.Training.classes), FER2013_CLASSES);
    assert.equal(info.splits.Training.classes.angry, 1); // labels 0 and 4 are Training
    assert.equal(info.splits.Training.classes.sad, 1);
    assert.equal(info.total.total, 8);
    assert.equal(info.duplicates.leakageGroups, 0);

    const ck = await runCli(["data", "info", "ckplus48", "--data-dir", dir]);
    assert.equal(ck.status, 0);
    assert.match(ck.out, /ckplus48: 6 images, 48×48×1, 7 classes, 4 subjects/);
    assert.match(ck.out, /^all\s+6\s+2\s+0\s+0\s+0\s+2\s+0\s+2$/m);

    const picked = await runCli([
      "data",
      "info",
      "fer2013",
      "--data-dir",
      dir,
      "--classes",
      "sad,angry",
      "--json",
    ]);
    assert.deepEqual(Object.keys(JSON.parse(picked.out).total.classes), ["sad", "angry"]);
  });
});

Deno.test("fer data check names the first bad line, or says ok", async () => {
  await withTempDir(async (dir) => {
    const pixels = new Array(2304).fill("7").join(" ");
    const good = `emotion,pixels,Usage\n0,${pixels},Training\n`;
    await Deno.writeTextFile(`${dir}/good.csv`, good);
    const ok = await runCli(["data", "check", `${dir}/good.csv`]);
    assert.equal(ok.status, 0);
    assert.match(ok.out, /^ok: .*good.csv: FER2013 CSV, 1 rows/);

    await Deno.writeTextFile(
      `${dir}/bad.csv`,
      `${good}1,${pixels} 300,Training\n8,${pixels},Training\n`,
    );
    const bad = await runCli(["data", "check", `${dir}/bad.csv`]);
    assert.equal(bad.status, 1);
    assert.match(bad.err, /bad.csv:3: expected 2304 pixel values|bad.csv:3: pixel value 300/);
    const all = await runCli(["data", "check", `${dir}/bad.csv`, "--all"]);
    assert.equal(all.status, 1);
    assert.match(all.err, /found 2 bad row\(s\)/);
    assert.match(all.err, /bad.csv:4: emotion '8'/);
  });
});

Deno.test("fer data --help and bad arguments", async () => {
  const help = await runCli(["data", "--help"]);
  assert.equal(help.status, 0);
  assert.match(help.out, /info\s+Counts per split/);
  assert.match(help.out, /check\s+Validate/);
  const infoHelp = await runCli(["data", "info", "--help"]);
  assert.match(infoHelp.out, /--data-dir DIR/);
  const unknown = await runCli(["data", "info", "fer2014"]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.err, /Valid choices: fer2013, ferplus, ckplus48/);
});
