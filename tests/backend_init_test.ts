/**
 * initBackend: choices, threads, repeated calls and errors; and the throughput and per-kernel
 * profiling helpers on a tiny model.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { FerError, UsageError } from "../lib/errors.ts";
import {
  defaultThreads,
  initBackend,
  probeOneDnn,
  profileSteps,
  timeSteps,
  wasmTrainingKernelNames,
} from "../lib/backend/mod.ts";
import { syntheticBatch, trainingStep } from "../lib/train/step.ts";

// Threads first: a process can start only one wasm module.
const threaded = await initBackend("wasm", { threads: 2 });

Deno.test("wasm starts threaded with SIMD and reports it", async () => {
  assert.equal(threaded.name, "wasm");
  assert.equal(threaded.simd, true);
  assert.equal(threaded.threads, 2, threaded.description);
  assert.match(threaded.description, /wasm \(XNNPACK, SIMD, 2 threads\)/);
  // Threaded kernels compute what cpu computes.
  await initBackend("wasm", { threads: 2 });
  const a = tf.randomUniform([64, 96], -1, 1, "float32", 1);
  const b = tf.randomUniform([96, 80], -1, 1, "float32", 2);
  const onWasm = await tf.matMul(a, b).data();
  await initBackend("cpu");
  const onCpu = await tf.matMul(a, b).data();
  for (let i = 0; i < onCpu.length; i++) assert.ok(Math.abs(onWasm[i] - onCpu[i]) < 1e-4);
  tf.dispose([a, b]);
});

Deno.test("initBackend is safe to call again and can switch backends", async () => {
  const cpu = await initBackend("cpu");
  assert.equal(cpu.name, "cpu");
  assert.equal(tf.getBackend(), "cpu");
  assert.equal(await initBackend("cpu"), cpu);
  const wasm = await initBackend("wasm", { threads: 2 });
  assert.equal(tf.getBackend(), "wasm");
  assert.equal(await initBackend("wasm", { threads: 2 }), wasm);
});

Deno.test("a second wasm thread count cannot start, and says so", async () => {
  const info = await initBackend("wasm", { threads: 1 });
  assert.equal(info.threads, 2);
  assert.match(info.notes.join(), /already runs with 2 thread/);
});

Deno.test("auto picks a hardware GPU, else onednn where oneDNN loads, else wasm; says why", async () => {
  const info = await initBackend("auto");
  assert.ok(info.name === "wasm" || info.name === "webgpu");
  assert.ok(info.notes.some((note) => note.startsWith("auto: ")), info.notes.join());
  if (info.name === "webgpu") assert.ok(info.adapter);
  else if (probeOneDnn(2).available) assert.match(info.oneDnn ?? "", /^oneDNN 2\./);
  else assert.match(info.notes.join(), /onednn: /);
});

Deno.test("bad choices and options are errors that say why", async () => {
  await assert.rejects(
    () => initBackend("gpu" as "auto"),
    (e: unknown) =>
      e instanceof UsageError && /Valid choices: auto, webgpu, onednn, wasm, cpu/.test(e.message),
  );
  await assert.rejects(
    () => initBackend("wasm", { threads: 0 }),
    (e: unknown) => e instanceof FerError && /threads must be a positive integer/.test(e.message),
  );
});

function tinyConvNet(): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: "same" }),
  );
  model.add(tf.layers.batchNormalization());
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 3, activation: "softmax" }));
  return model;
}

/** lib/train's training step of `model` on a synthetic batch of 4, and what to dispose after. */
function tinySteps(model: tf.LayersModel) {
  const optimizer = tf.train.adam();
  const { x, labels } = syntheticBatch(model, 4);
  const step = async () => (await trainingStep(model, optimizer, x, labels)).loss;
  const dispose = () => {
    tf.dispose([x, labels]);
    optimizer.dispose();
  };
  return { step, dispose };
}

Deno.test("the thread count follows OMP_NUM_THREADS, else the cores; a bad value says so", () => {
  const before = Deno.env.get("OMP_NUM_THREADS");
  try {
    Deno.env.delete("OMP_NUM_THREADS");
    assert.equal(defaultThreads(), navigator.hardwareConcurrency);
    Deno.env.set("OMP_NUM_THREADS", "3");
    assert.equal(defaultThreads(), 3);
    for (const bad of ["0", "two", "1.5"]) {
      Deno.env.set("OMP_NUM_THREADS", bad);
      assert.throws(
        () => defaultThreads(),
        (e: Error) =>
          e instanceof FerError && e.message.includes(`OMP_NUM_THREADS`) &&
          e.message.includes(bad),
      );
    }
  } finally {
    if (before === undefined) Deno.env.delete("OMP_NUM_THREADS");
    else Deno.env.set("OMP_NUM_THREADS", before);
  }
});

Deno.test("training throughput is measured without leaking tensors", async () => {
  await initBackend("wasm", { threads: 2 });
  const model = tinyConvNet();
  const before = tf.memory().numTensors;
  const { step, dispose } = tinySteps(model);
  const result = await timeSteps(step, { batch: 4, steps: 3, warmup: 1 });
  assert.equal(result.backend, "wasm");
  assert.ok(result.imagesPerSecond > 0 && Number.isFinite(result.imagesPerSecond));
  assert.ok(result.bestStepSeconds <= result.medianStepSeconds);
  assert.equal(result.tensorGrowth, 0);
  assert.ok(Number.isFinite(result.lastLoss));
  dispose();
  assert.equal(tf.memory().numTensors, before);
  model.dispose();
});

Deno.test("the per-kernel profile covers our kernels and restores the registry", async () => {
  await initBackend("wasm", { threads: 2 });
  const kernelsBefore = tf.getKernelsForBackend("wasm");
  const model = tinyConvNet();
  const { step, dispose } = tinySteps(model);
  const profile = await profileSteps(step, { steps: 2 });
  dispose();
  const byName = new Map(profile.kernels.map((k) => [k.kernel, k]));
  assert.equal(byName.get("Conv2DBackpropFilter")?.calls, 1);
  assert.ok(byName.get("FusedConv2D") ?? byName.get("Conv2D"));
  for (const k of profile.kernels) assert.ok(k.selfMs <= k.ms + 1e-9 && k.selfMs >= -1e-9);
  assert.ok(profile.outsideKernelsMs >= 0 && profile.outsideKernelsMs <= profile.stepMs);
  const kernelsAfter = tf.getKernelsForBackend("wasm");
  assert.deepEqual(kernelsAfter.map((k) => k.kernelFunc), kernelsBefore.map((k) => k.kernelFunc));
  for (const name of wasmTrainingKernelNames) assert.ok(tf.getKernel(name, "wasm"));
  model.dispose();
});

Deno.test("an exhausted wasm heap is a FerError at the allocation", async () => {
  const { guardWasmAllocations } = await import("../lib/backend/wasm/memory_guard.ts");
  let next = 64;
  const fake = {
    HEAPU8: new Uint8Array(1024),
    _free: () => {},
    // Succeeds until the "heap" is full, then returns 0 as emscripten's malloc does.
    _malloc: (bytes: number) => next + bytes > 1024 ? 0 : (next += bytes),
  };
  guardWasmAllocations(fake);
  assert.ok(fake._malloc(100) > 0);
  assert.throws(
    () => fake._malloc(2048),
    (e: unknown) =>
      e instanceof FerError && /wasm memory exhausted.*smaller batch size/.test(e.message),
  );
  assert.equal(fake._malloc(0), next);
});

Deno.test("auto and the cpu backend print no stray lines (Mesa's XDG_RUNTIME_DIR, tfjs' Node.js banner)", async () => {
  const env = Deno.env.toObject();
  delete env.XDG_RUNTIME_DIR;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--ext=ts",
      `import * as tf from "@tensorflow/tfjs";
       import { initBackend } from "./lib/backend/mod.ts";
       import "./lib/models/mod.ts";
       await tf.setBackend("cpu");
       tf.tensor1d([1, 2]).dataSync();
       console.log((await initBackend("auto")).description);`,
    ],
    cwd: new URL("..", import.meta.url).pathname,
    env,
    clearEnv: true,
  }).output();
  const said = new TextDecoder().decode(stdout);
  const errors = new TextDecoder().decode(stderr);
  assert.equal(code, 0, errors);
  assert.equal(said.trim().split("\n").length, 1, said);
  assert.equal(errors, "");
});
