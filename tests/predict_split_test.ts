/** predictSplit: `fer eval`'s probabilities of a saved model, with nothing written (bench/ensemble.ts). */
import assert from "node:assert/strict";
import { join } from "node:path";
import { evaluateModel, predictSplit } from "../lib/train/eval_run.ts";
import { accuracy } from "../lib/metrics/accuracy.ts";
import { RunFolder } from "../lib/train/run_folder.ts";
import { makeFixtureRun, writeFixtureDataset } from "./report_fixture.ts";
import { withTempDir } from "./helpers.ts";

Deno.test("predictSplit gives the probabilities fer eval scores, and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    const before = [...Deno.readDirSync(run.dir)].map((entry) => entry.name).sort();
    const runConfig = await RunFolder.readConfigIfRun(run.dir);
    const options = { split: "PublicTest", tta: "flip", backend: "cpu" } as const;
    const predicted = await predictSplit(run.dir, runConfig, options);
    const after = [...Deno.readDirSync(run.dir)].map((entry) => entry.name).sort();
    assert.deepEqual(after, before);

    const { images, probabilities } = predicted;
    assert.equal(probabilities.length, images.count * images.classNames.length);
    const evaluated = await evaluateModel(run.dir, options);
    assert.equal(evaluated.metrics.count, images.count);
    assert.equal(accuracy(images.labels, probabilities), evaluated.metrics.accuracy);
  });
});
