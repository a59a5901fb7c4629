/**
 * `fer predict` and the predict API end to end, with an untrained but fixed-seed expression
 * model (so the checks do not depend on what the shipped model learned): the output format,
 * --json, --aligned, --out, a folder with a corrupt file, and what happens without the default
 * model. tests/predict_default_test.ts checks the shipped model itself.
 */
import assert from "node:assert/strict";
import { Image } from "imagescript";
import { decodeImage, FER2013_CLASSES, loadDataset, subset } from "../lib/data/mod.ts";
import { createModel, saveModel } from "../lib/models/mod.ts";
import { initBackend } from "../lib/backend/mod.ts";
import { probeOneDnn } from "../lib/backend/onednn/library.ts";
import { bf16Support } from "../lib/backend/precision.ts";
import { CPU_FLAGS_OVERRIDE } from "../lib/machine.ts";
import { ImageBatcher, predictProbabilities } from "../lib/train/pipeline.ts";
import { defaultModelFolder, loadExpressionModel, predict } from "../lib/predict/mod.ts";
import { realData, runFer, withTempDir } from "./helpers.ts";

await initBackend("wasm", { threads: 1 });

const ROOT = new URL("..", import.meta.url).pathname;

/** Saves a seeded, untrained model with FER2013's class names into `dir`; returns its folder. */
async function saveTestModel(dir: string, name = "mondal-shallow"): Promise<string> {
  const fer = createModel(name, { seed: 7 });
  await saveModel(fer, `${dir}/model`, { classNames: [...FER2013_CLASSES] });
  fer.dispose();
  return `${dir}/model`;
}

/** `fer ...args` in a subprocess. */
const fer = (...args: string[]) => runFer(args);

/** A 400×300 colour scene with CK+48 faces pasted at 96 and 160 px; returns the PNG and boxes. */
async function scene(ckRoot: string): Promise<Uint8Array> {
  const image = new Image(400, 300).fill(Image.rgbaToColor(40, 120, 200, 255));
  const places = [["happy", 20, 60, 96], ["surprise", 180, 80, 160]] as const;
  for (const [folder, x, y, size] of places) {
    const name = [...Deno.readDirSync(`${ckRoot}/${folder}`)].map((e) => e.name).sort()[0];
    const face = await decodeImage(await Deno.readFile(`${ckRoot}/${folder}/${name}`));
    const pasted = new Image(face.width, face.height);
    pasted.bitmap.set(face.rgba);
    image.composite(pasted.resize(size, size), x, y);
  }
  return await image.encode();
}

Deno.test("without models/default, the default model's error says how to pass a run", async () => {
  await withTempDir((dir) => {
    assert.throws(
      () => defaultModelFolder([dir]),
      /the default model is not installed: models\/default\/.*--model runs\/<run>/s,
    );
  });
});

Deno.test("class names come from card.json, else the saved card, else are numbered", async () => {
  await withTempDir(async (dir) => {
    const fer = createModel("chen-ckplus", { seed: 1, numClasses: 3 });
    await saveModel(fer, `${dir}/bare`, {});
    await saveModel(fer, `${dir}/carded`, { classNames: ["happy", "neutral", "sad"] });
    fer.dispose();
    const bare = await loadExpressionModel(`${dir}/bare`);
    assert.deepEqual(bare.classNames, ["class 1", "class 2", "class 3"]);
    bare.dispose();
    const carded = await loadExpressionModel(`${dir}/carded`);
    assert.deepEqual(carded.classNames, ["happy", "neutral", "sad"]);
    carded.dispose();
    await Deno.writeTextFile(
      `${dir}/bare/card.json`,
      JSON.stringify({ classNames: ["a", "b", "c"] }),
    );
    const fromFile = await loadExpressionModel(`${dir}/bare`);
    assert.deepEqual(fromFile.classNames, ["a", "b", "c"]);
    fromFile.dispose();
  });
});

Deno.test("the TTA a model's recipe tested with is predict's default; --tta overrides it", async () => {
  await withTempDir(async (dir) => {
    const network = createModel("mondal-shallow", { seed: 3 });
    await saveModel(network, `${dir}/plain`, { classNames: [...FER2013_CLASSES] });
    await saveModel(network, `${dir}/flip`, {
      classNames: [...FER2013_CLASSES],
      recipe: { tta: "flip" },
    });
    // A recipe naming ten-crop for a model trained on whole images cannot be honoured.
    await saveModel(network, `${dir}/tencrop`, { recipe: { tta: "tencrop" } });
    network.dispose();
    const plain = await loadExpressionModel(`${dir}/plain`);
    const flip = await loadExpressionModel(`${dir}/flip`);
    const tencrop = await loadExpressionModel(`${dir}/tencrop`);
    assert.equal(plain.defaultTta, "none");
    assert.equal(flip.defaultTta, "flip");
    assert.equal(tencrop.defaultTta, "none");
    tencrop.dispose();
    // A face that is not mirror-symmetric, so flip TTA changes the probabilities.
    const rgba = new Uint8Array(48 * 48 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251));
    const face = { width: 48, height: 48, rgba };
    const probabilities = async (model: typeof flip, tta?: "none" | "flip") =>
      Object.values((await predict(face, { model, aligned: true, tta })).faces[0].probabilities);
    assert.deepEqual(await probabilities(flip), await probabilities(flip, "flip"));
    assert.deepEqual(await probabilities(plain), await probabilities(flip, "none"));
    assert.notDeepEqual(await probabilities(flip), await probabilities(flip, "none"));
    plain.dispose();
    flip.dispose();
    await Deno.writeFile(`${dir}/face.png`, await new Image(48, 48).encode());
    const run = await fer(
      "predict",
      `${dir}/face.png`,
      "--model",
      `${dir}/flip`,
      "--aligned",
      "--json",
    );
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).model.tta, "flip");
    assert.match(run.stderr, /test-time augmentation: flip \(its recipe's\)/);
  });
});

Deno.test("--precision: fp32 is the default, bf16 where the CPU lacks it is a clear error", async () => {
  await withTempDir(async (dir) => {
    const model = await saveTestModel(dir);
    const rgba = new Uint8Array(48 * 48 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 7) % 251));
    const face = new Image(48, 48);
    face.bitmap.set(rgba);
    await Deno.writeFile(`${dir}/face.png`, await face.encode());
    const oneDnn = probeOneDnn(1);
    const backend = oneDnn.available ? "onednn" : "wasm";
    const args = ["predict", `${dir}/face.png`, "--model", model, "--aligned", "--json"];
    const probabilities = (stdout: string): number[] =>
      Object.values(JSON.parse(stdout).images[0].faces[0].probabilities);
    const fp32 = await fer(...args, "--backend", backend, "--precision", "fp32");
    assert.equal(fp32.code, 0, fp32.stderr);
    assert.match(fp32.stderr, new RegExp(`^Backend: .*${backend}.*; precision fp32$`, "m"));
    const byDefault = await fer(...args, "--backend", backend);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.deepEqual(probabilities(byDefault.stdout), probabilities(fp32.stdout));

    // A CPU without avx512_bf16, simulated: refused before the model loads, for a video too.
    await Deno.writeFile(`${dir}/clip.mp4`, new Uint8Array(16));
    for (const input of [`${dir}/face.png`, `${dir}/clip.mp4`]) {
      const refused = await runFer(
        ["predict", input, "--model", model, "--backend", "onednn", "--precision", "bf16"],
        { [CPU_FLAGS_OVERRIDE]: "avx2 fma" },
      );
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(refused.stdout, "");
      assert.match(
        refused.stderr,
        /error: bf16 needs a CPU with avx512_bf16 \(AVX-512 BF16\) or amx_bf16; .*use --precision fp32/,
      );
    }

    // Where the CPU has bf16: the convolutions run in it, and the probabilities stay close.
    const support = bf16Support();
    const why = !support.supported ? support.reason : !oneDnn.available ? oneDnn.reason : "";
    if (why) {
      console.log(`skipped bf16 predict: ${why}`);
      return;
    }
    const bf16 = await fer(...args, "--backend", "onednn", "--precision", "bf16");
    assert.equal(bf16.code, 0, bf16.stderr);
    assert.match(bf16.stderr, /; precision bf16/);
    const [wanted, got] = [probabilities(fp32.stdout), probabilities(bf16.stdout)];
    for (const [c, p] of got.entries()) {
      assert.ok(Math.abs(p - wanted[c]) < 2e-2, `${p} ${wanted[c]}`);
    }
  });
});

Deno.test("no face, an unreadable file and a missing path are each reported plainly", async () => {
  await withTempDir(async (dir) => {
    const model = await saveTestModel(dir);
    await Deno.writeFile(`${dir}/empty.png`, await new Image(320, 240).fill(0x808080ff).encode());
    const empty = await fer("predict", `${dir}/empty.png`, "--model", model, "--backend", "cpu");
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(empty.stdout.trim(), `${dir}/empty.png no face found`);

    await Deno.writeTextFile(`${dir}/broken.jpg`, "this is not a JPEG");
    const broken = await fer("predict", `${dir}/broken.jpg`, "--model", model, "--backend", "cpu");
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /1 of 1 file\(s\) failed/);
    assert.match(broken.stderr, /broken\.jpg: not a PNG, JPEG, BMP, TIFF or GIF image/);

    const missing = await fer("predict", `${dir}/nowhere.png`, "--model", model);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nowhere\.png: cannot read/);

    // --out in the images' own folder would replace them with their annotated copies.
    const before = await Deno.readFile(`${dir}/empty.png`);
    const inPlace = await fer("predict", dir, "--model", model, "--out", dir, "--aligned");
    assert.equal(inPlace.code, 1);
    assert.match(
      inPlace.stderr,
      /--out .* would overwrite the input image .*\.(png|jpg) with its annotated copy/,
    );
    assert.deepEqual(await Deno.readFile(`${dir}/empty.png`), before);
  });
});

Deno.test("a folder run predicts every face, draws them, and lists the corrupt file", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot) return;
  await withTempDir(async (dir) => {
    const model = await saveTestModel(dir);
    await Deno.mkdir(`${dir}/photos`);
    const original = await scene(ckRoot);
    await Deno.writeFile(`${dir}/photos/scene.png`, original);
    await Deno.writeTextFile(`${dir}/photos/corrupt.png`, "truncated");
    const out = `${dir}/annotated`;
    const run = await fer("predict", `${dir}/photos`, "--model", model, "--out", out);
    assert.equal(run.code, 1, "a failed file makes the exit status non-zero");
    const lines = run.stdout.trim().split("\n");
    assert.equal(lines.length, 2, run.stdout);
    const format = new RegExp(
      `^${dir}/photos/scene\\.png face [12] \\[x=\\d+ y=\\d+ w=\\d+ h=\\d+\\] ` +
        `(${FER2013_CLASSES.join("|")}) [01]\\.\\d\\d \\(detector 0\\.\\d\\d\\)$`,
    );
    for (const line of lines) assert.match(line, format);
    assert.match(run.stderr, /1 of 2 file\(s\) failed:\n\s+.*corrupt\.png: not a PNG/);

    // The annotated copy: decodable, same size, changed only where boxes and labels are drawn.
    const before = await decodeImage(original);
    const after = await decodeImage(await Deno.readFile(`${out}/scene.png`));
    assert.equal(after.width, before.width);
    assert.equal(after.height, before.height);
    let changed = 0;
    for (let i = 0; i < after.rgba.length; i += 4) {
      if (after.rgba[i] !== before.rgba[i] || after.rgba[i + 2] !== before.rgba[i + 2]) changed++;
    }
    const fraction = changed / (after.width * after.height);
    assert.ok(fraction > 0.01 && fraction < 0.25, `${(fraction * 100).toFixed(1)} % changed`);
    // Top-left background corner is untouched.
    assert.deepEqual([...after.rgba.subarray(0, 4)], [40, 120, 200, 255]);
  });
});

Deno.test("--json gives boxes, crops, all class probabilities and detector scores", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot) return;
  await withTempDir(async (dir) => {
    const model = await saveTestModel(dir);
    await Deno.writeFile(`${dir}/scene.png`, await scene(ckRoot));
    const run = await fer("predict", `${dir}/scene.png`, "--model", model, "--json");
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.deepEqual(result.model.classNames, FER2013_CLASSES);
    assert.deepEqual(result.failed, []);
    const [image] = result.images;
    assert.equal(image.width, 400);
    assert.equal(image.faces.length, 2);
    for (const face of image.faces) {
      const total = Object.values(face.probabilities as Record<string, number>)
        .reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(total - 1) < 1e-3);
      assert.deepEqual(Object.keys(face.probabilities), FER2013_CLASSES);
      assert.equal(face.confidence, Math.max(...Object.values(face.probabilities) as number[]));
      assert.ok(face.detectorScore >= 0.5 && face.detectorScore <= 1);
      assert.equal(face.crop.width, face.crop.height, "crops are square");
    }

    const face = `${ckRoot}/happy/S010_006_00000013.png`;
    const aligned = await fer("predict", face, "--model", model, "--aligned", "--json");
    assert.equal(aligned.code, 0, aligned.stderr);
    const [whole] = JSON.parse(aligned.stdout).images;
    assert.equal(whole.faces.length, 1);
    assert.deepEqual(whole.faces[0].box, { x: 0, y: 0, width: 48, height: 48 });
    assert.equal(whole.faces[0].detectorScore, null);
  });
});

Deno.test("--aligned on CK+48 files equals evaluation's probabilities for the same images", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot) return;
  await withTempDir(async (dir) => {
    // chen-ckplus takes RGB, so grey faces go through the same grey→RGB expansion as in eval.
    for (const architecture of ["mondal-shallow", "chen-ckplus"]) {
      const model = await loadExpressionModel(
        await saveTestModel(`${dir}/${architecture}`, architecture),
      );
      const dataset = await loadDataset(ckRoot);
      const picked = subset(dataset, [0, 50, 100, 150, 200]);
      const expected = await predictProbabilities(
        model.loaded.model,
        new ImageBatcher(picked, model.layout),
        8,
        "none",
      );
      for (let i = 0; i < picked.count; i++) {
        const { faces, width } = await predict(picked.origins![i], { model, aligned: true });
        assert.equal(faces.length, 1);
        assert.deepEqual(faces[0].box, { x: 0, y: 0, width, height: width });
        assert.equal(faces[0].detectorScore, null);
        const got = Object.values(faces[0].probabilities);
        const want = expected.subarray(i * 7, i * 7 + 7);
        for (let k = 0; k < 7; k++) {
          assert.ok(Math.abs(got[k] - want[k]) < 1e-5, `${got} vs ${want}`);
        }
      }
      // The images must score differently, or equal outputs would prove nothing.
      const spread = Math.max(...expected) - Math.min(...expected.subarray(0, 7));
      assert.ok(spread > 1e-3, `untrained outputs too uniform to compare (${spread})`);
      model.dispose();
    }
  });
});

/** models/default/card.json, as exported by `fer export`. */
function shippedCard() {
  return JSON.parse(Deno.readTextFileSync(`${ROOT}/models/default/card.json`));
}

Deno.test("the shipped default model is small and its card says how it was made and scored", () => {
  const size = ["model.json", "weights.bin"]
    .reduce((sum, name) => sum + Deno.statSync(`${ROOT}/models/default/${name}`).size, 0);
  assert.ok(size < 10 * 2 ** 20, `${size} bytes`);
  const card = shippedCard();
  assert.deepEqual(card.classNames, FER2013_CLASSES);
  assert.equal(card.dataset, "fer2013");
  // Made by this project's own commands: `fer train` (or an experiment, which runs the same code),
  // warm restarts of it, and `fer average` of such runs; all of them on the card, in order.
  const commands: string[] = [...(card.reproduce.trainBefore ?? []), card.reproduce.train];
  assert.equal(card.reproduce.train, card.command);
  for (const command of commands) {
    assert.match(command, /^deno task (fer )?(train|experiment|average) /);
  }
  assert.match(commands[0], /^deno task (fer )?(train|experiment) /);
  for (const key of ["architecture", "params", "macs", "seed", "trainingSeconds", "machine"]) {
    assert.notEqual(card[key], undefined, key);
  }
  for (const score of [card.test, card.testWithTta]) {
    assert.equal(score.split, "PrivateTest");
    assert.equal(score.count, 3589);
    const total = score.confusionMatrix.flat().reduce((a: number, b: number) => a + b, 0);
    assert.equal(total, 3589);
    const diagonal = score.confusionMatrix.reduce(
      (a: number, row: number[], i: number) => a + row[i],
      0,
    );
    assert.equal(diagonal / total, score.accuracy);
  }
});

Deno.test("`fer predict` without --model uses the shipped default model", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot) return;
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/scene.png`, await scene(ckRoot));
    const run = await fer("predict", `${dir}/scene.png`, "--json");
    assert.equal(run.code, 0, run.stderr);
    const result = JSON.parse(run.stdout);
    assert.match(result.model.source, /models\/default$/);
    assert.equal(result.images[0].faces.length, 2);
  });
});

Deno.test("the README's predict-from-a-program example runs as written", async () => {
  const ckRoot = realData("ckplus48");
  if (!ckRoot) return;
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const example = readme.match(/From a program:\n\n```ts\n([\s\S]*?)```/)?.[1] ?? "";
  assert.match(example, /loadExpressionModel/, "README lost its predict example");
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/scene.png`, await scene(ckRoot));
    // Nothing sets up a backend first: the library must, as a program calling it would expect.
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", example.replace('"photo.jpg"', JSON.stringify(`${dir}/scene.png`))],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.equal(
      out.match(/(angry|disgust|fear|happy|sad|surprise|neutral) 0\.\d+ 0\.\d+/g)?.length,
      2,
    );
  });
});

Deno.test("`fer eval models/default` reproduces the card's PrivateTest numbers", async () => {
  if (!realData("fer2013")) return;
  const card = shippedCard();
  const run = await fer(
    "eval",
    "models/default",
    "--data",
    "fer2013",
    "--split",
    "PrivateTest",
    "--json",
  );
  assert.equal(run.code, 0, run.stderr);
  const metrics = JSON.parse(run.stdout);
  assert.equal(metrics.accuracy, card.test.accuracy);
  assert.deepEqual(metrics.confusionMatrix, card.test.confusionMatrix);
});
