/**
 * Exact resume: a run killed with SIGKILL at three points (mid-epoch 1, between epochs, mid-epoch
 * 2) and resumed each time, a run stopped by Ctrl-C (SIGINT) in its first epoch, and a run that
 * stopped before its first checkpoint all end with the history.csv and weights of the run that was
 * never interrupted, bit for bit, on wasm and (where Debian's libdnnl2 is installed) on onednn. A
 * small liu-cnn5 (16×16 input: batch norm, dropout, L2 and Adam, all state a resume must restore)
 * on a tiny synthetic FER2013.
 */
import assert from "node:assert/strict";
import { main } from "../cli/main.ts";
import { probeOneDnn } from "../lib/backend/onednn/library.ts";
import { parseHistoryCsv } from "../lib/train/run_folder.ts";
import { withTempDir, writeSmallLiuConfig, writeTinyFer2013 } from "./helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();
const onednn = probeOneDnn(1);
if (!onednn.available) console.log(`onednn resume test skipped: ${onednn.reason}`);

interface Fixture {
  readonly dir: string;
  /** `fer train` arguments for a run in `out` (2 epochs of 8 steps), on `backend`. */
  args(out: string, backend: string, ...extra: string[]): string[];
}

async function fixture(dir: string): Promise<Fixture> {
  const csv = await writeTinyFer2013(`${dir}/fer2013.csv`, {
    count: 210,
    training: 128,
    publicTest: 41,
    seed: 3,
  });
  const config = await writeSmallLiuConfig(dir);
  return {
    dir,
    args: (out, backend, ...extra) => [
      "train",
      "--config",
      config,
      "--data",
      csv,
      "--out",
      out,
      ...["--epochs", "2", "--batch-size", "16", "--backend", backend, "--quiet", "--no-report"],
      ...extra,
    ],
  };
}

function spawnFer(args: string[], output: "null" | "piped" = "null"): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", ...args],
    cwd: ROOT,
    stdout: output,
    stderr: output,
  }).spawn();
}

async function capture(body: () => Promise<number>): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = console.error = (...args: unknown[]) => lines.push(args.join(" "));
  try {
    return { code: await body(), out: lines.join("\n") };
  } finally {
    Object.assign(console, original);
  }
}

const until = async (ready: () => Promise<boolean>, what: string) => {
  for (let i = 0; i < 12_000; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

/** Where the run's last checkpoint stands, as epoch * 100 + step. */
async function checkpointAt(run: string): Promise<number> {
  try {
    const { training } = JSON.parse(await Deno.readTextFile(`${run}/checkpoint/state.json`));
    return training.epoch * 100 + training.step;
  } catch {
    return -1;
  }
}

/** Kills `child` with SIGKILL once `run` has a checkpoint at `at` (epoch * 100 + step) or later. */
async function killAt(child: Deno.ChildProcess, run: string, at: number) {
  await until(async () => (await checkpointAt(run)) >= at, `a checkpoint at ${at} in ${run}`);
  child.kill("SIGKILL");
  await child.status;
  await assert.rejects(Deno.stat(`${run}/model`), Deno.errors.NotFound, "killed before the end");
}

/** `run` ended with the history (but its seconds) and the weights of `reference`, bit for bit. */
async function assertSameTraining(run: string, reference: string) {
  const history = async (dir: string) =>
    parseHistoryCsv(await Deno.readTextFile(`${dir}/history.csv`)).map((h) => ({
      ...h,
      seconds: 0,
    }));
  assert.deepEqual(await history(run), await history(reference));
  const weights = async (dir: string) => {
    const manifest = JSON.parse(await Deno.readTextFile(`${dir}/model/model.json`));
    return await Promise.all(
      manifest.weightsManifest.flatMap((group: { paths: string[] }) => group.paths)
        .map((path: string) => Deno.readFile(`${dir}/model/${path}`)),
    );
  };
  assert.deepEqual(await weights(run), await weights(reference), `weights of ${run}`);
  const accuracy = async (dir: string) =>
    JSON.parse(await Deno.readTextFile(`${dir}/metrics.json`)).accuracy;
  assert.equal(await accuracy(run), await accuracy(reference));
}

/** Trains uninterrupted into `full` while another run is killed at three points and resumed. */
async function killedThriceMatches(f: Fixture, backend: string): Promise<string> {
  const full = `${f.dir}/full-${backend}`;
  const cut = `${f.dir}/cut-${backend}`;
  const uninterrupted = spawnFer(f.args(full, backend, "--checkpoint-every", "2"), "piped")
    .output();
  let child = spawnFer(f.args(cut, backend, "--checkpoint-every", "2"));
  await killAt(child, cut, 2); // epoch 1, mid-epoch
  child = spawnFer(["train", "--resume", cut, "--quiet", "--no-report"]);
  await killAt(child, cut, 100); // between epochs 1 and 2
  child = spawnFer(["train", "--resume", cut, "--quiet", "--no-report"]);
  await killAt(child, cut, 104); // epoch 2, mid-epoch
  // In a process of its own too: oneDNN's thread count is per process, and this one's (set by
  // the probe above, or by another test module) need not be the command's.
  const resumed = await spawnFer(["train", "--resume", cut, "--quiet", "--no-report"], "piped")
    .output();
  const said = decoder.decode(resumed.stdout) + decoder.decode(resumed.stderr);
  assert.equal(resumed.code, 0, said);
  assert.match(said, /Resuming at epoch 2, step [4-7]\/8/);
  const done = await uninterrupted;
  assert.equal(done.code, 0, decoder.decode(done.stderr));
  await assertSameTraining(cut, full);
  return full;
}

Deno.test("wasm: killed at three points, stopped by Ctrl-C in epoch 1, or before its first checkpoint, a resumed run ends bit-identical to the uninterrupted one", async () => {
  await withTempDir(async (dir) => {
    const f = await fixture(dir);
    const full = await killedThriceMatches(f, "wasm");

    // Ctrl-C in the first epoch: the partial epoch is checkpointed and the way on is printed.
    const stopped = `${dir}/sigint`;
    const child = spawnFer(f.args(stopped, "wasm"), "piped");
    await until(
      () =>
        Deno.readTextFile(`${stopped}/train.log`).then((t) => t.includes("Epoch 1/2"), () => false),
      "epoch 1",
    );
    child.kill("SIGINT");
    const interrupted = await child.output();
    const said = decoder.decode(interrupted.stdout) + decoder.decode(interrupted.stderr);
    assert.equal(interrupted.code, 130, said);
    assert.match(
      said,
      new RegExp(
        `stopped at SIGINT in epoch \\d of 2 at step \\d/8, checkpointed: 'deno task train ` +
          `--resume ${stopped}' continues it`,
      ),
    );
    const continued = await capture(() =>
      main(["train", "--resume", stopped, "--quiet", "--no-report"])
    );
    assert.equal(continued.code, 0, continued.out);
    await assertSameTraining(stopped, full);

    // Killed before its first checkpoint (only config.json there): --resume trains from the start.
    const early = `${dir}/early`;
    await Deno.mkdir(early);
    await Deno.copyFile(`${full}/config.json`, `${early}/config.json`);
    const restarted = await capture(() =>
      main(["train", "--resume", early, "--quiet", "--no-report"])
    );
    assert.equal(restarted.code, 0, restarted.out);
    assert.match(restarted.out, /has no checkpoint yet: training it from the start/);
    await assertSameTraining(early, full);
  });
});

Deno.test({
  name:
    "onednn: killed at three points and resumed, a run ends bit-identical to the uninterrupted one",
  ignore: !onednn.available,
  fn: () =>
    withTempDir(async (dir) => void await killedThriceMatches(await fixture(dir), "onednn")),
});

/**
 * A process that listens as a training run does, then runs `more` (module code that may use
 * `listener`): `readUntil` waits for a line of its output, `rest` reads it to its end.
 */
function listeningChild(more = "") {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--ext=ts",
      `import { listenForInterrupt } from "./lib/train/interrupt.ts";
       const listener = listenForInterrupt((line) => console.log(line));
       console.log("listening");
       setTimeout(() => console.log("never stopped"), 60_000);
       ${more}`,
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let said = "";
  return {
    child,
    readUntil: async (text: string) => {
      while (!said.includes(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`the child ended before saying '${text}': ${said}`);
        said += value;
      }
    },
    rest: async () => {
      for (let part = await reader.read(); !part.done; part = await reader.read()) {
        said += part.value;
      }
      return said;
    },
  };
}

Deno.test("a second Ctrl-C exits at once, saying so", async () => {
  const { child, readUntil, rest } = listeningChild();
  await readUntil("listening");
  child.kill("SIGINT");
  await readUntil("SIGINT: checkpointing before the next step, then stopping");
  child.kill("SIGINT");
  await readUntil("SIGINT again: exiting now");
  const said = await rest();
  assert.equal((await child.status).code, 130);
  assert.doesNotMatch(said, /never stopped/);
});

Deno.test("a second SIGTERM (a scheduler's, not a person's) does not cut the checkpoint short", async () => {
  const { child, readUntil, rest } = listeningChild(
    `let terms = 0;
     Deno.addSignalListener("SIGTERM", () => {
       if (++terms < 2) return;
       setTimeout(() => { console.log("still running"); listener.stop(); Deno.exit(0); }, 300);
     });`,
  );
  await readUntil("listening");
  child.kill("SIGTERM");
  await readUntil("SIGTERM: checkpointing before the next step, then stopping");
  child.kill("SIGTERM");
  await readUntil("still running");
  const said = await rest();
  assert.equal((await child.status).code, 0, said);
  assert.doesNotMatch(said, /exiting now/);
});
