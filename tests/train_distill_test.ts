/**
 * Knowledge distillation (lib/train/distill.ts): the student's logits, the distillation term, the
 * teachers checked against the student, and `fer train --teacher` end to end (a small liu-cnn5 on
 * a tiny synthetic FER2013, its teacher an untrained model saved for the purpose).
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { main } from "../cli/main.ts";
import { FER2013_CLASSES, type Normalization } from "../lib/data/mod.ts";
import {
  classifierLogits,
  createModel,
  type InputShape,
  type ModelCard,
  saveModel,
} from "../lib/models/mod.ts";
import type { BatchLogs, Callback } from "../lib/train/callbacks.ts";
import { CheckpointStore } from "../lib/train/checkpoint.ts";
import {
  checkTeachersUnchanged,
  loadTeachers,
  recordTeachers,
  type Teacher,
  teacherTargets,
} from "../lib/train/distill.ts";
import { RunFolder } from "../lib/train/run_folder.ts";
import { createOptimizer } from "../lib/train/optimizers.ts";
import { Trainer } from "../lib/train/trainer.ts";
import { captureConsole, withTempDir, writeSmallLiuConfig, writeTinyFer2013 } from "./helpers.ts";
import { quadrantData, tinyModel } from "./train_fixture.ts";

await tf.setBackend("cpu");

const close = (a: number[], b: number[], tolerance: number) =>
  a.every((v, i) => Math.abs(v - b[i]) <= tolerance);

Deno.test("a zoo model's logits are its final dense layer's input times its kernel plus its bias", () => {
  const fer = createModel("liu-cnn5", { inputShape: [16, 16, 1], numClasses: 7, seed: 1 });
  const x = tf.randomUniform([3, 16, 16, 1], 0, 1, "float32", 2) as tf.Tensor4D;
  const logits = classifierLogits(fer.model)(x, false);
  const probabilities = fer.model.predict(x) as tf.Tensor2D;
  assert.ok(
    close(Array.from(tf.softmax(logits).dataSync()), Array.from(probabilities.dataSync()), 1e-6),
  );
  // Logits, not log-probabilities: their rows are not normalised.
  assert.ok(Math.abs(tf.logSumExp(logits, 1).dataSync()[0]) > 1e-3);
  fer.dispose();
});

/** Records the loss of the first step. */
class FirstLoss implements Callback {
  readonly name = "FirstLoss";
  loss: number | undefined;
  onBatchEnd(_step: number, logs: BatchLogs) {
    this.loss ??= logs.loss;
  }
}

/** The loss at step 0 of a fit distilling (W = 1, T = 4) from `teacher` into tinyModel(1). */
async function firstDistillLoss(dir: string, teacher: tf.LayersModel): Promise<number> {
  // No batch norm or dropout, so that student (training mode) and teacher (inference) agree.
  const student = tinyModel(1, { batchNorm: false, dropout: false });
  const first = new FirstLoss();
  await new Trainer(student, createOptimizer({ name: "adam", lr: 0.01 }), {
    epochs: 1,
    batchSize: 16,
    seed: 3,
    distill: { teachers: [{ path: "teacher", model: teacher }], weight: 1, temperature: 4 },
    callbacks: [first],
    progress: "quiet",
    log: () => {},
  }).fit(quadrantData(64, 1), undefined, new CheckpointStore(`${dir}/checkpoint`));
  student.dispose();
  return first.loss!;
}

Deno.test("with W = 1 and the student's own initial weights as teacher, the step-0 loss is zero; the teacher never trains", async () => {
  await withTempDir(async (dir) => {
    const same = tinyModel(1, { batchNorm: false, dropout: false });
    const before = same.getWeights().map((w) => Array.from(w.dataSync()));
    const loss = await firstDistillLoss(`${dir}/same`, same);
    assert.ok(Math.abs(loss) < 1e-5, `loss ${loss}`);
    assert.deepEqual(same.getWeights().map((w) => Array.from(w.dataSync())), before);
    const other = tinyModel(2, { batchNorm: false, dropout: false });
    const otherLoss = await firstDistillLoss(`${dir}/other`, other);
    assert.ok(otherLoss > 1e-3, `another teacher's loss ${otherLoss}`);
    same.dispose();
    other.dispose();
  });
});

/** Saves an untrained liu-cnn5 for `classNames` taking `inputShape` as a model folder. */
async function savedTeacher(
  dir: string,
  inputShape: InputShape,
  classNames: readonly string[] = FER2013_CLASSES,
  normalization?: Normalization,
  seed = 5,
): Promise<string> {
  const fer = createModel("liu-cnn5", {
    inputShape,
    numClasses: classNames.length,
    seed,
    ...(normalization ? { normalization } : {}),
  });
  const card: ModelCard = {
    classNames,
    architecture: "liu-cnn5",
    validation: { split: "validation", tta: "none", count: 41, accuracy: 0.25, macroF1: 0.1 },
  };
  await saveModel(fer, dir, card);
  fer.dispose();
  return dir;
}

Deno.test("a teacher that normalises pixels otherwise gets the student's batches in its own normalisation", async () => {
  await withTempDir(async (dir) => {
    const meanStd: Normalization = { kind: "mean-std", mean: [0.5], std: [0.25] };
    const path = await savedTeacher(`${dir}/t`, [16, 16, 1], FER2013_CLASSES, meanStd);
    const loaded = await loadTeachers({ teachers: [path] }, {
      architecture: "liu-cnn5",
      dataset: "x",
      inputShape: [16, 16, 1],
      classNames: FER2013_CLASSES,
      normalization: { kind: "scale" },
    });
    assert.equal(loaded.weight, 0.5);
    assert.equal(loaded.temperature, 4);
    const teacher: Teacher = loaded.teachers[0];
    assert.deepEqual(teacher.renormalize, { scale: [4], shift: [-2] });
    const pixels = tf.randomUniform([2, 16, 16, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const targets = teacherTargets(loaded.teachers, pixels, 1);
    const own = teacher.model.predict(pixels.sub(0.5).div(0.25)) as tf.Tensor;
    assert.ok(close(Array.from(targets.dataSync()), Array.from(own.dataSync()), 1e-5));
    loaded.dispose();
  });
});

Deno.test("a run records its teachers' fingerprints and refuses to resume with changed teachers", async () => {
  await withTempDir(async (dir) => {
    const student = {
      architecture: "liu-cnn5",
      dataset: "x",
      inputShape: [16, 16, 1] as const,
      classNames: FER2013_CLASSES,
      normalization: { kind: "scale" } as const,
    };
    const path = await savedTeacher(`${dir}/t`, [16, 16, 1]);
    const folder = new RunFolder(dir);
    const first = await loadTeachers({ teachers: [path] }, student);
    await checkTeachersUnchanged(folder, first); // nothing recorded yet: passes
    await recordTeachers(folder, first);
    const recorded = JSON.parse(await Deno.readTextFile(folder.teachersPath));
    assert.deepEqual(recorded, [{ path, sha256: first.fingerprints[0] }]);
    assert.match(first.fingerprints[0], /^[0-9a-f]{64}$/);
    first.dispose();

    const same = await loadTeachers({ teachers: [path] }, student);
    await checkTeachersUnchanged(folder, same); // the same weights resume
    same.dispose();

    const twice = await loadTeachers({ teachers: [path, path] }, student);
    await assert.rejects(
      () => checkTeachersUnchanged(folder, twice),
      /started with 1 teacher\(s\) .* but this resume has 2: resuming would mix two distillations/,
    );
    twice.dispose();

    await savedTeacher(path, [16, 16, 1], FER2013_CLASSES, undefined, 6);
    const changed = await loadTeachers({ teachers: [path] }, student);
    await assert.rejects(
      () => checkTeachersUnchanged(folder, changed),
      /teacher .*\/t is not the one .* started with \(its weights' SHA-256 differs/,
    );
    await recordTeachers(folder, changed); // never overwrites what the run started with
    assert.deepEqual(JSON.parse(await Deno.readTextFile(folder.teachersPath)), recorded);
    changed.dispose();
  });
});

Deno.test("a teacher with a smaller input sees the centre crop of the student's batch", async () => {
  await withTempDir(async (dir) => {
    const path = await savedTeacher(`${dir}/t`, [16, 16, 1]);
    const loaded = await loadTeachers({ teachers: [path] }, {
      architecture: "liu-cnn5",
      dataset: "x",
      inputShape: [20, 20, 1],
      classNames: FER2013_CLASSES,
      normalization: { kind: "scale" },
    });
    assert.deepEqual(loaded.teachers[0].crop, { top: 2, left: 2, height: 16, width: 16 });
    const pixels = tf.randomUniform([2, 20, 20, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    const targets = teacherTargets(loaded.teachers, pixels, 1);
    const own = loaded.teachers[0].model.predict(pixels.slice([0, 2, 2, 0], [2, 16, 16, 1]));
    assert.ok(
      close(Array.from(targets.dataSync()), Array.from((own as tf.Tensor).dataSync()), 1e-5),
    );
    loaded.dispose();
  });
});

Deno.test("fer train --teacher distils, records its teachers, and refuses a teacher that does not fit", async () => {
  await withTempDir(async (dir) => {
    const csv = await writeTinyFer2013(`${dir}/fer2013.csv`, {
      count: 210,
      training: 128,
      publicTest: 41,
      seed: 3,
    });
    const config = await writeSmallLiuConfig(dir);
    const train = (out: string, ...extra: string[]) =>
      captureConsole(() =>
        main([
          "train",
          ...["--config", config, "--data", csv, "--out", out, "--epochs", "1"],
          ...["--batch-size", "32", "--backend", "wasm", "--quiet", "--no-report", ...extra],
        ])
      );
    const teacher = await savedTeacher(`${dir}/teacher`, [16, 16, 1]);

    const run = `${dir}/run`;
    const trained = await train(run, "--teacher", teacher, "--mixup", "0.2");
    assert.equal(trained.code, 0, trained.out + trained.err);
    assert.match(
      trained.out,
      /Distilling from .*teacher \(liu-cnn5, validation accuracy 0\.2500\): weight 0\.5, temperature 4/,
    );
    const saved = JSON.parse(await Deno.readTextFile(`${run}/config.json`));
    assert.deepEqual(saved.distill, { teachers: [teacher] });
    const fingerprints = JSON.parse(await Deno.readTextFile(`${run}/teachers.json`));
    assert.equal(fingerprints[0].path, teacher);
    assert.equal(saved.schedule.mixup, 0.2);
    const { card } = JSON.parse(await Deno.readTextFile(`${run}/model/model.json`))
      .userDefinedMetadata.fer;
    assert.deepEqual(card.distillation, { weight: 0.5, temperature: 4 });
    assert.equal(card.distilledFrom.length, 1);
    assert.equal(card.distilledFrom[0].run, teacher);
    assert.equal(card.distilledFrom[0].architecture, "liu-cnn5");
    assert.equal(card.distilledFrom[0].validation.accuracy, 0.25);

    // Each refused before a run folder is made, naming the teacher and what does not fit.
    // (1: a FerError; 2: a usage error.)
    const refused = async (code: number, pattern: RegExp, ...extra: string[]) => {
      const out = `${dir}/refused`;
      const result = await train(out, ...extra);
      assert.equal(result.code, code, result.out);
      assert.match(result.err, pattern);
      assert.equal(await Deno.stat(out).catch(() => null), null);
    };
    const three = await savedTeacher(`${dir}/three`, [16, 16, 1], ["happy", "sad", "neutral"]);
    await refused(
      1,
      /teacher .*three predicts \[happy, sad, neutral\] but the student \(liu-cnn5 on .*fer2013\.csv\) predicts \[angry, disgust, fear, happy, sad, surprise, neutral\]/,
      "--teacher",
      `${teacher},${three}`,
    );
    const big = await savedTeacher(`${dir}/big`, [48, 48, 1]);
    await refused(
      1,
      /teacher .*big takes 48×48×1 inputs but the student \(liu-cnn5 on .*\) takes 16×16×1/,
      ...["--teacher", teacher, "--teacher", big],
    );
    await refused(
      1,
      /--teacher .*nowhere: .*nowhere is neither a model folder nor a run folder/,
      ...["--teacher", `${dir}/nowhere`],
    );
    await refused(
      2,
      /--distill-weight \(distill\.weight\) needs a teacher: --teacher RUN/,
      ...["--distill-weight", "0.7"],
    );
  });
});
