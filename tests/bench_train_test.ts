/**
 * Smoke tests of `fer bench train` and its PyTorch twin: the output shape and that both sides
 * build the same networks. Timings are never asserted (the machines are shared).
 */
import assert from "node:assert/strict";
import { main } from "../cli/main.ts";
import { bf16Support, initBackend, probeOneDnn } from "../lib/backend/mod.ts";
import { CPU_FLAGS_OVERRIDE } from "../lib/machine.ts";
import { countParams, createModel } from "../lib/models/mod.ts";
import { automaticMicroBatch } from "../lib/train/step.ts";
import {
  PYTORCH_MODELS,
  pytorchUnavailable,
  runPytorchBenchmark,
} from "../cli/commands/bench_pytorch.ts";
import { peakFlops, trainingGflops } from "../cli/commands/bench_machine.ts";
import { captureConsole } from "./helpers.ts";

/** Runs the CLI and returns its exit status and what it printed to stdout. */
async function run(argv: string[]): Promise<{ status: number; stdout: string }> {
  const out: string[] = [];
  const { log, error } = console;
  console.log = (...args: unknown[]) => out.push(args.join(" "));
  console.error = () => {};
  try {
    return { status: await main(argv), stdout: out.join("\n") };
  } finally {
    console.log = log;
    console.error = error;
  }
}

Deno.test("fer bench train --json prints the model, batch and our throughput", async () => {
  // chen-ckplus has no PyTorch twin, so `--pytorch auto` skips it: no pytorch part, no ratio.
  const { status, stdout } = await run([
    "bench",
    "train",
    "--model",
    "chen-ckplus",
    "--backend",
    "cpu",
    "--batch",
    "2",
    "--warmup",
    "0",
    "--steps",
    "1",
    "--json",
  ]);
  assert.equal(status, 0);
  const result = JSON.parse(stdout);
  assert.deepEqual(Object.keys(result), ["model", "batch", "microBatch", "ours"]);
  assert.equal(result.model, "chen-ckplus");
  assert.equal(result.batch, 2);
  assert.equal(result.microBatch, 2);
  assert.deepEqual(Object.keys(result.ours), [
    "backend",
    "precision",
    "imagesPerSecond",
    "warmupSeconds",
  ]);
  assert.match(result.ours.backend, /^cpu/);
  assert.equal(result.ours.precision, "fp32");
  assert.ok(result.ours.imagesPerSecond > 0);
});

Deno.test("bench train --model-option builds the model with those registry options", async () => {
  const argv = [
    ...["bench", "train", "--model", "chen-ckplus", "--backend", "cpu", "--batch", "2"],
    ...["--warmup", "0", "--steps", "1", "--json"],
  ];
  const { status, stdout } = await run([
    ...argv,
    ...["--model-option", "dropout=0.25", "--model-option", "numClasses=3"],
  ]);
  assert.equal(status, 0);
  const result = JSON.parse(stdout);
  assert.deepEqual(result.modelOptions, { dropout: 0.25, numClasses: 3 });
  assert.ok(result.ours.imagesPerSecond > 0);
  // createModel's own check names the valid keys; a value of the wrong kind is refused too.
  const refusal = async (option: string, message: RegExp) => {
    const { code, err } = await captureConsole(() => main([...argv, "--model-option", option]));
    assert.equal(code, 2, option);
    assert.match(err, message);
  };
  await refusal("stem=imagenet", /does not take option 'stem'. Valid options: .*dropout, l2/);
  await refusal("dropout=1.5", /option dropout must be in \[0, 1\), got 1.5/);
  await refusal("dropout", /expects key=value/);
  await refusal("inputShape=1", /cannot be set here: use --input/);
  await refusal(
    "init=zeros",
    /init cannot be set here: bench train times training .* from random weights/,
  );
});

Deno.test("bench train --model-option stem=imagenet builds resnet18 with the ImageNet stem", async () => {
  const { status, stdout } = await run([
    ...["bench", "train", "--model", "resnet18", "--backend", "wasm", "--pytorch", "auto"],
    ...["--model-option", "stem=imagenet", "--input", "32x32x3", "--batch", "2"],
    ...["--warmup", "0", "--steps", "1", "--json"],
  ]);
  assert.equal(status, 0);
  const result = JSON.parse(stdout);
  assert.deepEqual(result.modelOptions, { stem: "imagenet" });
  // PyTorch's twin has the small stem only, so it is skipped rather than compared.
  assert.equal(result.pytorch, undefined);
});

/** `fer bench train --json` of one quick step of `model` on wasm, parsed. */
async function benchOnWasm(model: string, ...extra: string[]) {
  const argv = ["bench", "train", "--model", model, "--backend", "wasm", "--pytorch", "off"];
  const { status, stdout } = await run([
    ...argv,
    "--warmup",
    "0",
    "--steps",
    "1",
    "--json",
    ...extra,
  ]);
  assert.equal(status, 0);
  return JSON.parse(stdout);
}

Deno.test("on wasm, bench train picks the micro-batch fer train picks; --micro-batch overrides", async () => {
  await initBackend("cpu");
  const chunk = (model: string, batch: number, backend: string) => {
    const fer = createModel(model, { numClasses: 7 });
    try {
      return automaticMicroBatch(fer.model, batch, backend);
    } finally {
      fer.dispose();
    }
  };
  // ResNet18's activations at batch 64 exhaust wasm's heap (docs/BENCHMARKS.md, Memory).
  assert.equal(chunk("resnet18", 64, "wasm"), 32);
  assert.equal(chunk("resnet18", 64, "cpu"), undefined);
  assert.equal(chunk("liu-cnn5", 64, "wasm"), undefined);
  // The cheapest model and batch that the automatic choice splits (one step of 24 images).
  const split = chunk("shufflenetv2", 24, "wasm")!;
  assert.ok(split < 24);
  assert.equal((await benchOnWasm("shufflenetv2", "--batch", "24")).microBatch, split);
  assert.equal((await benchOnWasm("liu-cnn5", "--batch", "4")).microBatch, 4);
  assert.equal((await benchOnWasm("liu-cnn5", "--batch", "4", "--micro-batch", "2")).microBatch, 2);
});

Deno.test("effective GFLOP/s use 6 flops per MAC; the peak follows the FMA width", () => {
  assert.equal(trainingGflops(1e9, 1), 6);
  const cpu = { model: "x", cores: 2, mhz: 2000, avx2: true, fma: true };
  assert.equal(peakFlops({ ...cpu, family: 25, modelNumber: 1 })!.gflops, 128);
  // Zen 1 splits 256-bit FMAs into two 128-bit halves.
  assert.equal(peakFlops({ ...cpu, family: 23, modelNumber: 1 })!.gflops, 64);
  assert.equal(peakFlops({ ...cpu, mhz: undefined }), undefined);
});

Deno.test("bench/pytorch_train.py builds networks with our trainable parameter counts", async () => {
  const why = await pytorchUnavailable(PYTORCH_MODELS[0]);
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  await initBackend("cpu");
  for (const model of PYTORCH_MODELS) {
    const fer = createModel(model, { numClasses: 7, init: "zeros" });
    const ours = countParams(fer.model).trainable;
    const inputShape = fer.config.inputShape;
    fer.dispose();
    const theirs = await runPytorchBenchmark({
      model,
      batch: 2,
      steps: 1,
      warmup: 0,
      inputShape,
      classes: 7,
      threads: 1,
    });
    assert.equal(theirs.params, ours, model);
    assert.ok(theirs.imagesPerSecond > 0, model);
  }
});

Deno.test("bench train --precision bf16 on a CPU without avx512_bf16 says so (simulated)", async () => {
  // A subprocess: FER_CPU_FLAGS is the whole process's, which runs other test files in parallel.
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      ...["run", "-A", "cli/main.ts", "bench", "train", "--backend", "onednn"],
      ...["--precision", "bf16", "--json"],
    ],
    env: { [CPU_FLAGS_OVERRIDE]: "avx2 fma" },
  }).output();
  assert.equal(code, 1);
  assert.equal(new TextDecoder().decode(stdout), "");
  assert.match(
    new TextDecoder().decode(stderr),
    /bf16 needs a CPU with avx512_bf16 .*use --precision fp32/,
  );
});

Deno.test("bench/pytorch_train.py --precision bf16 trains under CPU autocast", async () => {
  const why = await pytorchUnavailable("liu-cnn5");
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  const result = await runPytorchBenchmark({
    model: "liu-cnn5",
    batch: 2,
    steps: 1,
    warmup: 0,
    inputShape: [24, 24, 1],
    classes: 7,
    threads: 1,
    precision: "bf16",
  });
  assert.equal(result.precision, "bf16");
  assert.ok(result.imagesPerSecond > 0);
});

Deno.test("bench train --precision bf16 --json adds PyTorch's autocast figures", async () => {
  const support = bf16Support();
  const probe = probeOneDnn(1);
  const pytorch = await pytorchUnavailable("liu-cnn5");
  const why = !support.supported ? support.reason : !probe.available ? probe.reason : pytorch;
  if (why) {
    console.log(`skipped: ${why}`);
    return;
  }
  const { status, stdout } = await run([
    ...["bench", "train", "--model", "liu-cnn5", "--backend", "onednn", "--precision", "bf16"],
    ...["--input", "24x24x1", "--batch", "2", "--warmup", "0", "--steps", "1", "--json"],
  ]);
  assert.equal(status, 0);
  const result = JSON.parse(stdout);
  assert.deepEqual(Object.keys(result), [
    "model",
    "batch",
    "microBatch",
    "ours",
    "pytorch",
    "ratio",
    "pytorchBf16",
    "ratioBf16",
  ]);
  assert.equal(result.ours.precision, "bf16");
  assert.ok(result.pytorchBf16.imagesPerSecond > 0);
  await initBackend("onednn", { threads: 1 });
});
