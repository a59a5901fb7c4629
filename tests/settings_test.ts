import assert from "node:assert/strict";
import { parseCommandLine } from "../cli/args.ts";
import { experimentCommand } from "../cli/commands/experiment.ts";
import { trainCommand } from "../cli/commands/train.ts";
import { checkConfigKeys } from "../lib/train/config_keys.ts";
import { checkRunConfig, defaultRunConfig, type RunConfig } from "../lib/train/config.ts";
import {
  experimentSettingArgs,
  experimentSettings,
  experimentSettingsOver,
  SETTINGS,
  settingsFromOptions,
  withSettingDefaults,
} from "../lib/train/settings.ts";
import { configChanges } from "../experiments/runner.ts";
import { getExperiment } from "../experiments/mod.ts";

const trainConfig = (base: RunConfig, ...argv: string[]) =>
  settingsFromOptions(base, parseCommandLine(trainCommand, ["liu-cnn5", ...argv]).options);

Deno.test("every setting of the table is an option of fer train, and a key a config file may hold", () => {
  for (const [name, setting] of Object.entries(SETTINGS)) {
    if (!("configOnly" in setting)) assert.ok(name in trainCommand.options, `--${name}`);
    const leaf = setting.path.split(".").reduceRight<unknown>(
      (inner, key) => ({ [key]: inner }),
      null, // any value: only the keys are checked here
    );
    checkConfigKeys(leaf, "test"); // throws on a key it does not know
  }
  for (const name of ["backend", "precision", "data", "data-dir", "checkpoint-every"]) {
    assert.ok(name in experimentCommand.options, `fer experiment --${name}`);
  }
});

Deno.test("options go into a config at their setting's path; options not given leave it alone", () => {
  const base = defaultRunConfig("liu-cnn5");
  assert.deepEqual(trainConfig(base), base);
  const config = trainConfig(
    base,
    ...["--epochs", "5", "--label-smoothing", "0.1", "--precision", "bf16", "--lr", "0.01"],
    ...["--monitor", "val_loss", "--schedule", "plateau", "--classes", "happy, sad"],
    ...["--split", "0.8,0.1,0.1", "--seed", "7", "--early-stopping", "0"],
  );
  assert.equal(config.schedule.epochs, 5);
  assert.equal(config.schedule.labelSmoothing, 0.1);
  assert.equal(config.precision, "bf16");
  assert.equal(config.optimizer.lr, 0.01);
  assert.equal(config.schedule.checkpointMonitor, "val_loss");
  assert.deepEqual(config.schedule.lr, {
    kind: "plateau",
    monitor: "val_loss",
    factor: 0.5,
    patience: 3,
  });
  assert.deepEqual(config.data.classes, ["happy", "sad"]);
  // The split is drawn with the run's seed, given after it on the command line.
  assert.deepEqual(config.data.split, { kind: "stratified", fractions: [0.8, 0.1, 0.1], seed: 7 });
  assert.equal(config.schedule.earlyStopping, undefined);
  // --monitor alone moves early stopping to the same quantity.
  assert.equal(
    trainConfig(base, "--monitor", "val_loss").schedule.earlyStopping?.monitor,
    "val_loss",
  );
  // Another dataset without --split takes its usual protocol (CK+48: subject folds).
  assert.equal(trainConfig(base, "--data", "ckplus48").data.split.kind, "group-k-fold");
  assert.deepEqual(trainConfig(base, "--augment", "none").augment, {});
  // A named augmentation replaces the default whole: fer2013-best's, for 40×40 models.
  const khaireddin = trainConfig(base, "--augment", "khaireddin").augment;
  assert.deepEqual(khaireddin.crop, { type: "random", height: 40, width: 40 });
  assert.equal(khaireddin.widthShift, 0.2);
  assert.deepEqual(khaireddin, getExperiment("fer2013-best").runs("paper")[0].config.augment);
  // --teacher is repeatable, and takes comma-separated folders too.
  const distilled = trainConfig(
    base,
    ...["--teacher", "runs/a", "--teacher", "runs/b,models/default", "--distill-weight", "0.7"],
    ...["--mixup", "0.2", "--cutmix", "1"],
  );
  assert.deepEqual(distilled.distill, {
    teachers: ["runs/a", "runs/b", "models/default"],
    weight: 0.7,
  });
  assert.equal(distilled.schedule.mixup, 0.2);
  assert.equal(distilled.schedule.cutmix, 1);
  checkRunConfig(distilled);
});

Deno.test("a config file's distill and mixup keys are checked like every other: an unknown one is refused", () => {
  checkConfigKeys(
    { distill: { teachers: ["runs/a"], weight: 0.5, temperature: 2 }, schedule: { cutmix: 1 } },
    "test",
  );
  assert.throws(
    () => checkConfigKeys({ distill: { teachers: ["runs/a"], temprature: 2 } }, "--config x"),
    /--config x: unknown key 'distill\.temprature' \(did you mean 'temperature'\?\); the valid keys of distill are teachers, weight, temperature/,
  );
  assert.throws(
    () => checkConfigKeys({ schedule: { mixupAlpha: 0.2 } }, "--config x"),
    /unknown key 'schedule\.mixupAlpha'.*valid keys of schedule are .*mixup, cutmix/,
  );
  const base = defaultRunConfig("liu-cnn5");
  assert.throws(
    () => checkRunConfig({ ...base, distill: { teachers: "runs/a" as never } }),
    /--teacher \(distill\.teachers\) must be a list of run or model folders, got "runs\/a"/,
  );
  assert.throws(
    () => checkRunConfig({ ...base, distill: { teachers: ["a"], weight: 1.5 } }),
    /--distill-weight \(distill\.weight\) must be a number in \[0, 1\], got 1\.5/,
  );
  assert.throws(
    () => checkRunConfig({ ...base, schedule: { ...base.schedule, mixup: -1 } }),
    /--mixup \(schedule\.mixup\) must be a number ≥ 0, got -1/,
  );
});

Deno.test("the table's bounds and choices are checked with the option and the config key", () => {
  const base = defaultRunConfig("liu-cnn5");
  assert.throws(
    () => checkRunConfig({ ...base, schedule: { ...base.schedule, labelSmoothing: 1 } }),
    /--label-smoothing \(schedule\.labelSmoothing\) must be a number in \[0, 1\), got 1/,
  );
  assert.throws(
    () => checkRunConfig({ ...base, data: { ...base.data, sample: 0 } }),
    /^UsageError: data\.sample must be an integer ≥ 1, got 0/,
  );
  assert.throws(
    () => checkRunConfig({ ...base, precision: "fp8" as never }),
    /--precision \(precision\) must be one of fp32, bf16, auto, got "fp8"/,
  );
});

Deno.test("an experiment's settings override every run, its reproduce command repeats them, and a setting a saved run lacks is its default", () => {
  const options = experimentSettings(
    parseCommandLine(experimentCommand, ["x", "--backend", "wasm", "--precision", "bf16"]).options,
  );
  assert.deepEqual(options, {
    data: undefined,
    dataDir: undefined,
    backend: "wasm",
    precision: "bf16",
  });
  const run = defaultRunConfig("liu-cnn5");
  const over = experimentSettingsOver(run, { ...options, data: "ckplus48", dataDir: "/d" }, {});
  assert.equal(over.backend, "wasm");
  assert.equal(over.precision, "bf16");
  assert.equal(over.data.dataset, "ckplus48");
  assert.equal(over.data.dataDir, "/d");
  const kept = experimentSettingsOver(run, { data: "ckplus48" }, { keepDataset: true });
  assert.equal(kept.data.dataset, "fer2013");
  // The data folder is where a recipe runs, not part of it.
  assert.deepEqual(
    experimentSettingArgs({ ...options, data: "ckplus48", dataDir: "/d" }),
    ["--data", "ckplus48", "--backend", "wasm", "--precision", "bf16"],
  );
  const { precision: _, ...saved } = run;
  assert.deepEqual(configChanges(saved as RunConfig, run), []);
  assert.deepEqual(configChanges(saved as RunConfig, { ...run, precision: "bf16" }), [
    'precision: "fp32" → "bf16"',
  ]);
  assert.equal(withSettingDefaults<Partial<RunConfig>>({}, "missing").precision, "fp32");
});
