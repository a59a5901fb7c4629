import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { DataError, FerError } from "../lib/errors.ts";
import {
  createModel,
  type FerModel,
  loadModel,
  loadWeightsInto,
  readWeights,
  saveFloat16Copy,
  saveModel,
} from "../lib/models/mod.ts";
import { float16Weights } from "../lib/models/file_io.ts";
import { withTempDir } from "./helpers.ts";

await tf.setBackend("cpu");

function randomImages(shape: readonly number[], seed: number): tf.Tensor {
  return tf.randomUniform([2, ...shape], 0, 1, "float32", seed);
}

function predict(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array);
}

/** Moves BN statistics off their initial 0/1 so a round trip that lost them would show. */
function perturbAllWeights(fer: FerModel): void {
  for (const [i, weight] of fer.model.weights.entries()) {
    weight.write(tf.randomUniform(weight.shape as number[], 0.5, 1.5, "float32", i + 1));
  }
}

Deno.test("save → load gives identical predictions, config, card and features", async () => {
  // ShuffleNetV2 covers the custom ChannelSlice layer, reshape/permute and BN; liu-cnn5 an L2
  // regulariser and Keras-style names.
  for (const name of ["shufflenetv2-0.5", "liu-cnn5"]) {
    await withTempDir(async (dir) => {
      const original = createModel(name, { inputShape: [16, 16, 1], seed: 3 });
      perturbAllWeights(original);
      const x = randomImages(original.config.inputShape, 11);
      const card = { dataset: "fer2013", valAccuracy: 0.61 };
      const path = await saveModel(original, `${dir}/model`, card);
      assert.ok(path.endsWith("model/model.json"));
      const loaded = await loadModel(`${dir}/model`);
      try {
        assert.equal(loaded.name, name);
        assert.deepEqual(loaded.config, original.config);
        assert.deepEqual(loaded.card, card);
        assert.deepEqual(predict(loaded.model, x), predict(original.model, x));
        assert.deepEqual(predict(loaded.features, x), predict(original.features, x));
        assert.deepEqual(
          loaded.model.layers.map((l) => l.name),
          original.model.layers.map((l) => l.name),
        );
      } finally {
        loaded.dispose();
        original.dispose();
        x.dispose();
      }
    });
  }
});

Deno.test("a float16 copy is half the size and loads to weights within half precision", async () => {
  await withTempDir(async (dir) => {
    const original = createModel("liu-cnn5", { inputShape: [16, 16, 1], seed: 3 });
    perturbAllWeights(original);
    await saveModel(original, `${dir}/full`, { dataset: "fer2013" });
    await saveFloat16Copy(`${dir}/full`, `${dir}/half`);
    const size = (folder: string) => Deno.statSync(`${dir}/${folder}/weights.bin`).size;
    assert.equal(size("half"), size("full") / 2);
    const loaded = await loadModel(`${dir}/half`);
    try {
      assert.deepEqual(loaded.card, { dataset: "fer2013" });
      for (const [i, weight] of loaded.model.weights.entries()) {
        const expected = original.model.weights[i].read().dataSync();
        const actual = weight.read().dataSync();
        assert.notDeepEqual(actual, expected, `${weight.name} was not rounded`);
        for (let j = 0; j < expected.length; j++) {
          // Half precision keeps 11 significant bits: relative error at most 2^-11.
          const error = Math.abs(actual[j] - expected[j]) / Math.abs(expected[j]);
          assert.ok(error <= 2 ** -11, `${weight.name}[${j}]: ${actual[j]} vs ${expected[j]}`);
        }
      }
    } finally {
      loaded.dispose();
      original.dispose();
    }
  });
});

Deno.test("float16Weights keeps other dtypes and refuses values beyond half precision", () => {
  const specs: tf.io.WeightsManifestEntry[] = [
    { name: "steps", shape: [1], dtype: "int32" },
    { name: "kernel", shape: [2], dtype: "float32" },
  ];
  const buffer = new ArrayBuffer(12);
  new Int32Array(buffer, 0, 1)[0] = 7;
  new Float32Array(buffer, 4, 2).set([0.1, -3]);
  const [converted, half] = float16Weights(specs, buffer, "model.json");
  assert.deepEqual(converted, [specs[0], { ...specs[1], quantization: { dtype: "float16" } }]);
  assert.equal(half.byteLength, 8);
  assert.equal(new Int32Array(half, 0, 1)[0], 7);
  assert.deepEqual([...new Float16Array(half, 4, 2)], [...Float16Array.of(0.1, -3)]);
  new Float32Array(buffer, 4, 2).set([1, 1e6]);
  assert.throws(
    () => float16Weights(specs, buffer, "model.json"),
    /kernel.*element 1 is beyond float16's range/,
  );
});

Deno.test("loadWeightsInto copies the body into a model with another head", () => {
  const source = createModel("chen-ckplus", { numClasses: 7, seed: 1 });
  const target = createModel("chen-ckplus", { numClasses: 3, seed: 2 });
  const x = randomImages(source.config.inputShape, 5);
  try {
    assert.notDeepEqual(predict(target.features, x), predict(source.features, x));
    assert.throws(
      () => loadWeightsInto(target, source),
      (e: unknown) =>
        e instanceof FerError && /2 of 10 weights do not match/.test(e.message) &&
        /dense_1\/kernel \(target \[128,3\], source \[128,7\]\)/.test(e.message),
    );
    const report = loadWeightsInto(target, source, { skipMismatched: true });
    assert.deepEqual(report.skipped.map((s) => s.name), ["dense_1/kernel", "dense_1/bias"]);
    assert.ok(report.skipped.every((s) => s.reason === "shape"));
    assert.equal(report.copied.length, 8);
    assert.deepEqual(report.unused, []);
    const expected = predict(source.features, x);
    assert.deepEqual(predict(target.features, x), expected);
    // The copy must outlive the source model.
    source.dispose();
    assert.deepEqual(predict(target.features, x), expected);
    assert.equal(predict(target.model, x).length, 2 * 3);
  } finally {
    target.dispose();
    x.dispose();
  }
});

Deno.test("weights converted elsewhere load by name from a weights-only model.json", async () => {
  await withTempDir(async (dir) => {
    // What docs/WEIGHTS.md's PyTorch script writes: a manifest and raw float32 shards, here split
    // in two shards like tensorflowjs_converter does, plus a weight the target does not have.
    const source = createModel("resnet18", { inputShape: [8, 8, 3], numClasses: 10, seed: 4 });
    const named = Object.fromEntries(source.model.weights.map((w) => [w.originalName, w.read()]));
    const extra = tf.zeros([1]);
    const { data, specs } = await tf.io.encodeWeights({ ...named, num_batches_tracked: extra });
    const bytes = new Uint8Array(data as ArrayBuffer);
    const half = Math.floor(bytes.length / 2);
    await Deno.writeFile(`${dir}/group1-shard1of2.bin`, bytes.slice(0, half));
    await Deno.writeFile(`${dir}/group1-shard2of2.bin`, bytes.slice(half));
    await Deno.writeTextFile(
      `${dir}/model.json`,
      JSON.stringify({
        weightsManifest: [{
          paths: ["group1-shard1of2.bin", "group1-shard2of2.bin"],
          weights: specs,
        }],
      }),
    );
    const target = createModel("resnet18", { inputShape: [8, 8, 3], numClasses: 7, seed: 5 });
    const x = randomImages([8, 8, 3], 6);
    const weights = await readWeights(dir);
    try {
      const report = loadWeightsInto(target, weights, { skipMismatched: true });
      assert.deepEqual(report.skipped.map((s) => s.name), ["fc/kernel", "fc/bias"]);
      assert.deepEqual(report.unused, ["num_batches_tracked"]);
      assert.deepEqual(predict(target.features, x), predict(source.features, x));
    } finally {
      tf.dispose(Object.values(weights));
      tf.dispose([extra, x]);
      source.dispose();
      target.dispose();
    }
  });
});

Deno.test("bad model files are data errors naming the file", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      () => loadModel(`${dir}/missing`),
      (e: unknown) => e instanceof DataError && e.message.includes(`${dir}/missing/model.json`),
    );
    await Deno.writeTextFile(`${dir}/broken.json`, "{ not json");
    await assert.rejects(() => readWeights(`${dir}/broken.json`), /broken.json: not valid JSON/);
    await Deno.writeTextFile(
      `${dir}/short.json`,
      JSON.stringify({
        weightsManifest: [{
          paths: ["short.bin"],
          weights: [{ name: "w", shape: [4], dtype: "float32" }],
        }],
      }),
    );
    await assert.rejects(
      () => readWeights(`${dir}/short.json`),
      /short.bin: cannot read weight shard/,
    );
    await Deno.writeFile(`${dir}/short.bin`, new Uint8Array(8));
    await assert.rejects(
      () => readWeights(`${dir}/short.json`),
      /short.json: weight shards hold 8 bytes but the manifest describes 16/,
    );
    // A plain tfjs model without our metadata: loadModel refuses and says what to use instead.
    const plain = createModel("chen-ckplus", { init: "zeros" });
    await plain.model.save(tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      await Deno.writeFile(`${dir}/plain.bin`, weights);
      await Deno.writeTextFile(
        `${dir}/plain.json`,
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          weightsManifest: [{ paths: ["plain.bin"], weights: artifacts.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    plain.dispose();
    await assert.rejects(
      () => loadModel(`${dir}/plain.json`),
      /plain.json: no fer metadata .* readWeights \+ loadWeightsInto/,
    );
  });
});
