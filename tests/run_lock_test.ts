/**
 * One writer per run folder (lib/train/run_lock.ts): a second writer is refused at once and the
 * folder stays intact; a stale lock is taken over by exactly one of several processes; a finished
 * run is not resumed. Also the bad inputs of issue 28: --config typos, negative numbers after an
 * option, `fer help <command>`, predict --out over an existing file.
 */
import assert from "node:assert/strict";
import { Image } from "imagescript";
import { main } from "../cli/main.ts";
import { LOCK_FILE, lockRunFolder } from "../lib/train/run_lock.ts";
import { captureConsole, withTempDir, writeSmallLiuConfig, writeTinyFer2013 } from "./helpers.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const decoder = new TextDecoder();

/** A Deno subprocess running `code` (a module body) with the repository as its folder. */
function denoEval(code: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** This machine's name as a regular expression. */
const HOST = Deno.hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const until = async (ready: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 3000; i++) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

Deno.test("a run folder's lock refuses another process, is shared within one, and is released", async () => {
  await withTempDir(async (dir) => {
    const release = await lockRunFolder(dir, "test holder");
    const holder = JSON.parse(await Deno.readTextFile(`${dir}/${LOCK_FILE}`));
    assert.equal(holder.pid, Deno.pid);
    assert.equal(holder.command, "test holder");

    const other = await denoEval(
      `import { lockRunFolder } from "./lib/train/run_lock.ts";
       try { await lockRunFolder(${JSON.stringify(dir)}); console.log("TOOK IT"); }
       catch (error) { console.log(error.message); }`,
    ).output();
    const said = decoder.decode(other.stdout);
    assert.match(
      said,
      new RegExp(`is in use by process ${Deno.pid} on ${HOST} \\(test holder, since `),
    );

    const again = await lockRunFolder(dir); // the same process: shared, not refused
    again();
    assert.ok(await Deno.stat(`${dir}/${LOCK_FILE}`), "released only by the last holder");
    release();
    await assert.rejects(Deno.stat(`${dir}/${LOCK_FILE}`), Deno.errors.NotFound);
  });
});

Deno.test("a stale lock (dead pid, or a pid now running another process) is taken over by exactly one", async () => {
  await withTempDir(async (dir) => {
    const exited = new Deno.Command(Deno.execPath(), { args: ["--version"], stdout: "null" })
      .spawn();
    await exited.status;
    const stale = (pid: number, start: string | null) =>
      Deno.writeTextFile(
        `${dir}/${LOCK_FILE}`,
        JSON.stringify({ pid, start, command: "killed", since: "then" }),
      );
    await stale(exited.pid, "1");
    (await lockRunFolder(dir))();
    // Our own pid, but started at another time: the pid was reused, the holder is gone.
    await stale(Deno.pid, "1");
    (await lockRunFolder(dir))();
    // A holder on another machine (a cluster node sharing the folder) cannot be looked up from
    // here: it is never taken over, and the refusal names its machine.
    await Deno.writeTextFile(
      `${dir}/${LOCK_FILE}`,
      JSON.stringify({ pid: exited.pid, host: "node-7", start: "1", command: "slurm task" }),
    );
    await assert.rejects(lockRunFolder(dir), /in use by process \d+ on node-7 \(slurm task/);

    // Four processes find the same stale lock at once: one takes it, three are refused.
    await stale(exited.pid, "1");
    const contenders = Array.from({ length: 4 }, () =>
      denoEval(
        `import { lockRunFolder } from "./lib/train/run_lock.ts";
         try {
           await lockRunFolder(${JSON.stringify(dir)});
           console.log("HELD");
           await new Promise((resolve) => setTimeout(resolve, 3000));
         } catch (error) { console.log(error.message); }`,
      ));
    const said = await Promise.all(
      contenders.map(async (c) => decoder.decode((await c.output()).stdout)),
    );
    assert.equal(said.filter((s) => s.includes("HELD")).length, 1, said.join("\n"));
    assert.equal(said.filter((s) => /is in use by process \d+/.test(s)).length, 3, said.join("\n"));
  });
});

Deno.test("two writers of one run folder: the second is refused at once, the folder stays intact; --resume of the finished run changes nothing", async () => {
  await withTempDir(async (dir) => {
    const csv = await writeTinyFer2013(`${dir}/fer2013.csv`, {
      count: 140,
      training: 70,
      publicTest: 35,
      seed: 5,
    });
    const config = await writeSmallLiuConfig(dir);
    const run = `${dir}/run`;
    const args = (...extra: string[]) => [
      "train",
      "--config",
      config,
      "--data",
      csv,
      ...["--epochs", "1", "--batch-size", "16", "--backend", "wasm", "--quiet", "--no-report"],
      ...extra,
    ];
    const first = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "cli/main.ts", ...args("--out", run)],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await until(() => Deno.stat(`${run}/${LOCK_FILE}`).then(() => true, () => false), "the lock");

    const second = await captureConsole(() => main(args("--out", run)));
    assert.equal(second.code, 1, second.out);
    assert.match(
      second.err,
      new RegExp(
        `${run} is in use by process ${first.pid} on ${HOST} \\(deno task fer train --config`,
      ),
    );
    const resumed = await captureConsole(() => main(["train", "--resume", run, "--quiet"]));
    assert.equal(resumed.code, 1);
    assert.match(resumed.err, new RegExp(`in use by process ${first.pid}`));

    const firstDone = await first.output();
    assert.equal(firstDone.code, 0, decoder.decode(firstDone.stderr));
    assert.equal((await Deno.readTextFile(`${run}/commands.txt`)).trim().split("\n").length, 1);
    await assert.rejects(Deno.stat(`${run}/${LOCK_FILE}`), Deno.errors.NotFound);

    // Finished: --resume says so and writes nothing (no report, no new command, same metrics).
    const before = await Deno.readTextFile(`${run}/metrics.json`);
    const listing = async () =>
      (await Array.fromAsync(Deno.readDir(run))).map((e) => e.name).sort();
    const files = await listing();
    const again = await captureConsole(() => main(["train", "--resume", run, "--quiet"]));
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /is finished \(1 epochs, .*\): nothing to resume, nothing changed/);
    assert.equal(await Deno.readTextFile(`${run}/metrics.json`), before);
    assert.deepEqual(await listing(), files);
    assert.equal((await Deno.readTextFile(`${run}/commands.txt`)).trim().split("\n").length, 1);
  });
});

Deno.test("a --config typo at any depth is refused with the valid keys and a did-you-mean", async () => {
  await withTempDir(async (dir) => {
    const cases: [unknown, RegExp][] = [
      [
        { optimizer: { nmae: "sgd" } },
        /unknown key 'optimizer\.nmae' \(did you mean 'name'\?\); the valid keys of optimizer are name, lr, momentum, weightDecay/,
      ],
      [{ optimiser: { name: "sgd" } }, /unknown key 'optimiser' \(did you mean 'optimizer'\?\)/],
      [
        { schedule: { lr: { kind: "cosine", minlr: 0 } } },
        /'schedule\.lr\.minlr' \(did you mean 'minLr'\?\)/,
      ],
      [
        { schedule: { lr: { kind: "cosin" } } },
        /schedule\.lr\.kind must be one of constant, plateau, step, cosine, got "cosin" \(did you mean 'cosine'\?\)/,
      ],
      [
        { augment: { crop: { type: "random", heigth: 40, width: 40 } } },
        /'augment\.crop\.heigth' \(did you mean 'height'\?\)/,
      ],
    ];
    for (const [config, message] of cases) {
      const path = `${dir}/config.json`;
      await Deno.writeTextFile(path, JSON.stringify(config));
      const result = await captureConsole(() =>
        main(["train", "liu-cnn5", "--config", path, "--out", `${dir}/run`])
      );
      assert.equal(result.code, 2, JSON.stringify(config));
      assert.match(result.err, message);
    }
    await assert.rejects(Deno.stat(`${dir}/run`), Deno.errors.NotFound);
  });
});

Deno.test("a negative number after an option gets the range message; fer help <command> is its help", async () => {
  const spaced = await captureConsole(() => main(["train", "liu-cnn5", "--epochs", "-3"]));
  const joined = await captureConsole(() => main(["train", "liu-cnn5", "--epochs=-3"]));
  assert.equal(spaced.code, 2);
  assert.equal(spaced.err, joined.err);
  assert.match(spaced.err, /--epochs \(schedule\.epochs\) must be an integer ≥ 1, got -3/);
  const lr = await captureConsole(() => main(["train", "liu-cnn5", "--lr", "-.5"]));
  assert.match(lr.err, /--lr \(optimizer\.lr\) must be a number > 0, got -0\.5/);

  const help = await captureConsole(() => main(["help", "train"]));
  assert.equal(help.code, 0);
  assert.match(help.out, /^Train a model/);
  assert.match(help.out, /--limit N +Use at most N images per split \(quick runs; default: all\)/);
  const nested = await captureConsole(() => main(["help", "data", "info"]));
  assert.match(nested.out, /Usage: fer data info/);
});

Deno.test("predict --out refuses to replace an existing file unless --overwrite", async () => {
  await withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/face.png`, await new Image(48, 48).encode());
    await Deno.mkdir(`${dir}/out`);
    await Deno.writeTextFile(`${dir}/out/face.png`, "earlier work");
    const refused = await captureConsole(() =>
      main(["predict", `${dir}/face.png`, "--aligned", "--out", `${dir}/out`])
    );
    assert.equal(refused.code, 1);
    assert.match(refused.err, /--out .*out already holds .*face\.png: pass --overwrite/);
    assert.equal(await Deno.readTextFile(`${dir}/out/face.png`), "earlier work");
    // With --overwrite the check lets it through (here to a model that is not there).
    const allowed = await captureConsole(() =>
      main([
        "predict",
        `${dir}/face.png`,
        "--aligned",
        "--out",
        `${dir}/out`,
        "--overwrite",
        "--model",
        `${dir}/none`,
        "--backend",
        "cpu",
      ])
    );
    assert.doesNotMatch(allowed.err, /already holds/);
    assert.equal(await Deno.readTextFile(`${dir}/out/face.png`), "earlier work");
  });
});
