import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { CheckpointStore } from "../lib/train/checkpoint.ts";
import {
  type BatchLogs,
  type Callback,
  EarlyStopping,
  type EpochLogs,
  ReduceLROnPlateau,
} from "../lib/train/callbacks.ts";
import {
  createOptimizer,
  optimizerScalars,
  restoreOptimizerScalars,
} from "../lib/train/optimizers.ts";
import {
  type Batcher,
  Trainer,
  type TrainerOptions,
  type TrainingState,
} from "../lib/train/trainer.ts";
import { withTempDir } from "./helpers.ts";
import { quadrantData, tinyModel } from "./train_fixture.ts";

await tf.setBackend("cpu");

/** A one-epoch trainer that prints nothing; `options` override. */
function quietTrainer(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  options: Partial<TrainerOptions> = {},
) {
  return new Trainer(model, optimizer, {
    epochs: 1,
    batchSize: 16,
    seed: 1,
    progress: "quiet",
    log: () => {},
    ...options,
  });
}

async function train(dir: string, epochs: number, resume = false) {
  const model = tinyModel(1);
  const optimizer = createOptimizer({ name: "adam", lr: 0.01 });
  const store = new CheckpointStore<TrainingState>(`${dir}/checkpoint`);
  const trainer = new Trainer(model, optimizer, {
    epochs,
    batchSize: 16,
    seed: 7,
    weightDecay: 1e-4,
    progress: "quiet",
    log: () => {},
    callbacks: [new ReduceLROnPlateau({ patience: 1, factor: 0.5 })],
    checkpointEverySteps: 2,
  });
  const result = await trainer.fit(
    quadrantData(100, 1),
    quadrantData(40, 2),
    store,
    resume ? await store.read() : undefined,
  );
  const weights = model.getWeights().map((w) => Array.from(w.dataSync()));
  model.dispose();
  optimizer.dispose();
  return { result, weights };
}

Deno.test("training learns, and the same seed gives identical histories on cpu", async () => {
  await withTempDir(async (dir) => {
    const first = await train(`${dir}/a`, 4);
    const second = await train(`${dir}/b`, 4);
    assert.deepEqual(
      first.result.history.map((h) => ({ ...h, seconds: 0 })),
      second.result.history.map((h) => ({ ...h, seconds: 0 })),
    );
    const history = first.result.history;
    assert.equal(history.length, 4);
    assert.ok(history[3].val_accuracy! > 0.5, `val accuracy ${history[3].val_accuracy}`);
    assert.ok(history[3].loss < history[0].loss);
  });
});

Deno.test("a run resumed from its checkpoint matches an uninterrupted one", async () => {
  await withTempDir(async (dir) => {
    const uninterrupted = await train(`${dir}/full`, 3);
    await train(`${dir}/cut`, 2);
    const resumed = await train(`${dir}/cut`, 3, true);
    const strip = (h: { seconds: number }) => ({ ...h, seconds: 0 });
    assert.deepEqual(resumed.result.history.map(strip), uninterrupted.result.history.map(strip));
    assert.deepEqual(resumed.weights, uninterrupted.weights);
  });
});

Deno.test("tensor count stays constant from epoch to epoch", async () => {
  await withTempDir(async (dir) => {
    const model = tinyModel(1);
    const optimizer = createOptimizer({ name: "sgd", lr: 0.01, momentum: 0.9 });
    const counts: number[] = [];
    const trainer = quietTrainer(model, optimizer, {
      epochs: 4,
      onEpochEnd: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    await trainer.fit(quadrantData(64, 1), quadrantData(20, 2), new CheckpointStore(`${dir}/c`));
    assert.equal(new Set(counts.slice(1)).size, 1, `tensor counts ${counts}`);
    model.dispose();
    optimizer.dispose();
  });
});

Deno.test("a step that throws leaves no batch tensors behind", async () => {
  await withTempDir(async (dir) => {
    const model = tinyModel(1);
    const optimizer = createOptimizer({ name: "sgd", lr: 0.01 });
    let updates = 0;
    const apply = optimizer.applyGradients.bind(optimizer);
    optimizer.applyGradients = (gradients) => {
      if (++updates === 3) throw new Error("kernel failed");
      apply(gradients);
    };
    const before = tf.memory().numTensors;
    const trainer = quietTrainer(model, optimizer);
    await assert.rejects(
      trainer.fit(quadrantData(64, 1), quadrantData(20, 2), new CheckpointStore(`${dir}/c`)),
      /kernel failed/,
    );
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
    optimizer.dispose();
  });
});

Deno.test("early stopping stops after its patience and says why", async () => {
  await withTempDir(async (dir) => {
    // Without BatchNorm, whose moving averages would keep changing the validation loss.
    const model = tinyModel(1, { batchNorm: false });
    const lines: string[] = [];
    const trainer = quietTrainer(model, createOptimizer({ name: "sgd", lr: 0 }), {
      epochs: 10,
      log: (line) => lines.push(line),
      callbacks: [new EarlyStopping({ monitor: "val_loss", patience: 2 })],
    });
    const result = await trainer.fit(
      quadrantData(32, 1),
      quadrantData(16, 2),
      new CheckpointStore(`${dir}/c`),
    );
    // With lr 0 nothing changes, so the first epoch stays best and training stops at epoch 3.
    assert.equal(result.history.length, 3);
    assert.match(result.stopReason ?? "", /EarlyStopping: val_loss did not improve for 2 epochs/);
    model.dispose();
  });
});

Deno.test("a NaN loss stops the run naming the epoch and step", async () => {
  await withTempDir(async (dir) => {
    const model = tinyModel(1);
    const data = quadrantData(32, 1);
    const poisoned: Batcher = {
      ...data,
      images: (indices, training, random) => data.images(indices, training, random).mul(NaN),
    };
    const trainer = quietTrainer(model, createOptimizer({ name: "sgd", lr: 0.1 }));
    await assert.rejects(
      () => trainer.fit(poisoned, undefined, new CheckpointStore(`${dir}/c`)),
      /loss became NaN at epoch 1, step 1\/2/,
    );
    model.dispose();
  });
});

Deno.test("Adam restored from its weights and saved scalars continues with the same β powers, bit for bit", async () => {
  await tf.setBackend("cpu");
  const weight = tf.variable(tf.tensor1d([0.5, -0.25]), true, "adam-test-w");
  const optimizer = createOptimizer({ name: "adam", lr: 1e-3 });
  let differed = 0;
  for (let step = 1; step <= 30; step++) {
    optimizer.applyGradients({ [weight.name]: tf.tensor1d([0.1 * step, -0.2]) });
    const saved = await optimizer.getWeights();
    const resumed = createOptimizer({ name: "adam", lr: 1e-3 });
    await resumed.setWeights(saved.map(({ name, tensor }) => ({ name, tensor: tensor.clone() })));
    // tfjs alone recomputes the powers as pow(β, t + 1): not always the product it kept.
    const recomputed = optimizerScalars(resumed);
    const kept = optimizerScalars(optimizer);
    if (recomputed.accBeta1 !== kept.accBeta1 || recomputed.accBeta2 !== kept.accBeta2) differed++;
    restoreOptimizerScalars(resumed, kept);
    assert.deepEqual(optimizerScalars(resumed), kept, `after step ${step}`);
    resumed.dispose();
  }
  assert.ok(differed > 0, "pow(β, t + 1) matched the running product at every step");
  optimizer.dispose();
  weight.dispose();
});

Deno.test("a caller's callback gets every hook in order, and its state survives a resume", async () => {
  await withTempDir(async (dir) => {
    /** Records its hooks and counts steps; the count is its resume state. */
    class Recorder implements Callback {
      readonly name = "Recorder";
      readonly calls: string[] = [];
      steps = 0;
      onEpochBegin(epoch: number) {
        this.calls.push(`epoch ${epoch}`);
      }
      onBatchBegin(step: number) {
        this.calls.push(`begin ${step}`);
      }
      onBatchEnd(step: number, logs: BatchLogs) {
        assert.ok(Number.isFinite(logs.loss));
        this.steps++;
        this.calls.push(`end ${step}`);
      }
      onBatchesEnd() {
        this.calls.push("batches end");
      }
      onEpochEnd(logs: EpochLogs) {
        this.calls.push(`epoch end ${logs.epoch}`);
      }
      onTrainEnd() {
        this.calls.push("train end");
      }
      state() {
        return { steps: this.steps };
      }
      restore(state: unknown) {
        this.steps = (state as { steps: number }).steps;
      }
    }
    const fit = async (epochs: number, resume: boolean) => {
      const recorder = new Recorder();
      const model = tinyModel(1);
      const optimizer = createOptimizer({ name: "sgd", lr: 0.01 });
      const store = new CheckpointStore<TrainingState>(`${dir}/c`);
      await quietTrainer(model, optimizer, { epochs, callbacks: [recorder] }).fit(
        quadrantData(32, 1),
        quadrantData(16, 2),
        store,
        resume ? await store.read() : undefined,
      );
      model.dispose();
      optimizer.dispose();
      return { recorder, saved: (await store.read())!.training.callbacks.Recorder };
    };
    const first = await fit(1, false);
    assert.deepEqual(first.recorder.calls, [
      "epoch 0",
      "begin 0",
      "end 1",
      "begin 1",
      "end 2",
      "batches end",
      "epoch end 0",
      "train end",
    ]);
    assert.deepEqual(first.saved, { steps: 2 });
    const resumed = await fit(2, true);
    assert.equal(resumed.recorder.calls[0], "epoch 1");
    assert.equal(resumed.recorder.steps, 4);
    assert.deepEqual(resumed.saved, { steps: 4 });
  });
});

Deno.test("at an epoch's end a passed time limit is asked before a signal that came with it", async () => {
  await withTempDir(async (dir) => {
    let signalled = false;
    const model = tinyModel(1);
    const optimizer = createOptimizer({ name: "sgd", lr: 0.01 });
    const result = await quietTrainer(model, optimizer, {
      epochs: 2,
      deadline: Date.now() - 1,
      interrupt: { signal: () => signalled ? "SIGTERM" : undefined },
      callbacks: [{ name: "Signaller", onEpochEnd: () => void (signalled = true) }],
    }).fit(quadrantData(32, 1), quadrantData(16, 2), new CheckpointStore(`${dir}/c`));
    assert.equal(result.interrupted, undefined);
    assert.equal(result.timeLimitReached, "time limit reached after epoch 1 of 2");
    assert.equal(result.history.length, 1);
    model.dispose();
    optimizer.dispose();
  });
});

Deno.test("a signal mid-epoch stops the fit before the next step, not at the epoch's end", async () => {
  // In a process of its own: a signal to this one would reach every test's listener. The fit
  // signals itself after its second step of fifty.
  const script = `
    import * as tf from "@tensorflow/tfjs";
    import { listenForInterrupt } from "./lib/train/interrupt.ts";
    import { CheckpointStore } from "./lib/train/checkpoint.ts";
    import { Trainer } from "./lib/train/trainer.ts";
    import { createOptimizer } from "./lib/train/optimizers.ts";
    await tf.setBackend("cpu");
    const labels = Int32Array.from({ length: 200 }, (_, i) => i % 2);
    const images = (indices) =>
      tf.tidy(() => tf.stack(Array.from(indices, (i) => tf.fill([4, 4, 1], labels[i]))));
    const model = tf.sequential({ layers: [
      tf.layers.flatten({ inputShape: [4, 4, 1] }),
      tf.layers.dense({ units: 2, activation: "softmax" }),
    ] });
    const interrupt = listenForInterrupt(() => {});
    const result = await new Trainer(model, createOptimizer({ name: "sgd", lr: 0.01 }), {
      epochs: 1, batchSize: 4, seed: 1, progress: "quiet", log: () => {}, interrupt,
      callbacks: [{
        name: "SelfSignal",
        onBatchEnd: (step) => {
          if (step !== 2) return;
          Deno.kill(Deno.pid, "SIGINT");
          // As long as a real step takes, without giving the event loop a turn.
          for (const end = performance.now() + 80; performance.now() < end;);
        },
      }],
    }).fit({ count: 200, labels, images }, undefined,
      new CheckpointStore(Deno.makeTempDirSync() + "/c"));
    interrupt.stop();
    console.log(JSON.stringify({ interrupted: result.interrupted ?? null }));`;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=js", script],
    cwd: new URL("..", import.meta.url).pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(output.stdout);
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.match(said, /"interrupted":"SIGINT in epoch 1 of 1 at step [23]\/50"/);
});
