/**
 * Experiments on Slurm: the batch scripts (no Slurm needed), `--status` from the folders alone,
 * and a real one-node cluster on localhost (munged, slurmctld and slurmd started from a
 * slurm.conf of our own) that runs a tiny experiment's job array and its report job.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { adeboFer3 } from "../experiments/adebo_fer3.ts";
import { mobileFer3 } from "../experiments/mobile_fer3.ts";
import {
  experimentStatus,
  formatStatus,
  loadExperiment,
  runExperiment,
  submitToSlurm,
} from "../experiments/mod.ts";
import { arrayRanges, shellWords } from "../experiments/slurm.ts";
import { runLogPath } from "../experiments/status.ts";
import { lockRunFolder } from "../lib/train/run_lock.ts";
import { withTempDir, writeTinyFer2013 } from "./helpers.ts";

const PROJECT = new URL("..", import.meta.url).pathname;

/**
 * An experiment module (what `fer experiment <module.ts>` loads) with four tiny runs: two
 * independent ones (the second of 6 epochs, time to stop it), one that initialises from the first,
 * and one whose dataset does not exist.
 */
async function writeTinyExperiment(dir: string): Promise<string> {
  const csv = await writeTinyFer2013(join(dir, "tiny.csv"), {
    count: 140,
    training: 84,
    publicTest: 28,
    seed: 5,
  });
  const parts = new URL("../experiments/parts.ts", import.meta.url).href;
  const path = join(dir, "tiny_experiment.ts");
  await Deno.writeTextFile(
    path,
    `import { fer2013Official, fixed, fixedEpochs, limited, runConfig } from "${parts}";
const run = (key, dataset = ${JSON.stringify(csv)}, epochs = 1) => ({
  key,
  config: runConfig({
    name: "tiny/" + key,
    model: "chen-ckplus",
    data: limited({ ...fer2013Official, dataset }, 60),
    optimizer: { name: "adam", lr: 1e-3 },
    schedule: fixedEpochs(epochs, 16),
  }),
});
export const experiment = {
  name: "tiny",
  title: "A tiny experiment",
  paper: "none",
  budgets: { quick: "1 epoch", paper: "1 epoch" },
  runs: () => [
    run("first"),
    run("second", undefined, 6),
    { ...run("finetune"), initFromRun: "first" },
    run("broken", ${JSON.stringify(join(dir, "missing.csv"))}),
  ],
  report: (outcomes) =>
    outcomes.map((o) => o.run.key + " " + fixed(o.result.metrics.accuracy)).join("; "),
};
`,
  );
  return path;
}

Deno.test("--dry-run prints adebo-fer3's nine runs as one array and the dependent report job", async () => {
  const lines: string[] = [];
  const result = await submitToSlurm(adeboFer3, {
    budget: "paper",
    progress: "quiet",
    reproductionDoc: "docs/REPRODUCTION.md",
    root: "no/such/folder",
    print: (line) => lines.push(line),
  }, { experimentArg: "adebo-fer3", dryRun: true, sbatch: `--gres=gpu:1 -p "long queue"` });
  assert.equal(result, undefined);
  const text = lines.join("\n");
  assert.match(
    text,
    /^sbatch --parsable --array=0-8 --gres=gpu:1 -p 'long queue' \S+\/no\/such\/folder\/adebo-fer3-paper\/slurm\/runs\.sh$/m,
  );
  assert.match(
    text,
    /^sbatch --parsable '--dependency=afterany:<job id of array 1>' .*report\.sh$/m,
  );
  const keys = adeboFer3.runs("paper").map((run) => run.key);
  assert.equal(keys.length, 9);
  assert.ok(text.includes(`runs=(${keys.join(" ")})`));
  assert.ok(text.includes(`${Deno.execPath()} run -A ${PROJECT}cli/main.ts experiment adebo-fer3`));
  assert.match(text, /--budget paper --out no\/such\/folder --quiet --only "\$key"/);
  assert.match(text, /--report-only --doc docs\/REPRODUCTION\.md$/m);
  // A dry run writes nothing.
  assert.ok(!(await Deno.stat("no").catch(() => undefined)));
});

Deno.test("a run that initialises from another goes into a second array that waits for its task", async () => {
  const lines: string[] = [];
  await submitToSlurm(mobileFer3, {
    budget: "paper",
    progress: "quiet",
    timeLimitMinutes: 90,
    checkpointEverySteps: 200,
    backend: "onednn",
    precision: "bf16",
    print: (line) => lines.push(line),
  }, { experimentArg: "mobile-fer3", dryRun: true });
  const keys = mobileFer3.runs("paper").map((run) => run.key);
  const finetune = keys.indexOf("finetune-mobilenetv2");
  const pretrain = keys.indexOf("pretrain-mobilenetv2-fer7");
  const text = lines.join("\n");
  // The settings that change what runs reach every task.
  assert.match(text, /experiment mobile-fer3 --budget paper --backend onednn --precision bf16 /);
  assert.match(
    text,
    new RegExp(
      `^sbatch --parsable --array=${finetune} '--dependency=afterany:<job id of array 1>_${pretrain}'`,
      "m",
    ),
  );
  const first = keys.map((_, i) => i).filter((i) => i !== finetune);
  assert.match(text, new RegExp(`--array=${arrayRanges(first)} `));
  assert.match(text, /afterany:<job id of array 1>:<job id of array 2>'/);
  // Each task stops in time and checkpoints as the command said.
  assert.match(text, /--time-limit 90 --checkpoint-every 200 --quiet --only/);
});

Deno.test("sbatch options are split as a shell would; fer's own are refused", async () => {
  assert.deepEqual(shellWords(` --gres=gpu:1  -p 'a b' --comment="say \\"hi\\"" x\\ y `), [
    "--gres=gpu:1",
    "-p",
    "a b",
    '--comment=say "hi"',
    "x y",
  ]);
  assert.throws(() => shellWords("-p 'open"), /--sbatch '-p 'open': a ' quote is not closed/);
  assert.equal(arrayRanges([0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
  await assert.rejects(
    submitToSlurm(adeboFer3, { budget: "paper", progress: "quiet" }, {
      experimentArg: "adebo-fer3",
      dryRun: true,
      sbatch: "--array=1-3",
    }),
    /--sbatch may not set --array=1-3/,
  );
  // The folder every node writes its run to is checked before anything is submitted.
  await withTempDir(async (dir) => {
    const file = join(dir, "file");
    await Deno.writeTextFile(file, "");
    await assert.rejects(
      submitToSlurm(adeboFer3, { budget: "paper", progress: "quiet", root: file }, {
        experimentArg: "adebo-fer3",
      }),
      /--out .*\/file: cannot write .*\/file\/adebo-fer3-paper \(.*\); every task writes its run there, so it must be a writable folder on storage that all nodes see \(nothing was submitted\)/,
    );
  });
});

Deno.test("--status reads finished, failed, running and not started runs from the folders", async () => {
  await withTempDir(async (dir) => {
    const experiment = await loadExperiment(await writeTinyExperiment(dir));
    const options = {
      budget: "quick" as const,
      backend: "wasm" as const,
      root: join(dir, "runs"),
      progress: "quiet" as const,
      print: () => {},
    };
    await runExperiment(experiment, { ...options, only: "first" });
    const expDir = join(dir, "runs", "tiny-quick");
    // A Slurm task that failed, and one under way in a run folder with one epoch of two done.
    await Deno.mkdir(join(expDir, "slurm"));
    await Deno.writeTextFile(
      runLogPath(expDir, "broken"),
      "== fer: broken started on node1\nLoading...\nerror: no such file\n" +
        "== fer: broken exited with status 1 at 2026-01-01T00:00:00Z\n",
    );
    await Deno.mkdir(join(expDir, "second"));
    await Deno.copyFile(
      join(expDir, "first", "config.json"),
      join(expDir, "second", "config.json"),
    );
    await Deno.writeTextFile(
      join(expDir, "second", "history.csv"),
      "epoch,loss,accuracy,val_loss,val_accuracy,lr,seconds\n1,1.9,0.2,1.9,0.3125,0.001,2.00\n",
    );
    // Under way: a live process holds its folder.
    const release = await lockRunFolder(
      join(expDir, "second"),
      "fer experiment tiny --only second",
    );
    const statuses = await experimentStatus(experiment, options);
    release();
    assert.deepEqual(statuses.map((s) => s.state), [
      "finished",
      "running",
      "not started",
      "failed",
    ]);
    // The same folder with no process holding it was interrupted or killed.
    const [, left] = await experimentStatus(experiment, options);
    assert.equal(left.state, "stopped");
    assert.match(left.detail, /epoch 1 of 1 done.*no process holds it/);
    const text = formatStatus(experiment, options, statuses);
    assert.match(text, /1 finished, 1 running, 1 not started, 1 failed/);
    assert.match(text, /first +finished +test accuracy 0\.\d{4} \(test, no TTA\)/);
    assert.match(text, /second +running +epoch 1 of 1 done, last validation accuracy 0\.3125/);
    assert.match(
      text,
      /broken +failed +exited with status 1 .*\n +\| Loading\.\.\.\n +\| error: no such file/,
    );
    // --only trains nothing else, writes no section, and refuses a key it does not have.
    assert.ok(!(await Deno.stat(join(expDir, "report.md")).catch(() => undefined)));
    await assert.rejects(
      runExperiment(experiment, { ...options, only: "third" }),
      /unknown run 'third'. Valid choices: first, second, finetune, broken/,
    );
  });
});

/** The path of program `name` on the PATH or in /usr/sbin (daemons), or undefined. */
function findProgram(name: string): string | undefined {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), "/usr/sbin", "/sbin"];
  return dirs.map((d) => join(d, name)).find((path) => {
    try {
      return Deno.statSync(path).isFile;
    } catch {
      return false;
    }
  });
}

/** A TCP port nothing listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** Polls `check` every 100 ms until it returns true; fails with `what` after `seconds`. */
async function waitFor(what: string, seconds: number, check: () => Promise<boolean>) {
  const until = Date.now() + seconds * 1000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The daemons of a one-node cluster on this machine, configured and stopped by `dir`. */
class LocalSlurm {
  readonly env: Record<string, string>;
  private readonly daemons: Deno.ChildProcess[] = [];

  constructor(readonly dir: string) {
    this.env = { SLURM_CONF: join(dir, "slurm.conf") };
  }

  async start() {
    const { dir } = this;
    for (const sub of ["munge", "state", "spool"]) {
      await Deno.mkdir(join(dir, sub), { mode: 0o700 });
    }
    await Deno.chmod(join(dir, "munge"), 0o711); // clients reach the socket inside
    const key = join(dir, "munge", "munge.key");
    await Deno.writeFile(key, crypto.getRandomValues(new Uint8Array(1024)), { mode: 0o400 });
    const socket = join(dir, "munge", "socket");
    const host = new TextDecoder().decode(
      (await new Deno.Command("hostname", { args: ["-s"], stdout: "piped" }).output()).stdout,
    ).trim();
    await Deno.writeTextFile(
      this.env.SLURM_CONF,
      [
        "ClusterName=fertest",
        `SlurmctldHost=${host}`,
        `SlurmctldPort=${freePort()}`,
        `SlurmdPort=${freePort()}`,
        "SlurmUser=root",
        "SlurmdUser=root",
        "AuthType=auth/munge",
        "CredType=cred/munge",
        `AuthInfo=socket=${socket}`,
        `StateSaveLocation=${join(dir, "state")}`,
        `SlurmdSpoolDir=${join(dir, "spool")}`,
        `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
        `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
        `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
        `SlurmdLogFile=${join(dir, "slurmd.log")}`,
        // No cgroups in a container: track processes by their parents, bind nothing.
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "SelectTypeParameters=CR_CPU",
        "MpiDefault=none",
        "ReturnToService=2",
        "JobAcctGatherType=jobacct_gather/none",
        "AccountingStorageType=accounting_storage/none",
        `NodeName=${host} CPUs=2 State=UNKNOWN`,
        `PartitionName=test Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
        "",
      ].join("\n"),
    );
    // Each daemon in a session of its own (setsid execs it in place, so its pid stays the one
    // stopped below): a signal one sends to its process group cannot reach this test process,
    // where other modules train with SIGINT/SIGTERM listeners.
    const daemon = (command: string, args: string[]) => {
      const child = new Deno.Command("setsid", {
        args: [findProgram(command)!, ...args],
        env: this.env,
        stdout: "null",
        stderr: "null",
      }).spawn();
      this.daemons.push(child);
    };
    daemon("munged", [
      "--foreground",
      "--force",
      `--key-file=${key}`,
      `--socket=${socket}`,
      `--pid-file=${join(dir, "munge", "munged.pid")}`,
      `--seed-file=${join(dir, "munge", "seed")}`,
      `--log-file=${join(dir, "munge", "munged.log")}`,
    ]);
    await waitFor("munged's socket", 10, () => Deno.stat(socket).then(() => true, () => false));
    daemon("slurmctld", ["-D", "-f", this.env.SLURM_CONF]);
    daemon("slurmd", ["-D", "-f", this.env.SLURM_CONF]);
    await waitFor(
      "the node to be idle",
      20,
      async () => (await this.run("sinfo", ["-h", "-o", "%t"])).trim() === "idle",
    );
  }

  /** A Slurm client command's stdout ("" when it fails, e.g. before slurmctld listens). */
  async run(command: string, args: string[]): Promise<string> {
    const output = await new Deno.Command(findProgram(command)!, {
      args,
      env: this.env,
      stdout: "piped",
      stderr: "null",
    }).output();
    return output.success ? new TextDecoder().decode(output.stdout) : "";
  }

  /** Stops the daemons by pid, newest first, and waits for each to exit. */
  async stop() {
    for (const child of this.daemons.reverse()) {
      try {
        child.kill("SIGTERM");
      } catch {
        // already exited
      }
      await child.status;
    }
  }
}

/** `fer experiment ...` as a subprocess on the cluster; its output, and the exit status checked. */
async function fer(slurm: LocalSlurm, args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(PROJECT, "cli/main.ts"), "experiment", ...args],
    env: slurm.env,
    cwd: slurm.dir,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assert.ok(output.success, text);
  return text;
}

Deno.test("a tiny experiment runs as a job array on a one-node Slurm cluster, then its report job", async () => {
  const missing = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo"]
    .find((name) => !findProgram(name));
  if (missing) {
    console.log(
      `skipped: ${missing} is not installed (Debian: slurm-wlm and munge; .ci/run installs them)`,
    );
    return;
  }
  if (Deno.uid() !== 0) {
    console.log("skipped: the local Slurm cluster needs root (slurmd starts jobs as their user)");
    return;
  }
  await withTempDir(async (dir) => {
    const module = await writeTinyExperiment(dir);
    const slurm = new LocalSlurm(dir);
    try {
      await slurm.start();
      const common = [module, "--budget", "quick", "--backend", "wasm", "--out", "runs"];
      const submitted = await fer(slurm, [...common, "--doc", "REPRODUCTION.md", "--slurm"]);
      assert.match(
        submitted,
        /Submitted job array \d+: 3 runs of tiny \(quick budget\) \(tasks 0-1,3: first, second, broken\)/,
      );
      assert.match(
        submitted,
        /Submitted job array \d+: 1 run of tiny .*after the run it initialises from \(tasks 2: finetune\)/,
      );
      assert.match(submitted, /Submitted job \d+: writes the section once every run has ended/);
      assert.match(submitted, /Logs: .*runs\/tiny-quick\/slurm\/<run>\.log per run/);
      // Submitting while they are queued would train the same runs twice.
      await assert.rejects(fer(slurm, [...common, "--slurm"]), /still queued or running/);
      // Cancelled after its first epoch, as a time limit or preemption would stop it.
      const runs = join(dir, "runs", "tiny-quick");
      const epochsDone = async (key: string) =>
        (await Deno.readTextFile(join(runs, key, "history.csv")).catch(() => "")).trim()
          .split("\n").length - 1;
      await waitFor("second's first epoch", 60, async () => await epochsDone("second") >= 1);
      const array = submitted.match(/Submitted job array (\d+): 3 runs/)![1];
      await slurm.run("scancel", [`${array}_1`]);
      const allEnded = async () => (await slurm.run("squeue", ["-h"])).trim() === "";
      await waitFor("the jobs to end", 90, allEnded);

      for (const key of ["first", "finetune"]) await Deno.stat(join(runs, key, "metrics.json"));
      const finetune = JSON.parse(await Deno.readTextFile(join(runs, "finetune", "config.json")));
      assert.equal(finetune.initFrom, "runs/tiny-quick/first");
      const status = await fer(slurm, [...common, "--status"]);
      assert.match(status, /2 finished, 1 stopped, 1 failed/);
      assert.match(status, /first +finished +test accuracy 0\.\d{4} \(test, no TTA\)/);
      assert.match(
        status,
        /second +stopped +epoch \d+ of 6 done, last validation accuracy [01]\.\d{4}; stopped by SIGTERM/,
      );
      assert.match(
        status,
        /broken +failed +exited with status 1 at .*\n(.*\n)* +\| error: .*missing\.csv: no such file/,
      );
      let doc = await Deno.readTextFile(join(dir, "REPRODUCTION.md"));
      assert.match(doc, /## tiny \(quick budget\)/);
      assert.match(doc, /not trained yet: second, broken/);
      assert.match(doc, /first [01]\.\d{4}; finetune [01]\.\d{4}/);

      // Submitting again requeues only the runs that have not finished; the stopped one resumes.
      const stoppedAt = await epochsDone("second");
      const again = await fer(slurm, [...common, "--doc", "REPRODUCTION.md", "--slurm"]);
      assert.match(
        again,
        /Submitted job array \d+: 2 runs of tiny \(quick budget\) \(tasks 1,3: second, broken\)/,
      );
      await waitFor("the jobs to end", 60, allEnded);
      const resumed = (await Deno.readTextFile(join(runs, "slurm", "second.log")))
        .match(/Resuming at epoch (\d+)/);
      assert.ok(resumed && Number(resumed[1]) >= stoppedAt, `resumed at ${resumed?.[1]}`);
      assert.equal(await epochsDone("second"), 6);
      doc = await Deno.readTextFile(join(dir, "REPRODUCTION.md"));
      assert.match(doc, /not trained yet: broken\./);
      assert.match(doc, /first [01]\.\d{4}; second [01]\.\d{4}; finetune [01]\.\d{4}/);
      const log = await Deno.readTextFile(join(runs, "slurm", "broken.log"));
      assert.equal(log.match(/== fer: broken exited with status 1/g)?.length, 2);
      assert.equal(
        (await Deno.readTextFile(join(runs, "first", "commands.txt"))).trim().split("\n").length,
        1,
      );
    } finally {
      await slurm.stop();
    }
  });
});
