/**
 * `fer average`: the mean of runs' weights with BatchNorm statistics measured again, saved and
 * scored as a run that `fer eval` reproduces and `fer export` packages with every training behind it.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { join } from "node:path";
import { BatchNormalization } from "../lib/models/batch_norm.ts";
import { loadModel, readModelCard, recomputeBatchNormStatistics } from "../lib/models/mod.ts";
import { averageRuns, greedySoup } from "../lib/train/average.ts";
import { evaluateModel } from "../lib/train/eval_run.ts";
import { exportRunModel } from "../lib/train/export.ts";
import {
  compactProvenance,
  directSources,
  type Provenance,
  stepsBehind,
} from "../lib/models/card.ts";
import { trainRun } from "../lib/train/run.ts";
import { makeFixtureRun, writeFixtureDataset } from "./report_fixture.ts";
import { withTempDir } from "./helpers.ts";

const quiet = { print: () => {} };

Deno.test("recomputed BatchNorm statistics are the exact mean over batches of any size", async () => {
  await tf.setBackend("cpu");
  const layer = new BatchNormalization({ inputShape: [2], momentum: 0.99 });
  const model = tf.sequential({ layers: [layer] });
  const first = [[1, 10], [3, 10], [5, 40], [7, 40]];
  const second = [[11, 0], [13, 0]];
  const seen = await recomputeBatchNormStatistics(model, [tf.tensor2d(first), tf.tensor2d(second)]);
  assert.equal(seen, 6);
  const [, , movingMean, movingVariance] = model.getWeights().map((w) => Array.from(w.dataSync()));
  // Means weighted by images: (4·4 + 2·12) / 6 and (4·25 + 2·0) / 6.
  assert.ok(Math.abs(movingMean[0] - 40 / 6) < 1e-4, `mean ${movingMean}`);
  assert.ok(Math.abs(movingMean[1] - 100 / 6) < 1e-4, `mean ${movingMean}`);
  // Batch variances (5 and 1; 225 and 0), weighted the same way.
  assert.ok(Math.abs(movingVariance[0] - 22 / 6) < 1e-3, `variance ${movingVariance}`);
  assert.ok(Math.abs(movingVariance[1] - 900 / 6) < 1e-2, `variance ${movingVariance}`);
  assert.equal((layer as unknown as { momentum: number }).momentum, 0.99, "momentum restored");
  model.dispose();
});

Deno.test("a model without BatchNorm reads no batches", async () => {
  await tf.setBackend("cpu");
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [2] })] });
  const batches = function* () {
    yield tf.zeros([1, 2]);
    throw new Error("read a batch");
  };
  assert.equal(await recomputeBatchNormStatistics(model, batches()), 0);
  model.dispose();
});

Deno.test("an average of runs is their mean weights, scored, reproducible and exported with every training behind it", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const [trainA, trainX] = ["fer train m --out runs/a", "fer train m --out runs/x"];
    const averageAX = "fer average runs/a runs/x --out runs/ax";
    const cards = [
      { command: trainA, epochsRun: 6, trainingSeconds: 100 },
      {
        command: "fer train m --init-from runs/ax --out runs/b",
        epochsRun: 4,
        trainingSeconds: 50,
        initialisedFrom: {
          run: "runs/ax",
          command: averageAX,
          averagedFrom: [
            { run: "runs/a", command: trainA, epochsRun: 6, trainingSeconds: 100 },
            { run: "runs/x", command: trainX, epochsRun: 2, trainingSeconds: 10 },
          ],
        },
      },
    ];
    const runs = await Promise.all(
      cards.map((card, seed) => makeFixtureRun(join(dir, `run${seed}`), dataset, { seed, card })),
    );
    const out = join(dir, "average");
    // The command line is the caller's to give (the CLI passes its own).
    const command = `deno task fer average ${runs.map((r) => r.dir).join(" ")} --out ${out}`;
    const result = await averageRuns(runs.map((r) => r.dir), { out, command, ...quiet });

    const [a, b, averaged] = await Promise.all(
      [...runs.map((r) => r.dir), out].map((run) => loadModel(join(run, "model"))),
    );
    const weights = (m: tf.LayersModel) => m.getWeights().map((w) => w.dataSync());
    const [wa, wb, wm] = [a, b, averaged].map((m) => weights(m.model));
    for (let w = 0; w < wm.length; w++) {
      const i = wm[w].length - 1;
      assert.ok(Math.abs(wm[w][i] - (wa[w][i] + wb[w][i]) / 2) < 1e-6, `weight ${w}`);
    }
    const card = averaged.card;
    assert.deepEqual((card.averagedFrom as { run: string }[]).map((s) => s.run), [
      runs[0].dir,
      runs[1].dir,
    ]);
    const nested = card.averagedFrom as unknown as {
      initialisedFrom: { averagedFrom: unknown[] };
    }[];
    assert.deepEqual(
      nested[1].initialisedFrom.averagedFrom[0],
      { run: "runs/a", command: trainA },
      "run a is given in full once, above; here only named",
    );
    assert.equal(card.trainingSeconds, 160, "run a counted once though run b goes back to it too");
    assert.equal(card.epochsRun, 12);
    [a, b, averaged].forEach((m) => m.dispose());

    const again = await evaluateModel(out, { split: "PrivateTest", tta: "none", backend: "cpu" });
    assert.equal(again.metrics.accuracy, result.metrics!.accuracy);
    assert.deepEqual(again.metrics.confusionMatrix, result.metrics!.confusionMatrix);

    const exported = await exportRunModel(out, join(dir, "shipped"));
    const reproduce = exported.card.reproduce as { trainBefore: string[]; train: string };
    assert.deepEqual(reproduce.trainBefore, [trainA, trainX, averageAX, cards[1].command]);
    assert.match(reproduce.train, /^deno task fer/);
  });
});

Deno.test("a compact card names each step once and walks back to the same steps", () => {
  const step = (name: string, more: Partial<Provenance> = {}): Provenance => ({
    run: `runs/${name}`,
    command: `fer ${name}`,
    trainingSeconds: 10,
    ...more,
  });
  const c1 = step("c1", { initialisedFrom: step("c0") });
  const c2 = step("c2", { initialisedFrom: c1 });
  const soup = step("soup", { averagedFrom: [c2], triedAndLeftOut: [c1] });
  const c3 = step("c3", { initialisedFrom: soup });
  const card = { averagedFrom: [c3, c2], triedAndLeftOut: [c1] };

  const compact = compactProvenance(card);
  const steps = (c: typeof card) =>
    stepsBehind(directSources(c)).map((s) => [s.command, s.trainingSeconds]);
  assert.deepEqual(steps(compact), steps(card), "the same steps, each found in full");
  const text = JSON.stringify(compact);
  // c1: in full inside c2, named where the soup and the card tried it; c2: in full in the soup,
  // named where the card averaged it.
  const mentions = { c0: 1, c1: 3, c2: 2, c3: 1, soup: 1 };
  for (const [name, count] of Object.entries(mentions)) {
    assert.equal(text.split(`"command":"fer ${name}"`).length - 1, count, name);
  }
  assert.equal(text.split('"trainingSeconds"').length - 1, 5, "each step in full once");
  assert.deepEqual(compact.averagedFrom[1], { run: "runs/c2", command: "fer c2" });
  assert.deepEqual(compact.triedAndLeftOut[0], { run: "runs/c1", command: "fer c1" });
});

Deno.test("export ships a compact card, in card.json and in model.json, from a run whose card is not", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const a = { run: "runs/a", command: "fer train a", trainingSeconds: 5 };
    const b = { run: "runs/b", command: "fer train b", initialisedFrom: a };
    const soup = {
      run: "runs/s",
      command: "fer average s",
      averagedFrom: [a],
      triedAndLeftOut: [b],
    };
    const run = await makeFixtureRun(join(dir, "run"), dataset, {
      card: { command: "fer train c", initialisedFrom: soup },
    });
    const out = join(dir, "shipped");
    const exported = await exportRunModel(run.dir, out);
    for (const card of [exported.card, await readModelCard(out)]) {
      const source = card.initialisedFrom as typeof soup;
      assert.deepEqual(source.averagedFrom[0], a);
      assert.deepEqual(source.triedAndLeftOut[0].initialisedFrom, {
        run: a.run,
        command: a.command,
      });
    }
    const reproduce = exported.card.reproduce as { trainBefore: string[] };
    assert.deepEqual(reproduce.trainBefore, ["fer train a", "fer train b", "fer average s"]);
  });
});

Deno.test("average refuses a lone run, runs of different models, a used folder, and resuming", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const run = await makeFixtureRun(join(dir, "run"), dataset);
    await assert.rejects(averageRuns([run.dir], quiet), /at least two runs/);

    const other = join(dir, "other");
    await Deno.mkdir(other);
    const config = { ...run.config, model: { name: "liu-cnn5" } };
    await Deno.writeTextFile(join(other, "config.json"), JSON.stringify(config));
    for (const file of ["metrics-val.json", "history.csv"]) {
      await Deno.copyFile(join(run.dir, file), join(other, file));
    }
    await assert.rejects(
      averageRuns([run.dir, other], quiet),
      new RegExp(
        `${other} cannot be averaged with ${run.dir}: .*\\(model\\.name: "chen-ckplus" → "liu-cnn5";`,
      ),
    );

    const used = join(dir, "used");
    await Deno.mkdir(used);
    await Deno.writeTextFile(join(used, "notes.txt"), "mine");
    await assert.rejects(averageRuns([run.dir, run.dir], { out: used, ...quiet }), /not empty/);
    assert.equal(await Deno.readTextFile(join(used, "notes.txt")), "mine");

    const out = join(dir, "average");
    await averageRuns([run.dir, run.dir], { out, ...quiet });
    await assert.rejects(
      trainRun(config, { resume: out, progress: "quiet", print: () => {} }),
      /made by 'fer average'.*nothing to resume/,
    );
  });
});

Deno.test("a greedy soup adds runs best first and keeps only those that do not lower the mean's accuracy", async () => {
  const runs = ["c1", "c2", "c3", "c4"];
  const own = [0.60, 0.66, 0.64, 0.65];
  // Validation accuracy of each mean tried, by its members in the order they were added.
  const means: Record<string, number> = {
    "c2": 0.66,
    "c2+c4": 0.67,
    "c2+c4+c3": 0.665,
    "c2+c4+c1": 0.67,
  };
  const tried: string[] = [];
  const lines: string[] = [];
  const members = await greedySoup(runs, own, (candidate) => {
    const key = candidate.map((i) => runs[i]).join("+");
    tried.push(key);
    return Promise.resolve(means[key]);
  }, (line) => lines.push(line));
  assert.deepEqual(tried, ["c2", "c2+c4", "c2+c4+c3", "c2+c4+c1"]);
  assert.deepEqual(members, [0, 1, 3], "c3 lowered the mean and is left out; a tie keeps c1");
  assert.match(lines.join("\n"), /\+ c3: 0\.6650 left out/);
  assert.match(lines.at(-1)!, /3 of 4 runs/);
});

Deno.test("fer average --greedy records the runs it kept and those it left out, which export's commands need too", async () => {
  await withTempDir(async (dir) => {
    const dataset = await writeFixtureDataset(dir);
    const commands = [0, 1, 2].map((seed) => `fer train m --seed ${seed} --out runs/s${seed}`);
    const runs = await Promise.all(
      commands.map((command, seed) =>
        makeFixtureRun(join(dir, `run${seed}`), dataset, {
          seed,
          card: { command, epochsRun: 1, trainingSeconds: 10 ** seed },
        })
      ),
    );
    const out = join(dir, "soup");
    const lines: string[] = [];
    await averageRuns(runs.map((r) => r.dir), {
      out,
      greedy: true,
      print: (line) => lines.push(line),
    });
    const runOf = (line: string) => runs.find((r) => line.includes(r.dir))!.dir;
    const kept = lines.filter((line) => / kept$| alone /.test(line)).map(runOf).sort();
    const leftOut = lines.filter((line) => / left out$/.test(line)).map(runOf).sort();
    assert.equal(kept.length + leftOut.length, 3);
    // Fixture runs of different seeds share no basin: their mean is worse, so some are left out.
    assert.ok(leftOut.length > 0, lines.join("\n"));
    const config = JSON.parse(await Deno.readTextFile(join(out, "config.json")));
    assert.deepEqual([...config.averagedFrom].sort(), kept);
    const averaged = await loadModel(join(out, "model"));
    const card = averaged.card as {
      averagedFrom: { run: string }[];
      triedAndLeftOut?: { run: string }[];
      selectedBy: string;
      trainingSeconds: number;
    };
    averaged.dispose();
    assert.deepEqual(card.averagedFrom.map((s) => s.run), config.averagedFrom);
    assert.deepEqual((card.triedAndLeftOut ?? []).map((s) => s.run).sort(), leftOut);
    assert.match(card.selectedBy, new RegExp(`greedy soup of ${kept.length} of 3 runs`));
    assert.equal(card.trainingSeconds, 111, "every run tried counts towards the budget");

    const exported = await exportRunModel(out, join(dir, "shipped"));
    const reproduce = exported.card.reproduce as { trainBefore: string[] };
    assert.deepEqual([...reproduce.trainBefore].sort(), commands, "the soup's command reads all");
  });
});
