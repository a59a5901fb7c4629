/**
 * Mixed precision (`--precision`): the clear errors for bf16 where it cannot run (a CPU without
 * avx512_bf16, simulated with FER_CPU_FLAGS; a backend without a bf16 path), which run everywhere;
 * the precision a run names in its first line, card and config; and, where the CPU has
 * avx512_bf16 and oneDNN is installed, bf16 convolutions against fp32 for every convolution the
 * onednn backend runs and a tiny training run in bf16. Those print `skipped: <reason>` elsewhere.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { main } from "../cli/main.ts";
import { maxScaledDifference, seededValues, valuesOn } from "../lib/backend/cross_check.ts";
import { initBackend } from "../lib/backend/init.ts";
import { probeOneDnn } from "../lib/backend/onednn/library.ts";
import { bf16Support, resolvePrecision } from "../lib/backend/precision.ts";
import { FerError, UsageError } from "../lib/errors.ts";
import { CPU_FLAGS_OVERRIDE, type CpuDescription } from "../lib/machine.ts";
import { createModel } from "../lib/models/mod.ts";
import { checkRunConfig, defaultRunConfig } from "../lib/train/config.ts";
import { evaluateModel } from "../lib/train/eval_run.ts";
import { createOptimizer } from "../lib/train/optimizers.ts";
import { syntheticBatch, trainingStep } from "../lib/train/step.ts";
import { configChanges } from "../experiments/runner.ts";
import {
  captureConsole,
  type Shape4,
  withGradients,
  withTempDir,
  writeTinyFer2013,
} from "./helpers.ts";

const zen3: CpuDescription = {
  model: "AMD EPYC 7B13",
  cores: 2,
  avx2: true,
  fma: true,
  flags: ["sse4_2", "avx", "avx2", "fma"],
};
const zen4: CpuDescription = {
  ...zen3,
  model: "AMD EPYC 9B14",
  flags: [...zen3.flags!, "avx512f", "avx512bw", "avx512vl", "avx512_bf16"],
};

/** Why the bf16 numerics cannot run here, or undefined when they can. */
function bf16Unavailable(): string | undefined {
  const support = bf16Support();
  if (!support.supported) return support.reason;
  const probe = probeOneDnn(1);
  return probe.available ? undefined : probe.reason;
}
const bf16Skip = bf16Unavailable();

/**
 * What a process whose FER_CPU_FLAGS simulates a CPU with `flags` sees: its CPU flags, whether it
 * has bf16, and the error (or backend) of initBackend for each of `starts`. A subprocess, because
 * the environment is the whole process's and `deno test --parallel` runs other test files in it.
 */
async function simulatedCpu(
  flags: string,
  starts: [string, string][],
): Promise<{ flags: string[]; bf16: boolean; starts: string[] }> {
  const script = `
    import { initBackend } from "./lib/backend/init.ts";
    import { bf16Support } from "./lib/backend/precision.ts";
    import { describeCpu } from "./lib/machine.ts";
    const starts = [];
    for (const [backend, precision] of ${JSON.stringify(starts)}) {
      try {
        starts.push((await initBackend(backend, { precision, threads: 1 })).description);
      } catch (error) {
        starts.push(String(error));
      }
    }
    console.log(JSON.stringify({
      flags: describeCpu().flags, bf16: bf16Support().supported, starts,
    }));`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", script],
    env: { [CPU_FLAGS_OVERRIDE]: flags },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const lines = new TextDecoder().decode(stdout).trim().split("\n");
  return JSON.parse(lines.at(-1)!);
}

Deno.test("bf16 on a CPU without avx512_bf16 is a clear error naming the instruction set", () => {
  assert.throws(
    () => resolvePrecision("bf16", "onednn", zen3),
    (error: Error) =>
      error instanceof FerError && /avx512_bf16 \(AVX-512 BF16\)/.test(error.message) &&
      /AMD EPYC 7B13, flags: avx2 fma\)/.test(error.message) &&
      /use --precision fp32/.test(error.message),
  );
  assert.equal(resolvePrecision("bf16", "onednn", zen4), "bf16");
  assert.equal(resolvePrecision("bf16", "onednn", { ...zen3, flags: ["amx_bf16"] }), "bf16");
  // auto stays fp32 until a measured parity run allows bf16, even where the CPU has it.
  assert.equal(resolvePrecision("auto", "onednn", zen4), "fp32");
  assert.equal(resolvePrecision("fp32", "wasm", zen3), "fp32");
  assert.throws(() => resolvePrecision("fp16" as "fp32", "onednn", zen4), /fp32, bf16, auto/);
});

Deno.test("bf16 on a backend without a bf16 path is a clear error naming onednn", () => {
  for (const backend of ["wasm", "cpu", "webgpu"]) {
    assert.throws(
      () => resolvePrecision("bf16", backend, zen4),
      new RegExp(`needs the onednn backend, not ${backend}: use --backend onednn`),
    );
  }
});

Deno.test("FER_CPU_FLAGS simulates a CPU, and initBackend refuses bf16 before starting", async () => {
  const zen4Like = await simulatedCpu("avx2 fma avx512f avx512_bf16", [["wasm", "bf16"]]);
  assert.ok(zen4Like.flags.includes("avx512_bf16"));
  assert.equal(zen4Like.bf16, true);
  // A bf16 CPU still needs onednn.
  assert.match(zen4Like.starts[0], /needs the onednn backend/);
  const zen3Like = await simulatedCpu("avx2 fma", [["onednn", "bf16"], ["auto", "bf16"]]);
  assert.deepEqual(zen3Like.flags, ["avx2", "fma"]);
  assert.equal(zen3Like.bf16, false);
  // auto with bf16 means onednn, so the CPU check applies to it too.
  for (const started of zen3Like.starts) {
    assert.match(started, /FerError: bf16 needs a CPU with avx512_bf16/);
  }
});

Deno.test("a run config's precision is checked, defaults to fp32 and may be absent", () => {
  const config = defaultRunConfig("liu-cnn5");
  assert.equal(config.precision, "fp32");
  checkRunConfig(config);
  const { precision: _, ...older } = config;
  checkRunConfig(older);
  assert.throws(
    () => checkRunConfig({ ...config, precision: "fp16" as "fp32" }),
    (error: Error) =>
      error instanceof UsageError && /--precision \(precision\) must be one of fp32, bf16, auto/
        .test(error.message),
  );
});

Deno.test("an experiment's recipe includes its precision; a run saved without one was fp32", () => {
  const wanted = defaultRunConfig("liu-cnn5");
  const { precision: _, ...older } = wanted;
  assert.deepEqual(configChanges(older, wanted), []);
  assert.deepEqual(configChanges({ ...wanted, precision: "bf16" }, wanted), [
    'precision: "bf16" → "fp32"',
  ]);
});

const trainArgs = (csv: string, out: string, backend: string, precision: string) => [
  "train",
  "mondal-shallow",
  "--data",
  csv,
  "--out",
  out,
  ...["--epochs", "1", "--batch-size", "16", "--limit", "32", "--quiet", "--no-report"],
  ...["--backend", backend, "--precision", precision],
];

Deno.test("a run says its precision in its first line, card and config; older runs read as fp32", async () => {
  await withTempDir(async (dir) => {
    const csv = `${dir}/fer2013.csv`;
    await writeTinyFer2013(csv, { count: 140, training: 100, publicTest: 20, seed: 5 });
    const runDir = `${dir}/run`;
    const trained = await captureConsole(() => main(trainArgs(csv, runDir, "wasm", "auto")));
    assert.equal(trained.code, 0, trained.err);
    assert.match(trained.out.split("\n")[0], /^Backend: wasm .*; precision fp32$/);
    const { card } = JSON.parse(await Deno.readTextFile(`${runDir}/model/model.json`))
      .userDefinedMetadata.fer;
    assert.equal(card.precision, "fp32");
    const configPath = `${runDir}/config.json`;
    const config = JSON.parse(await Deno.readTextFile(configPath));
    assert.equal(config.precision, "auto");
    // A run made before the setting existed evaluates in fp32.
    delete config.precision;
    await Deno.writeTextFile(configPath, JSON.stringify(config));
    const evaluated = await evaluateModel(runDir, { split: "test", tta: "none" });
    assert.equal(evaluated.precision, "fp32");

    // bf16 where it cannot run fails before a run folder is made.
    if (bf16Skip) {
      const refused = await captureConsole(() =>
        main(trainArgs(csv, `${dir}/bf16`, "onednn", "bf16"))
      );
      assert.equal(refused.code, 1);
      assert.match(refused.err, /bf16 needs a CPU with avx512_bf16/);
      await assert.rejects(Deno.stat(`${dir}/bf16`), Deno.errors.NotFound);
    }
  });
});

/** Every convolution the onednn backend runs: the shapes of backend_onednn_test.ts. */
const computations: { label: string; compute: () => tf.Tensor[] }[] = [];
const cases: { x: Shape4; kernel: [number, number]; strides: number; pad: "same" | "valid" }[] = [
  { x: [2, 7, 5, 3], kernel: [3, 3], strides: 1, pad: "same" },
  { x: [3, 9, 8, 2], kernel: [3, 3], strides: 2, pad: "same" },
  { x: [3, 9, 8, 2], kernel: [3, 3], strides: 2, pad: "valid" },
  { x: [2, 10, 9, 2], kernel: [5, 4], strides: 3, pad: "valid" },
  { x: [2, 6, 6, 4], kernel: [1, 1], strides: 2, pad: "same" },
  // Channel counts the bf16 kernels block by (16, 32).
  { x: [4, 12, 12, 32], kernel: [3, 3], strides: 1, pad: "same" },
];
for (const [i, c] of cases.entries()) {
  const label = `x ${c.x} kernel ${c.kernel} strides ${c.strides} pad ${c.pad}`;
  computations.push({
    label: `conv2d ${label}`,
    compute: () =>
      withGradients(
        (x, f) => tf.conv2d(x, f, c.strides, c.pad),
        c.x,
        [...c.kernel, c.x[3], 16],
        10 * i,
      ),
  });
  for (const multiplier of [1, 2]) {
    computations.push({
      label: `depthwise ×${multiplier} ${label}`,
      compute: () =>
        withGradients(
          (x, f) => tf.depthwiseConv2d(x, f, c.strides, c.pad),
          c.x,
          [...c.kernel, c.x[3], multiplier],
          10 * i + 5,
        ),
    });
  }
}
computations.push({
  label: "explicit padding, dilations, fused bias + relu",
  compute: () => {
    const x = tf.tensor4d(seededValues([2, 11, 10, 3], 1), [2, 11, 10, 3]);
    const f = tf.tensor4d(seededValues([3, 3, 3, 4], 2), [3, 3, 3, 4]);
    const d = tf.tensor4d(seededValues([3, 3, 3, 2], 3), [3, 3, 3, 2]);
    return [
      tf.conv2d(x, f, 2, [[0, 0], [2, 2], [2, 2], [0, 0]]),
      tf.conv2d(x, f, 1, "same", "NHWC", 2),
      tf.depthwiseConv2d(x, d, 1, "valid", "NHWC", 3),
      tf.fused.conv2d({
        x,
        filter: f,
        strides: 1,
        pad: "same",
        bias: tf.ones([4]),
        activation: "relu",
      }),
    ];
  },
});

/** bf16 rounds inputs to 8 significant bits; fp32 accumulation keeps sums near that. */
const BF16_TOLERANCE = 1e-2;

Deno.test("bf16 convolutions match fp32 within bf16's precision, every pass and shape", async () => {
  if (bf16Skip) {
    console.log(`skipped: ${bf16Skip}`);
    return;
  }
  let largest = 0;
  for (const { label, compute } of computations) {
    await initBackend("onednn", { threads: 1 });
    const fp32 = await valuesOn("wasm", compute);
    const bf16Info = await initBackend("onednn", { threads: 1, precision: "bf16" });
    assert.equal(bf16Info.precision, "bf16");
    const bf16 = await valuesOn("wasm", compute);
    const difference = maxScaledDifference(bf16, fp32);
    assert.ok(difference <= BF16_TOLERANCE, `${label}: bf16 differs from fp32 by ${difference}`);
    largest = Math.max(largest, difference);
  }
  // Rounding to bf16 shows: the bf16 path ran, not fp32 again.
  assert.ok(largest > 1e-5, `bf16 and fp32 agree to ${largest}: did bf16 run?`);
  await initBackend("onednn", { threads: 1 });
});

Deno.test("a tiny training run in bf16 follows fp32's losses", async () => {
  if (bf16Skip) {
    console.log(`skipped: ${bf16Skip}`);
    return;
  }
  const losses = async (precision: "fp32" | "bf16") => {
    await initBackend("onednn", { threads: 1, precision });
    // Without dropout, whose masks are drawn afresh each run: the two runs then differ by
    // precision alone.
    const fer = createModel("liu-cnn5", {
      inputShape: [24, 24, 1],
      numClasses: 7,
      seed: 3,
      convDropout: 0,
      dropout: 0,
    });
    const optimizer = createOptimizer({ name: "adam", lr: 1e-3 });
    const { x, labels } = syntheticBatch(fer.model, 16, 4);
    const result: number[] = [];
    for (let step = 0; step < 6; step++) {
      result.push((await trainingStep(fer.model, optimizer, x, labels)).loss);
    }
    tf.dispose([x, labels]);
    optimizer.dispose();
    fer.dispose();
    return result;
  };
  const fp32 = await losses("fp32");
  const bf16 = await losses("bf16");
  await initBackend("onednn", { threads: 1 });
  assert.ok(bf16.every(Number.isFinite), `bf16 losses ${bf16}`);
  assert.ok(bf16.at(-1)! < bf16[0], `bf16 did not learn: ${bf16}`);
  for (const [i, loss] of bf16.entries()) {
    assert.ok(
      Math.abs(loss - fp32[i]) <= 0.05 * fp32[i],
      `step ${i + 1}: bf16 loss ${loss}, fp32 ${fp32[i]}`,
    );
  }
});
