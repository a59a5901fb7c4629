/**
 * `fer export`: a finished run becomes a model folder that travels alone (like models/default),
 * whose card.json numbers `fer eval` on the bare folder reproduces.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { exportRunModel } from "../lib/train/export.ts";
import { evaluateModel } from "../lib/train/eval_run.ts";
import { makeFixtureRun, writeFixtureDataset } from "./report_fixture.ts";
import { withTempDir } from "./helpers.ts";

Deno.test("an exported run's card.json is reproduced by evaluating the bare folder", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    const out = join(dir, "shipped");
    const exported = await exportRunModel(run.dir, out);

    const card = JSON.parse(await Deno.readTextFile(join(out, "card.json")));
    assert.deepEqual(card.classNames, run.config.data.classes);
    assert.equal(card.test.split, "PrivateTest");
    assert.equal(card.test.accuracy, run.test.accuracy);
    assert.deepEqual(card.test.confusionMatrix, run.test.confusionMatrix);
    assert.equal(card.testWithTta.tta, "flip");
    assert.equal(card.testWithTta.accuracy, run.testFlip.accuracy);
    assert.equal(card.sizeBytes, exported.bytes);
    assert.deepEqual(card.reproduce.evaluate, [
      `deno task eval ${out} --data ${dataset} --split PrivateTest`,
      `deno task eval ${out} --data ${dataset} --split PrivateTest --tta flip`,
    ]);

    for (const [tta, expected] of [["none", run.test], ["flip", run.testFlip]] as const) {
      const again = await evaluateModel(out, {
        data: dataset,
        split: "PrivateTest",
        tta,
        backend: "cpu",
      });
      assert.equal(again.savedIn, undefined, "a bare model folder is not written into");
      assert.equal(again.metrics.accuracy, expected.accuracy);
      assert.deepEqual(again.metrics.confusionMatrix, expected.confusionMatrix);
    }
  });
});

Deno.test("the card of a run started from another run's weights lists every training, oldest first", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const initialisedFrom = {
      run: "runs/warm",
      command: "fer train m --init-from runs/cold --out runs/warm",
      resumedWith: ["fer train --resume runs/warm"],
      initialisedFrom: { run: "runs/cold", command: "fer train m --out runs/cold" },
    };
    const command = "fer train m --init-from runs/warm";
    const run = await makeFixtureRun(join(dir, "run"), dataset, {
      card: { command, initialisedFrom },
    });
    const { card } = await exportRunModel(run.dir, join(dir, "shipped"));
    const reproduce = card.reproduce as { trainBefore: string[]; train: string };
    assert.deepEqual(reproduce.trainBefore, [
      "fer train m --out runs/cold",
      "fer train m --init-from runs/cold --out runs/warm",
      "fer train --resume runs/warm",
    ]);
    assert.equal(reproduce.train, command);
    assert.deepEqual(card.initialisedFrom, initialisedFrom);
  });
});

Deno.test("export refuses an unfinished run and an occupied folder unless forced", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      exportRunModel(join(dir, "nothing"), join(dir, "out")),
      /is not a run folder/,
    );
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    await Deno.remove(join(run.dir, "metrics-val.json"));
    await assert.rejects(exportRunModel(run.dir, join(dir, "out")), /not a finished run/);
    await Deno.writeTextFile(join(run.dir, "metrics-val.json"), JSON.stringify(run.val));
    await exportRunModel(run.dir, join(dir, "out"));
    await assert.rejects(exportRunModel(run.dir, join(dir, "out")), /--force/);
    await exportRunModel(run.dir, join(dir, "out"), { force: true });
  });
});

Deno.test("export puts a TTA evaluated later with fer eval on the card", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    // A run trained without TTA, like the paper experiments: its card needs a later `fer eval`.
    const configPath = join(run.dir, "config.json");
    await Deno.writeTextFile(configPath, JSON.stringify({ ...run.config, tta: "none" }));
    const out = join(dir, "shipped");
    await exportRunModel(run.dir, out);
    assert.equal(
      JSON.parse(await Deno.readTextFile(join(out, "card.json"))).testWithTta,
      undefined,
    );
    await assert.rejects(
      exportRunModel(run.dir, out, { tta: "flip", force: true }),
      /no flip TTA evaluation of its PrivateTest split: run 'deno task eval .* --tta flip' first/,
    );
    const flip = await evaluateModel(run.dir, {
      split: "PrivateTest",
      tta: "flip",
      backend: "cpu",
    });
    await exportRunModel(run.dir, out, { tta: "flip", force: true });
    const card = JSON.parse(await Deno.readTextFile(join(out, "card.json")));
    assert.equal(card.testWithTta.tta, "flip");
    assert.equal(card.testWithTta.accuracy, flip.metrics.accuracy);
    assert.deepEqual(card.testWithTta.confusionMatrix, flip.metrics.confusionMatrix);
    assert.equal(card.test.accuracy, run.test.accuracy);
    assert.match(card.reproduce.export, / --tta flip$/);
    assert.equal(
      card.reproduce.evaluate[1],
      `deno task eval ${out} --data ${dataset} --split PrivateTest --tta flip`,
    );
  });
});

Deno.test("a float16 export is half the size and its card holds scores measured on it", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    const out = join(dir, "half");
    const runFiles = async () =>
      (await Array.fromAsync(Deno.readDir(run.dir))).map((entry) => entry.name).sort();
    const filesBefore = await runFiles();
    const exported = await exportRunModel(run.dir, out, { float16: true });
    const weightsBytes = (folder: string) => Deno.statSync(join(folder, "weights.bin")).size;
    assert.equal(weightsBytes(out), weightsBytes(join(run.dir, "model")) / 2);
    const card = exported.card as Record<string, Record<string, unknown>>;
    assert.equal(card.weightsDtype, "float16");
    assert.deepEqual(card.float32Accuracy, {
      test: run.test.accuracy,
      testWithTta: run.testFlip.accuracy,
    });
    assert.match(String(card.reproduce.export), / --float16$/);
    for (const [tta, score] of [["none", card.test], ["flip", card.testWithTta]] as const) {
      const again = await evaluateModel(out, {
        data: dataset,
        split: "PrivateTest",
        tta,
        backend: "cpu",
      });
      assert.equal(score.accuracy, again.metrics.accuracy);
      assert.deepEqual(score.confusionMatrix, again.metrics.confusionMatrix);
    }
    assert.deepEqual(
      await runFiles(),
      filesBefore,
      "measuring the export wrote nothing into the run",
    );
  });
});

Deno.test("a failed export leaves the model already in the folder as it was", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    const out = join(dir, "shipped");
    await exportRunModel(run.dir, out);
    const snapshot = async () =>
      await Promise.all(
        ["model.json", "weights.bin", "card.json"].map((name) => Deno.readFile(join(out, name))),
      );
    const before = await snapshot();
    // Measuring float16 weights needs the data: without it the export fails half-way.
    await Deno.remove(dataset);
    await assert.rejects(exportRunModel(run.dir, out, { float16: true, force: true }), /synthetic/);
    assert.deepEqual(await snapshot(), before);
    const left = (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name);
    assert.deepEqual(left.filter((name) => name.startsWith(".export-")), []);
  });
});

Deno.test("ten-crop TTA of a model that never saw crops is refused with the reason", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    await assert.rejects(
      evaluateModel(run.dir, { split: "PrivateTest", tta: "tencrop", backend: "cpu" }),
      /--tta tencrop needs a model trained on fixed-size crops.*use --tta flip/,
    );
  });
});
