import assert from "node:assert/strict";
import { main } from "../cli/main.ts";
import { FER2013_CLASSES } from "../lib/data/mod.ts";
import { parseHistoryCsv } from "../lib/train/run_folder.ts";
import { readRunResult } from "../lib/train/run_result.ts";
import { captureConsole, withTempDir, writeTinyFer2013 } from "./helpers.ts";

/** A tiny FER2013-style CSV: 7 classes, the three Usage parts (140 / 35 / 35). */
const tinyFer2013 = (dir: string) =>
  writeTinyFer2013(`${dir}/fer2013.csv`, { count: 210, training: 140, publicTest: 35, seed: 3 });

/** The run in `resumed` trained to the same history and test accuracy as the one in `full`. */
async function assertSameTraining(resumed: string, full: string) {
  const strip = (text: string) => parseHistoryCsv(text).map((h) => ({ ...h, seconds: 0 }));
  assert.deepEqual(
    strip(await Deno.readTextFile(`${resumed}/history.csv`)),
    strip(await Deno.readTextFile(`${full}/history.csv`)),
  );
  assert.equal(
    JSON.parse(await Deno.readTextFile(`${resumed}/metrics.json`)).accuracy,
    JSON.parse(await Deno.readTextFile(`${full}/metrics.json`)).accuracy,
  );
}

/** `fer train` of mondal-shallow on `csv` into `out`: 2 quiet epochs of batch 16 on wasm. */
const trainArgs = (csv: string, out: string, ...extra: string[]) => [
  "train",
  "mondal-shallow",
  "--data",
  csv,
  "--out",
  out,
  ...["--epochs", "2", "--batch-size", "16", "--backend", "wasm", "--quiet"],
  ...extra,
];

Deno.test("fer train writes a complete run folder and fer eval reproduces its test metrics", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyFer2013(dir);
    const run = `${dir}/run`;
    const trained = await captureConsole(() => main(trainArgs(csv, run, "--seed", "1")));
    assert.equal(trained.code, 0, trained.out);
    assert.match(trained.out, /Backend: /);
    assert.match(trained.out, /Test \(35 images, no TTA\): accuracy/);
    assert.match(trained.out, /Report: .*report\.html/);
    const files = ["config.json", "train.log", "model/model.json", "checkpoint/state.json"];
    for (const file of [...files, "report.html", "report.md"]) {
      await Deno.stat(`${run}/${file}`);
    }
    const history = parseHistoryCsv(await Deno.readTextFile(`${run}/history.csv`));
    assert.equal(history.length, 2);
    assert.ok(history.every((h) => h.val_accuracy !== undefined && h.lr > 0));
    const metrics = JSON.parse(await Deno.readTextFile(`${run}/metrics.json`));
    assert.equal(metrics.split, "test");
    assert.equal(metrics.tta, "none");
    assert.equal(metrics.count, 35);
    assert.deepEqual(metrics.classes, FER2013_CLASSES);
    const predictions = (await Deno.readTextFile(`${run}/predictions.csv`)).trim().split("\n");
    assert.equal(predictions.length, 36);
    // The card's training time means little without the CPU it was measured on.
    const { card } = JSON.parse(await Deno.readTextFile(`${run}/model/model.json`))
      .userDefinedMetadata.fer;
    const platform = `${Deno.build.os}/${Deno.build.arch}`;
    const cores = `${navigator.hardwareConcurrency} cores`;
    assert.match(card.machine, new RegExp(`^\\S.*, ${cores}(, [\\d.]+ GHz)?, ${platform}$`));

    const evaluated = await captureConsole(() =>
      main(["eval", run, "--split", "PrivateTest", "--json"])
    );
    assert.equal(evaluated.code, 0, evaluated.out);
    const again = JSON.parse(evaluated.out);
    assert.equal(again.split, "PrivateTest");
    assert.equal(again.accuracy, metrics.accuracy);
    assert.deepEqual(again.confusionMatrix, metrics.confusionMatrix);

    // A second train into the finished run's folder is refused, and the run stays as it was.
    const metricsText = await Deno.readTextFile(`${run}/metrics.json`);
    const configText = await Deno.readTextFile(`${run}/config.json`);
    const twice = await captureConsole(() => main(trainArgs(csv, run)));
    assert.equal(twice.code, 1);
    assert.match(
      twice.err,
      /--out .*run is not empty \(a run is there: 'fer train --resume .*run' continues it\)/,
    );
    // So is one whose --init-from names no model, though it gets past the folder check.
    const other = `${dir}/other`;
    const badInit = await captureConsole(() =>
      main(trainArgs(csv, other, "--init-from", `${dir}/nowhere`))
    );
    assert.equal(badInit.code, 1);
    assert.match(badInit.err, /nowhere is neither a model folder nor a run folder/);
    assert.equal(await Deno.stat(other).catch(() => null), null);
    assert.equal(await Deno.readTextFile(`${run}/metrics.json`), metricsText);
    assert.equal(await Deno.readTextFile(`${run}/config.json`), configText);
  });
});

Deno.test("out-of-range settings name the option and the config key; nothing is written", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyFer2013(dir);
    const out = `${dir}/run`;
    const cases: [string[], RegExp][] = [
      [["--epochs", "0"], /--epochs \(schedule\.epochs\) must be an integer ≥ 1, got 0/],
      [["--lr=-1"], /--lr \(optimizer\.lr\) must be a number > 0, got -1/],
      [["--batch-size", "0"], /--batch-size \(schedule\.batchSize\) must be an integer ≥ 1/],
      [["--limit", "0"], /--limit \(data\.limit\) must be an integer ≥ 1, got 0/],
      [["--label-smoothing", "5"], /--label-smoothing .* must be a number in \[0, 1\), got 5/],
      [["--epochs", "-1"], /--epochs \(schedule\.epochs\) must be an integer ≥ 1, got -1/],
    ];
    for (const [extra, message] of cases) {
      const result = await captureConsole(() => main([...trainArgs(csv, out), ...extra]));
      assert.equal(result.code, 2, extra.join(" "));
      assert.match(result.err, message);
    }
    // A --config file holds only what it changes; a config that is not an object is refused.
    await Deno.writeTextFile(`${dir}/bad.json`, "[]");
    const notObject = await captureConsole(() =>
      main([...trainArgs(csv, out), "--config", `${dir}/bad.json`])
    );
    assert.equal(notObject.code, 1);
    assert.match(notObject.err, /--config .*bad\.json: expected a JSON object/);
    await Deno.writeTextFile(`${dir}/part.json`, JSON.stringify({ schedule: { epochs: 0 } }));
    const partial = await captureConsole(() =>
      main(["train", "mondal-shallow", "--data", csv, "--out", out, "--config", `${dir}/part.json`])
    );
    assert.equal(partial.code, 2);
    assert.match(partial.err, /schedule\.epochs\) must be an integer ≥ 1, got 0/);
    assert.equal(await Deno.stat(out).catch(() => null), null);

    // FER2013's Usage names mean nothing for a run split another way.
    const stratified = await captureConsole(() =>
      main([...trainArgs(csv, out, "--split", "0.6,0.2,0.2", "--no-report"), "--epochs", "1"])
    );
    assert.equal(stratified.code, 0, stratified.err);
    const wrongSplit = await captureConsole(() => main(["eval", out, "--split", "PrivateTest"]));
    assert.equal(wrongSplit.code, 2);
    assert.match(
      wrongSplit.err,
      /--split PrivateTest names a part of FER2013's official split, .* use train, val or test/,
    );

    // Keras' restore_best_weights=False: the run keeps its last epoch, and its card says so.
    const noRestore = { monitor: "val_accuracy", patience: 3, restoreBest: false };
    await Deno.writeTextFile(
      `${dir}/last.json`,
      JSON.stringify({ schedule: { earlyStopping: noRestore } }),
    );
    const last = `${dir}/last`;
    const kept = await captureConsole(() =>
      main([
        ...trainArgs(csv, last, "--config", `${dir}/last.json`, "--no-report"),
        "--epochs",
        "1",
      ])
    );
    assert.equal(kept.code, 0, kept.err);
    assert.doesNotMatch(kept.out, /Restored the best epoch/);
    const { card } = JSON.parse(await Deno.readTextFile(`${last}/model/model.json`))
      .userDefinedMetadata.fer;
    assert.equal(card.selectedBy, "the last epoch (no selection)");
  });
});

Deno.test("unknown models and bad options are errors that list the choices", async () => {
  const unknown = await captureConsole(() => main(["train", "resnet19"]));
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown model 'resnet19'. Valid choices: .*resnet18/);
  const bad = await captureConsole(() => main(["train", "resnet18", "--optimizer", "adagrad"]));
  assert.equal(bad.code, 2);
  assert.match(bad.err, /Valid choices: adam, sgd, nesterov, rmsprop/);
});

Deno.test("--time-limit ends a run on its best weights, mid-epoch if need be; --resume continues it", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyFer2013(dir);
    const train = (out: string, ...extra: string[]) =>
      captureConsole(() => main(trainArgs(csv, out, "--no-report", ...extra)));
    // A limit with room for the whole schedule changes nothing.
    const full = `${dir}/full`;
    const roomy = await train(full, "--time-limit", "60");
    assert.equal(roomy.code, 0, roomy.out);
    assert.doesNotMatch(roomy.out, /Time limit/);
    assert.equal(parseHistoryCsv(await Deno.readTextFile(`${full}/history.csv`)).length, 2);

    // A limit that has passed before the first epoch ends: one epoch per start, then the test.
    const cut = `${dir}/cut`;
    const limited = await train(cut, "--time-limit", "0.000001");
    assert.equal(limited.code, 0, limited.out);
    assert.match(limited.out, /Time limit reached after epoch 1 of 2; resuming continues/);
    assert.match(limited.out, /Test \(35 images, no TTA\): accuracy/);
    assert.equal(parseHistoryCsv(await Deno.readTextFile(`${cut}/history.csv`)).length, 1);
    const card = JSON.parse(await Deno.readTextFile(`${cut}/model/model.json`));
    assert.match(
      JSON.stringify(card),
      /"timeLimitReached":"time limit reached after epoch 1 of 2"/,
    );
    assert.equal(
      (await readRunResult(cut))?.fit.timeLimitReached,
      "time limit reached after epoch 1 of 2",
    );

    // Resumed with a limit already past: one step of epoch 2, checkpointed, then the test again.
    const midEpoch = await captureConsole(() =>
      main(["train", "--resume", cut, "--time-limit", "0.000001", "--quiet", "--no-report"])
    );
    assert.equal(midEpoch.code, 0, midEpoch.out);
    assert.match(
      midEpoch.out,
      /Time limit reached in epoch 2 of 2 \(step 1\/\d+, checkpointed\); resuming continues/,
    );
    assert.match(midEpoch.out, /Test \(35 images, no TTA\): accuracy/);
    assert.equal(parseHistoryCsv(await Deno.readTextFile(`${cut}/history.csv`)).length, 1);
    assert.doesNotMatch(midEpoch.out, /continues on/, "resumed on the backend it started on");

    // --backend on resume overrides the configured one (cpu here would take minutes). The
    // checkpoint says the run computed on cpu until then, so the resume says it changed.
    const configPath = `${cut}/config.json`;
    const config = JSON.parse(await Deno.readTextFile(configPath));
    await Deno.writeTextFile(configPath, JSON.stringify({ ...config, backend: "cpu" }));
    const statePath = `${cut}/checkpoint/state.json`;
    const state = JSON.parse(await Deno.readTextFile(statePath));
    assert.match(state.training.callbacks.backend.description, /^wasm \(/);
    state.training.callbacks.backend = { description: "cpu (plain JavaScript kernels)" };
    await Deno.writeTextFile(statePath, JSON.stringify(state));
    const resumed = await captureConsole(() =>
      main(["train", "--resume", cut, "--backend", "wasm", "--quiet", "--no-report"])
    );
    assert.equal(resumed.code, 0, resumed.out);
    assert.match(resumed.out, /Backend: wasm \(/);
    assert.match(
      resumed.out,
      /computed on cpu \(plain JavaScript kernels\) until its checkpoint and continues on wasm \(/,
    );
    assert.match(resumed.out, /Resuming at epoch 2, step 1\//);
    await assertSameTraining(cut, full);
    assert.equal((await readRunResult(cut))?.fit.timeLimitReached, undefined);
    // The card keeps the command that started the run and lists the one that resumed it.
    const resumedCard = await Deno.readTextFile(`${cut}/model/model.json`);
    assert.match(
      resumedCard,
      /"command":"deno task fer[^"]*","resumedWith":\["deno task fer[^"]*","deno task fer[^"]*"\]/,
    );
    assert.doesNotMatch(resumedCard, /timeLimitReached/);
  });
});
