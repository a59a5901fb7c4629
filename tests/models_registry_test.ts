import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { UsageError } from "../lib/errors.ts";
import {
  countParams,
  createModel,
  getModelSpec,
  listModels,
  resolveConfig,
} from "../lib/models/mod.ts";

await tf.setBackend("cpu");

/** Builds `name` (kernels at zero: only shapes matter), runs `use`, disposes. */
function inspect<T>(
  name: string,
  options: Parameters<typeof createModel>[1],
  use: (fer: ReturnType<typeof createModel>) => T,
): T {
  const fer = createModel(name, { ...options, init: "zeros" });
  try {
    return use(fer);
  } finally {
    fer.dispose();
  }
}

Deno.test("the registry lists every architecture the toolkit promises", () => {
  const names = listModels();
  for (
    const expected of [
      "mondal-shallow",
      "mondal-improved",
      "mondal-deep",
      "liu-cnn5",
      "chen-ckplus",
      "adebo-selfbuilt",
      "khaireddin-vgg",
      "vgg11",
      "vgg11-bn",
      "resnet18",
      "resnet50",
      "mobilenetv2",
      "shufflenetv2-0.5",
      "shufflenetv2",
    ]
  ) assert.ok(names.includes(expected), `${expected} is not registered`);
});

Deno.test("the Mondal models have exactly the published parameter counts", () => {
  const counts = (name: string) => inspect(name, {}, (fer) => countParams(fer.model));
  assert.deepEqual(counts("mondal-shallow"), {
    total: 2_345_607,
    trainable: 2_345_607,
    nonTrainable: 0,
  });
  assert.deepEqual(counts("mondal-improved"), {
    total: 2_345_607,
    trainable: 2_345_607,
    nonTrainable: 0,
  });
  assert.deepEqual(counts("mondal-deep"), {
    total: 20_552_775,
    trainable: 20_543_559,
    nonTrainable: 9_216,
  });
});

Deno.test("mondal-improved differs from mondal-shallow only by dropout layers", () => {
  const layerKinds = (name: string) =>
    inspect(name, {}, (fer) => fer.model.layers.map((l) => l.getClassName()));
  const shallow = layerKinds("mondal-shallow");
  const improved = layerKinds("mondal-improved");
  assert.ok(!shallow.includes("Dropout"));
  assert.equal(improved.filter((kind) => kind === "Dropout").length, 3);
  assert.deepEqual(improved.filter((kind) => kind !== "Dropout"), shallow);
});

Deno.test("mondal-deep drops out 0.3 after every pool and the dense layer, as the authors' notebook", () => {
  const rates = inspect(
    "mondal-deep",
    {},
    (fer) =>
      fer.model.layers.filter((l) => l.getClassName() === "Dropout")
        .map((l) => (l.getConfig() as { rate: number }).rate),
  );
  assert.deepEqual(rates, [0.3, 0.3, 0.3, 0.3, 0.3]);
});

Deno.test("torchvision-layout models match torchvision's ImageNet parameter counts", () => {
  // torchvision counts BN running statistics as buffers, i.e. our non-trainable weights.
  const torchvision: Record<string, number> = {
    "resnet18": 11_689_512,
    "resnet50": 25_557_032,
    "vgg11": 132_863_336,
    "vgg11-bn": 132_868_840,
    "mobilenetv2": 3_504_872,
    "shufflenetv2": 2_278_604,
    "shufflenetv2-0.5": 1_366_792,
  };
  for (const [name, expected] of Object.entries(torchvision)) {
    const trainable = inspect(
      name,
      { inputShape: [224, 224, 3], numClasses: 1000 },
      (fer) => countParams(fer.model).trainable,
    );
    assert.equal(trainable, expected, name);
  }
});

Deno.test("the stem follows the input size unless chosen", () => {
  assert.equal(inspect("resnet18", {}, (fer) => fer.config.stem), "small");
  assert.equal(
    inspect("resnet18", { inputShape: [224, 224, 3] }, (fer) => fer.config.stem),
    "imagenet",
  );
  // The small stem keeps 48×48 into layer1; the ImageNet stem divides by 4 first.
  const layer1Size = (stem: "small" | "imagenet") =>
    inspect("resnet18", { stem }, (fer) => fer.model.getLayer("layer1.0.add").outputShape);
  assert.deepEqual(layer1Size("small"), [null, 48, 48, 64]);
  assert.deepEqual(layer1Size("imagenet"), [null, 12, 12, 64]);
});

Deno.test("the width multiplier changes MobileNetV2 and ShuffleNetV2 widths", () => {
  const embedding = (name: string, widthMultiplier: number) =>
    inspect(name, { widthMultiplier }, (fer) => countParams(fer.model).trainable);
  assert.ok(embedding("mobilenetv2", 0.5) < embedding("mobilenetv2", 1));
  assert.ok(embedding("shufflenetv2", 0.5) < embedding("shufflenetv2", 1));
  assert.throws(
    () => createModel("shufflenetv2", { widthMultiplier: 0.75, init: "zeros" }),
    (e: unknown) => e instanceof UsageError && /Valid choices: 0\.5, 1, 1\.5, 2/.test(e.message),
  );
});

Deno.test("bad names, options and shapes are usage errors that say what is valid", () => {
  assert.throws(
    () => createModel("resnet19"),
    (e: unknown) =>
      e instanceof UsageError && /unknown model 'resnet19'/.test(e.message) &&
      /resnet18, resnet50/.test(e.message),
  );
  assert.throws(
    () => createModel("resnet18", { widthMultiplier: 2 }),
    /does not take option 'widthMultiplier'. Valid options: .*stem, dropout, l2/,
  );
  assert.throws(() => createModel("resnet18", { inputShape: [48, 48, 2] }), /channel counts: 1, 3/);
  assert.throws(
    () => createModel("mondal-shallow", { inputShape: [23, 23, 1] }),
    /too small; the smallest this configuration takes is 24×24/,
  );
  assert.throws(() => createModel("chen-ckplus", { numClasses: 1 }), /numClasses must be/);
  assert.throws(() => createModel("vgg11", { dropout: 1 }), /dropout must be in \[0, 1\)/);
  assert.throws(
    () => createModel("resnet18", { stem: "tiny" as "small" }),
    /unknown stem 'tiny'. Valid choices: auto, small, imagenet/,
  );
  assert.throws(
    () =>
      createModel("resnet18", {
        inputShape: [48, 48, 3],
        normalization: { kind: "mean-std", mean: [0.5, 0.5], std: [0.5, 0.5] },
      }),
    /needs 3 \(or 1\) mean and positive std value\(s\)/,
  );
  // One grey mean/std serves an RGB input (a grey image replicated), as torchvision broadcasts.
  const rgb = createModel("adebo-selfbuilt", {
    normalization: { kind: "mean-std", mean: [0.4907], std: [0.2099] },
  });
  assert.deepEqual(rgb.config.normalization, {
    kind: "mean-std",
    mean: [0.4907, 0.4907, 0.4907],
    std: [0.2099, 0.2099, 0.2099],
  });
  rgb.dispose();
});

Deno.test("layer and weight names do not depend on what was built before", () => {
  const names = (name: string) =>
    inspect(name, {}, (fer) => fer.model.weights.map((w) => w.originalName));
  const first = names("mondal-deep");
  names("mondal-deep");
  names("liu-cnn5");
  assert.deepEqual(names("mondal-deep"), first);
  // Keras auto-names, so weights of the original Keras models load by name.
  assert.equal(first[0], "conv2d/kernel");
  assert.ok(first.includes("conv2d_12/kernel"));
  assert.ok(first.includes("dense_1/kernel"));
  const resnet = names("resnet50");
  assert.ok(resnet.includes("layer2.0.downsample.0/kernel"));
  assert.ok(resnet.includes("fc/kernel"));
});

Deno.test("liu-cnn5 puts its L2 penalty on the 256-filter convolution only", () => {
  const regularized = (l2?: number) =>
    inspect("liu-cnn5", { l2 }, (fer) =>
      fer.model.layers
        .filter((layer) => layer.getConfig().kernelRegularizer != null)
        .map((layer) => layer.name));
  assert.deepEqual(regularized(), ["conv2d_3"]);
  assert.deepEqual(regularized(0), []);
  assert.deepEqual(
    inspect("liu-cnn5", {}, (fer) => fer.model.getLayer("conv2d_3").outputShape),
    [null, 12, 12, 256],
  );
});

Deno.test("the seed decides the initial weights", () => {
  const firstKernel = (seed: number) => {
    const fer = createModel("chen-ckplus", { seed });
    try {
      return fer.model.getLayer("conv2d").getWeights()[0].dataSync().slice();
    } finally {
      fer.dispose();
    }
  };
  assert.deepEqual(firstKernel(7), firstKernel(7));
  assert.notDeepEqual(firstKernel(7), firstKernel(8));
});

Deno.test("the feature extractor shares the classifier's weights", () => {
  const fer = createModel("liu-cnn5");
  try {
    assert.deepEqual(fer.features.outputs[0].shape, [null, 128]);
    const classifierWeights = new Set(fer.model.weights.map((w) => w.read()));
    assert.ok(fer.features.weights.length > 0);
    for (const weight of fer.features.weights) assert.ok(classifierWeights.has(weight.read()));
    // Everything but the final dense layer is shared.
    assert.equal(fer.model.weights.length - fer.features.weights.length, 2);
  } finally {
    fer.dispose();
  }
});

Deno.test("createModel and dispose leave no tensors behind", () => {
  for (const name of ["mondal-deep", "liu-cnn5", "resnet18", "mobilenetv2", "shufflenetv2-0.5"]) {
    const before = tf.memory().numTensors;
    const fer = createModel(name);
    assert.ok(tf.memory().numTensors > before, `${name} made no weights`);
    fer.dispose();
    assert.equal(tf.memory().numTensors, before, `${name} leaked tensors`);
  }
});

Deno.test("every family checks each option it declares", () => {
  const bad: Record<string, unknown> = {
    dropout: 1,
    convDropout: -0.1,
    l2: -1,
    widthMultiplier: 0,
    batchNorm: "yes",
    stem: "tiny",
  };
  for (const name of listModels()) {
    const spec = getModelSpec(name);
    const options = Object.keys(spec.defaults).filter((key) => key in bad);
    assert.ok(options.length > 0, `${name} declares no family option`);
    for (const option of options) {
      assert.throws(
        () => resolveConfig(spec, { [option]: bad[option] }),
        (e: unknown) =>
          e instanceof UsageError &&
          e.message.includes(option === "stem" ? "stem 'tiny'" : `option ${option}`),
        `${name} accepted ${option}: ${bad[option]}`,
      );
    }
  }
});

Deno.test("a bad family option's message names the model, the option and the valid range", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["vgg11", { dropout: 1 }, "vgg11: option dropout must be in [0, 1), got 1"],
    [
      "mondal-deep",
      { convDropout: -0.1 },
      "mondal-deep: option convDropout must be in [0, 1), got -0.1",
    ],
    ["liu-cnn5", { l2: -1 }, "liu-cnn5: option l2 must be ≥ 0, got -1"],
    [
      "mobilenetv2",
      { widthMultiplier: 0 },
      "mobilenetv2: option widthMultiplier must be > 0, got 0",
    ],
    ["vgg11", { batchNorm: "yes" }, "vgg11: option batchNorm must be true or false"],
  ];
  for (const [name, options, message] of cases) {
    assert.throws(
      () => resolveConfig(getModelSpec(name), options),
      (e: unknown) => e instanceof UsageError && e.message === message,
      `${name} ${JSON.stringify(options)}`,
    );
  }
});
