import assert from "node:assert/strict";
import { join } from "node:path";
import { FER2013_CLASSES } from "../lib/data/mod.ts";
import { initBackend } from "../lib/backend/mod.ts";
import { evaluationMetrics } from "../lib/metrics/mod.ts";
import { countMacs, createModel, formatMacs, readModelCard } from "../lib/models/mod.ts";
import { historyCsv, parseHistoryCsv } from "../lib/train/mod.ts";
import type { EpochLogs, RunResult } from "../lib/train/mod.ts";
import { EXPERIMENTS, getExperiment, runExperiment } from "../experiments/mod.ts";
import { reproductionSection } from "../experiments/runner.ts";
import { adeboFer3 } from "../experiments/adebo_fer3.ts";
import { chenCkplus } from "../experiments/chen_ckplus.ts";
import { liuFer7 } from "../experiments/liu_fer7.ts";
import { mobileFer3 } from "../experiments/mobile_fer3.ts";
import { mondalFer7 } from "../experiments/mondal_fer7.ts";
import {
  fer2013Official,
  fixed,
  fixedEpochs,
  limited,
  runConfig,
  sgd,
} from "../experiments/parts.ts";
import type { Experiment, ExperimentRun, RunOutcome } from "../experiments/types.ts";
import { withTempDir, writeTinyFer2013 } from "./helpers.ts";

/** A 140-image FER2013-style CSV with an official split (84 / 28 / 28) in `dir`. */
const tinyCsv = (dir: string) =>
  writeTinyFer2013(`${dir}/tiny.csv`, { count: 140, training: 84, publicTest: 28, seed: 5 });

/** One epoch of the small chen-ckplus network on `csv`. */
function tinyRun(key: string, csv: string, extra: Partial<ExperimentRun> = {}): ExperimentRun {
  return {
    key,
    config: runConfig({
      name: `tiny/${key}`,
      model: "chen-ckplus",
      data: limited({ ...fer2013Official, dataset: csv }, 100),
      optimizer: { name: "adam", lr: 1e-3 },
      schedule: fixedEpochs(1, 16),
    }),
    ...extra,
  };
}

const quiet = (dir: string, lines: string[]) => ({
  budget: "quick" as const,
  backend: "wasm" as const,
  root: dir,
  progress: "quiet" as const,
  print: (line: string) => lines.push(line),
});

Deno.test("every experiment declares runs for both budgets with valid models and names", () => {
  for (const experiment of EXPERIMENTS) {
    for (const budget of ["quick", "paper"] as const) {
      const runs = experiment.runs(budget);
      assert.ok(runs.length > 0, experiment.name);
      assert.equal(new Set(runs.map((r) => r.key)).size, runs.length, `${experiment.name} keys`);
      for (const run of runs) assert.ok(run.config.schedule.epochs > 0);
    }
  }
  assert.throws(() => getExperiment("mondal"), /Valid choices: adebo-fer3, mondal-fer7/);
});

Deno.test("an experiment runs, skips finished runs when repeated, and writes its table", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyCsv(dir);
    const tiny: Experiment = {
      name: "tiny",
      title: "A tiny experiment",
      paper: "none",
      budgets: { quick: "1 epoch", paper: "1 epoch" },
      runs: () => [tinyRun("chen", csv)],
      report: (outcomes) => `accuracy ${fixed(outcomes[0].result.metrics?.accuracy)}`,
    };
    const lines: string[] = [];
    const options = { ...quiet(dir, lines), reproductionDoc: `${dir}/REPRODUCTION.md` };
    const first = await runExperiment(tiny, options);
    const accuracy = first[0].result.metrics!.accuracy;
    const again = await runExperiment(tiny, options);
    assert.ok(lines.some((l) => /already finished/.test(l)));
    assert.equal(again[0].result.metrics!.accuracy, accuracy);
    // The data counts travel with the run folder (data.json), so a repeat reports them too.
    const counts = again[0].result.data!;
    assert.equal(counts.loaded, 140);
    assert.deepEqual([counts.splits.train, counts.splits.val, counts.splits.test], [84, 28, 28]);
    assert.deepEqual(counts.used, first[0].result.data!.used);
    const doc = await Deno.readTextFile(`${dir}/REPRODUCTION.md`);
    assert.equal(doc.match(/<!-- experiment:tiny:quick -->/g)?.length, 1);
    assert.match(doc, new RegExp(`accuracy ${accuracy.toFixed(4)}`));
    assert.match(doc, /The quick budget is a small fraction of the paper's compute/);
    assert.match(
      await Deno.readTextFile(`${dir}/tiny-quick/report.md`),
      /## tiny \(quick budget\)/,
    );

    // A changed recipe (a re-sized budget) does not pass the old folder's numbers off as its own.
    const longer = tinyRun("chen", csv);
    const changed: Experiment = {
      ...tiny,
      runs: () => [{ ...longer, config: { ...longer.config, schedule: fixedEpochs(2, 16) } }],
    };
    await assert.rejects(
      runExperiment(changed, options),
      /tiny-quick\/chen was trained with a different config .*\(schedule\.epochs: 1 → 2\); move or delete/,
    );
    await Deno.stat(`${dir}/tiny-quick/chen/metrics.json`);
  });
});

Deno.test("a run initialises from an earlier run's folder; a diverging run is recorded, not fatal", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyCsv(dir);
    const tiny: Experiment = {
      name: "tiny",
      title: "Pretrain, fine-tune, diverge",
      paper: "none",
      budgets: { quick: "1 epoch", paper: "1 epoch" },
      runs: () => [
        tinyRun("pretrain", csv),
        tinyRun("finetune", csv, { initFromRun: "pretrain" }),
        // Plain SGD with a huge step sends the weights, then the loss, to infinity or NaN.
        {
          ...tinyRun("wild", csv, { mayDiverge: true }),
          config: { ...tinyRun("wild", csv).config, optimizer: sgd(1e30) },
        },
      ],
      report: (outcomes, _budget, context) =>
        `finished: ${outcomes.map((o) => o.run.key).join(", ")}; ` +
        `diverged: ${[...context.diverged.keys()].join(", ")}; ` +
        `report at ${context.link("pretrain/report.html")}; figure at ${context.link("curve.svg")}`,
      reportedRuns: () => ["pretrain", "wild"],
      figures: () => Promise.resolve([{ id: "curve", title: "Curve", caption: "", svg: "<svg/>" }]),
    };
    const lines: string[] = [];
    const doc = join(dir, "docs", "REPRODUCTION.md");
    await Deno.mkdir(join(dir, "docs"));
    const outcomes = await runExperiment(tiny, { ...quiet(dir, lines), reproductionDoc: doc });
    assert.deepEqual(outcomes.map((o) => o.run.key), ["pretrain", "finetune"]);

    const runs = join(dir, "tiny-quick");
    const config = JSON.parse(await Deno.readTextFile(join(runs, "finetune", "config.json")));
    assert.equal(config.initFrom, join(runs, "pretrain"));
    const log = await Deno.readTextFile(join(runs, "finetune", "train.log"));
    assert.match(log, /Initialised from .*pretrain: [1-9]\d* weights copied/);
    assert.match(log, /same seed \(0\) and data as .*pretrain.*another --seed/);
    const card = (run: string) => readModelCard(join(runs, run, "model"));
    const source = await card("pretrain");
    assert.deepEqual((await card("finetune")).initialisedFrom, {
      run: join(runs, "pretrain"),
      ...Object.fromEntries(
        [
          "architecture",
          "dataset",
          "command",
          "epochsRun",
          "trainingSeconds",
          "machine",
          "validation",
        ]
          .map((key) => [key, source[key]]),
      ),
    });
    await Deno.stat(join(runs, "pretrain", "report.html"));
    assert.match(
      await Deno.readTextFile(join(runs, "wild", "diverged.txt")),
      /became (NaN|-?Infinity)/,
    );
    assert.match(
      await Deno.readTextFile(join(runs, "report.md")),
      /finished: pretrain, finetune; diverged: wild; report at pretrain\/report\.html/,
    );
    // The same section in another folder links relative to that folder; figures (plots, unlike
    // run folders, fit for the repository) are copied next to the doc.
    assert.match(
      await Deno.readTextFile(doc),
      /report at \.\.\/tiny-quick\/pretrain\/report\.html; figure at reproduction\/tiny-quick\/curve\.svg/,
    );
    assert.equal(
      await Deno.readTextFile(join(dir, "docs", "reproduction", "tiny-quick", "curve.svg")),
      "<svg/>",
    );
    assert.match(await Deno.readTextFile(join(runs, "report.md")), /figure at curve\.svg/);

    // Repeated: nothing trains again, and the diverged run stays diverged.
    lines.length = 0;
    await runExperiment(tiny, quiet(dir, lines));
    assert.equal(lines.filter((l) => /already finished/.test(l)).length, 2);
    assert.ok(lines.some((l) => /diverged earlier/.test(l)));
  });
});

Deno.test("a time limit cuts an experiment short, says so, and the same command continues it", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyCsv(dir);
    const twoEpochs = (key: string): ExperimentRun => {
      const run = tinyRun(key, csv);
      return { ...run, config: { ...run.config, schedule: fixedEpochs(2, 16) } };
    };
    const tiny: Experiment = {
      name: "tiny",
      title: "Two runs",
      paper: "none",
      budgets: { quick: "2 epochs", paper: "2 epochs" },
      runs: () => [twoEpochs("first"), twoEpochs("second")],
      report: (outcomes) =>
        outcomes.map((o) => `${o.run.key}: ${o.result.history.length} epochs`).join("; "),
    };
    const lines: string[] = [];
    // Past before the first epoch ends: "first" trains one epoch, "second" never starts.
    const cut = await runExperiment(tiny, { ...quiet(dir, lines), timeLimitMinutes: 0.000001 });
    assert.deepEqual(cut.map((o) => o.result.history.length), [1]);
    const report = await Deno.readTextFile(join(dir, "tiny-quick", "report.md"));
    assert.match(report, /--time-limit 0\.000001/);
    assert.match(
      report,
      /Incomplete.*: stopped by .* first \(time limit reached after epoch 1 of 2\); not trained yet: second\./,
    );

    // --report-only rewrites the section and trains nothing.
    const same = await runExperiment(tiny, { ...quiet(dir, lines), reportOnly: true });
    assert.deepEqual(same.map((o) => o.result.history.length), [1]);
    assert.ok(lines.some((l) => /--report-only: second not trained/.test(l)));
    // ...and where no run has finished (a mistyped root), refuses, leaving the doc as it was.
    const doc = join(dir, "REPRODUCTION.md");
    await Deno.writeTextFile(doc, "kept\n");
    await assert.rejects(
      runExperiment(tiny, {
        ...quiet(join(dir, "typo"), lines),
        reportOnly: true,
        reproductionDoc: doc,
      }),
      /no run of tiny \(quick budget\) has finished in .*typo\/tiny-quick: nothing to report; .*REPRODUCTION\.md is left as it was/,
    );
    assert.equal(await Deno.readTextFile(doc), "kept\n");

    const done = await runExperiment(tiny, quiet(dir, lines));
    assert.deepEqual(done.map((o) => o.result.history.length), [2, 2]);
    const again = await Deno.readTextFile(join(dir, "tiny-quick", "report.md"));
    assert.doesNotMatch(again, /Incomplete/);
    assert.match(again, /first: 2 epochs; second: 2 epochs/);

    // A limit with room for everything changes nothing.
    const roomy = { ...quiet(join(dir, "roomy"), lines), timeLimitMinutes: 60 };
    assert.deepEqual((await runExperiment(tiny, roomy)).map((o) => o.result.history.length), [
      2,
      2,
    ]);
    // ...and a finished budget's command carries no sitting's time limit.
    const finished = await Deno.readTextFile(join(dir, "roomy", "tiny-quick", "report.md"));
    assert.match(finished, /Reproduce with `deno task experiment tiny --budget quick[^`]*`/);
    assert.doesNotMatch(finished, /--time-limit/);
    // Runs kept elsewhere than runs/experiments are continued only by a command that says where.
    assert.match(finished, new RegExp(`--backend wasm --out ${join(dir, "roomy")}\``));
  });
});

Deno.test("initFromRun must name an earlier run, checked before anything trains", async () => {
  await withTempDir(async (dir) => {
    const csv = await tinyCsv(dir);
    const experiment = (runs: ExperimentRun[]): Experiment => ({
      name: "bad",
      title: "Bad",
      paper: "none",
      budgets: { quick: "", paper: "" },
      runs: () => runs,
      report: () => "",
    });
    const lines: string[] = [];
    await assert.rejects(
      runExperiment(experiment([tinyRun("a", csv, { initFromRun: "nope" })]), quiet(dir, lines)),
      /'a' initialises from 'nope', which is not an earlier run/,
    );
    await assert.rejects(
      runExperiment(
        experiment([tinyRun("a", csv, { initFromRun: "b" }), tinyRun("b", csv)]),
        quiet(dir, lines),
      ),
      /earlier runs: none/,
    );
    assert.equal(lines.filter((l) => /== bad run/.test(l)).length, 0);
  });
});

Deno.test("mobile-fer3: sweep grid per budget, pretraining before fine-tuning", () => {
  const keys = (budget: "quick" | "paper") => mobileFer3.runs(budget).map((r) => r.key);
  const lrs = (budget: "quick" | "paper") =>
    mobileFer3.runs(budget).filter((r) => r.key.startsWith("sweep-")).map((r) =>
      r.config.optimizer.lr
    );
  assert.deepEqual(lrs("paper"), [1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9]);
  assert.deepEqual(lrs("quick"), [1e-1, 1e-3, 1e-5]);
  assert.ok(keys("quick").includes("sweep-mobilenetv2-lr1e-3"));
  // The paper budget adds the cheaper 48×48 variant of its three 224×224 models.
  const variant = mobileFer3.runs("paper").find((r) => r.key === "resnet18-48")!;
  assert.deepEqual(variant.config.model.options?.inputShape, [48, 48, 1]);
  assert.ok(!keys("quick").includes("resnet18-48"));
  assert.match(mobileFer3.budgets.paper, /224×224 \(and at 48×48, the cheaper variant\)/);
  for (const budget of ["quick", "paper"] as const) {
    const runs = mobileFer3.runs(budget);
    const finetune = runs.find((r) => r.key === "finetune-mobilenetv2")!;
    // The sweep and the transfer runs (not the paper's) run at 48×48 in both budgets, so the
    // paper budget's fine-tuning is compared with its 48×48 scratch run.
    const scratchKey = budget === "paper" ? "mobilenetv2-48" : "mobilenetv2";
    const scratch = runs.find((r) => r.key === scratchKey)!;
    assert.ok(keys(budget).indexOf(finetune.initFromRun!) < keys(budget).indexOf(finetune.key));
    assert.deepEqual(finetune.config.schedule, scratch.config.schedule);
    assert.deepEqual(finetune.config.data, scratch.config.data);
    assert.deepEqual(finetune.config.model, scratch.config.model);
    const pretrain = runs.find((r) => r.key === finetune.initFromRun)!;
    assert.equal(pretrain.config.data.classes, undefined, "all 7 classes");
    assert.deepEqual(pretrain.config.model.options?.inputShape, [48, 48, 1]);
    assert.ok(pretrain.keepDataset);
    for (const sweep of runs.filter((r) => r.key.startsWith("sweep-"))) {
      assert.deepEqual(sweep.config.model.options?.inputShape, [48, 48, 1]);
      assert.ok(sweep.mayDiverge);
      assert.equal(sweep.config.schedule.earlyStopping, undefined);
      assert.equal(sweep.config.schedule.lr.kind, "constant");
    }
  }
  assert.match(mobileFer3.budgets.quick, /1e-1, 1e-3, 1e-5 only/);
});

/** A finished run as the report sees it: test and validation metrics from a fixed guess. */
function fakeResult(
  correct: number,
  history: Partial<EpochLogs>[],
  classes: readonly string[],
): RunResult {
  const yTrue = [0, 1, 2, 0, 1, 2, 0, 1, 2, 0].map((c) => c % classes.length);
  const probabilities = yTrue.flatMap((label, i) =>
    classes.map((_, k) => (k === (i < correct ? label : (label + 1) % classes.length) ? 0.8 : 0.1))
  );
  const metrics = (split: string) =>
    evaluationMetrics({ dataset: "fer2013", split, tta: "none", classes, yTrue, probabilities });
  const logs = history.map((h, epoch) => ({
    epoch,
    loss: 1,
    accuracy: 0.5,
    lr: 1e-3,
    seconds: 10,
    ...h,
  }));
  return {
    dir: "unused",
    history: logs,
    fit: { history: logs, bestEpoch: 0, bestValue: 0, monitor: "val_loss" },
    valMetrics: metrics("validation"),
    metrics: metrics("test"),
  };
}

Deno.test("mobile-fer3 report: Table 2 at the run's input size, the sweep with NaN and divergence, transfer, figure", async () => {
  await initBackend("wasm"); // Table 2 builds the models to count their MACs.
  const three = ["happy", "neutral", "sad"];
  const outcomesFor = (budget: "quick" | "paper"): RunOutcome[] =>
    mobileFer3.runs(budget).filter((run) => run.key !== "sweep-mobilenetv2-lr1e-1").map((run) => {
      const history = run.key === "sweep-mobilenetv2-lr1e-3"
        ? [{ val_accuracy: 0.6, val_loss: 0.9 }, { val_accuracy: 0.4, val_loss: NaN }]
        : [{ val_accuracy: 0.5, val_loss: 1.2, seconds: 12 }, { val_accuracy: 0.55, seconds: 14 }];
      const classes = run.key.startsWith("pretrain") ? FER2013_CLASSES : three;
      return {
        run,
        result: fakeResult(run.key === "finetune-mobilenetv2" ? 9 : 7, history, classes),
      };
    });
  const context = {
    link: (path: string) => `LINK/${path}`,
    diverged: new Map([["sweep-mobilenetv2-lr1e-1", "loss became NaN at epoch 1, step 2/5"]]),
  };
  const quick = mobileFer3.report(outcomesFor("quick"), "quick", context);
  const fer = createModel("resnet18", { inputShape: [48, 48, 1], numClasses: 3, init: "zeros" });
  const macs = formatMacs(countMacs(fer.model).total);
  fer.dispose();
  // model, input, MACs, params, s/epoch (mean of 12 and 14), accuracy 0.7 ...
  assert.match(
    quick,
    new RegExp(
      `\\| resnet18 \\| 48×48 \\| ${macs} \\| 11,1\\d\\d,\\d{3} \\| 13\\.0 \\| 16\\.00 \\| 990\\.43G \\| ` +
        `0\\.7000 \\| 0\\.7412 \\|`,
    ),
  );
  assert.match(quick, /\| 1e-1 \| – \| – \| diverged \(loss became NaN at epoch 1, step 2\/5\) \|/);
  assert.match(quick, /\| 1e-3 \| 2 \| 0\.6000 \(epoch 1\) \| NaN \|/);
  assert.match(quick, /\| 1e-5 \| 2 \| 0\.5500 \(epoch 2\) \| – \|/);
  assert.match(
    quick,
    /\| finetune-mobilenetv2 \| pretrain-mobilenetv2-fer7 .*\| 0\.9000 \| .* \| 0\.7882 \|/,
  );
  assert.match(quick, /\| mobilenetv2 \| random \(from scratch\) \| 0\.7000 \| .* \| 0\.7618 \|/);
  // Only the paper budget measures its gap to the paper.
  assert.doesNotMatch(quick, /ours minus the paper's/);
  assert.match(quick, /!\[.*\]\(LINK\/lr-sweep\.svg\)/);
  assert.match(quick, /\[resnet18\/report\.html\]\(LINK\/resnet18\/report\.html\)/);

  // The paper budget counts at 224×224: the larger input costs (224/48)² ≈ 22× the MACs or so.
  const paper = mobileFer3.report(outcomesFor("paper"), "paper", context);
  const row = paper.split("\n").find((line) => line.startsWith("| resnet18 |"))!;
  assert.match(row, /\| 224×224 \| 1\.\d\dG \|/);
  assert.match(paper, /\| mobilenetv2-48 \| random \(from scratch\) \| 0\.7000 \|/);
  assert.match(paper, /Learning-rate sweep: MobileNetV2 at 48×48/);
  const variant = paper.split("\n").find((line) => line.startsWith("| resnet18-48 |"))!;
  assert.match(variant, /\| 13\.0 \| – \| – \| 0\.7000 \| – \|/);
  // 0.7 on fakeResult's 10 test images against 0.7412 on the paper's 1,000.
  const se = Math.hypot(Math.sqrt(0.7 * 0.3 / 10), Math.sqrt(0.7412 * 0.2588 / 1000));
  assert.match(
    paper,
    new RegExp(`resnet18 -4\\.1 points \\(${(0.0412 / se).toFixed(1)} standard errors`),
  );

  const figures = await mobileFer3.figures!(outcomesFor("quick"), "quick");
  assert.deepEqual(figures.map((f) => f.id), ["lr-sweep"]);
  assert.match(figures[0].svg, /^<svg/);
  for (const label of ["1e-3", "1e-5", "Validation accuracy", "Validation loss"]) {
    assert.ok(figures[0].svg.includes(label), label);
  }
});

Deno.test("adebo-fer3 report: its de-duplication and split sizes beside the paper's", () => {
  const runs = adeboFer3.runs("quick");
  const data = {
    loaded: 35887,
    nearDuplicatesDropped: 861,
    splits: { train: 12242, val: 4081, test: 4080 },
    used: { train: 400, val: 400, test: 400 },
  };
  const outcomes = runs.map((run) => ({
    run,
    result: { ...fakeResult(6, [{ val_accuracy: 0.5 }], ["happy", "neutral", "sad"]), data },
  }));
  const report = adeboFer3.report(outcomes, "quick", {
    link: (path) => `LINK/${path}`,
    diverged: new Map(),
  });
  assert.match(report, /\| near-duplicates removed \(similarity ≥ 0\.95\) \| 861 \| 794 \|/);
  assert.match(
    report,
    /\| train \/ val \/ test \| 12,242 \/ 4,081 \/ 4,080 \| 11,020 \/ 3,672 \/ 3,677 \|/,
  );
  assert.match(report, /\| images used per split \(quick budget\) \| 400 \/ 400 \/ 400 \| – \|/);
  // A run folder from before data.json: the report leaves the table out rather than guess.
  const older = outcomes.map(({ run, result }) => ({
    run,
    result: { ...result, data: undefined },
  }));
  assert.doesNotMatch(
    adeboFer3.report(older, "quick", { link: (p) => p, diverged: new Map() }),
    /near-duplicates removed/,
  );
});

Deno.test("adebo-fer3 paper budget: the text's 48×48×3 inputs and schedule; Tables I and II beside the paper's, gaps in standard errors, the shown runs' plots", async () => {
  const runs = adeboFer3.runs("paper");
  const byKey = new Map(runs.map((run) => [run.key, run]));
  assert.deepEqual(byKey.get("resnet50-adam")!.config.model.options, {
    stem: "imagenet",
    inputShape: [48, 48, 3],
  });
  assert.deepEqual(byKey.get("vgg11-sgd")!.config.model.options, { inputShape: [48, 48, 3] });
  const schedule = byKey.get("adebo-selfbuilt-nesterov")!.config.schedule;
  assert.equal(schedule.epochs, 100);
  assert.deepEqual(schedule.lr, { kind: "plateau", monitor: "val_loss", factor: 0.1, patience: 8 });
  assert.deepEqual(schedule.earlyStopping, { monitor: "val_loss", patience: 8, restoreBest: true });
  assert.equal(schedule.checkpointMonitor, "val_accuracy");
  // The quick budget keeps the recipe its measured numbers came from.
  assert.deepEqual(adeboFer3.runs("quick")[0].config.model.options, { stem: "imagenet" });

  const three = ["happy", "neutral", "sad"];
  // Only vgg11-adam's report has plots: the section copies what exists.
  const reports = await Deno.makeTempDir();
  await Deno.mkdir(join(reports, "figures"));
  await Deno.writeTextFile(join(reports, "figures", "confusion-matrix-test.svg"), "<svg>CM</svg>");
  await Deno.writeTextFile(join(reports, "figures", "roc-curves.svg"), "<svg>ROC</svg>");
  const outcomes = runs.map((run) => {
    const result = fakeResult(7, [{ val_accuracy: 0.6 }], three);
    return {
      run,
      result: {
        ...result,
        dir: run.key === "vgg11-adam" ? reports : result.dir,
        fit: { ...result.fit, bestEpoch: 4, bestValue: run.key === "vgg11-sgd" ? 0.8 : 0.7 },
        valMetrics: { ...result.valMetrics, count: 3672 },
      },
    };
  });
  // The paper's two, then ours (vgg11-sgd first, the sort keeps Table I's order among equals).
  assert.deepEqual(adeboFer3.reportedRuns!(outcomes), [
    "resnet50-adam",
    "vgg11-adam",
    "vgg11-sgd",
  ]);
  const figures = await adeboFer3.figures!(outcomes, "paper");
  assert.deepEqual(figures.map((f) => [f.id, f.svg]), [
    ["vgg11-adam-confusion-matrix", "<svg>CM</svg>"],
    ["vgg11-adam-roc-curves", "<svg>ROC</svg>"],
  ]);
  const context = { link: (path: string) => `LINK/${path}`, diverged: new Map() };
  const paper = adeboFer3.report(outcomes, "paper", context);
  assert.match(
    paper,
    /!\[vgg11-adam: confusion matrix, test part, no TTA\]\(LINK\/vgg11-adam-confusion-matrix\.svg\)\n!\[vgg11-adam: ROC curves, test part, no TTA\]\(LINK\/vgg11-adam-roc-curves\.svg\)/,
  );
  assert.match(paper, /ours are vgg11-sgd and resnet50-adam by validation accuracy/);
  // Table I: 0.7 on 3,672 validation images against ResNet50 + Adam's 0.726 on the paper's 3,672.
  const se1 = Math.hypot(Math.sqrt(0.7 * 0.3 / 3672), Math.sqrt(0.726 * 0.274 / 3672));
  assert.match(
    paper,
    new RegExp(
      `\\| resnet50-adam \\| yes \\| no \\| 5 \\| 11 \\| 1 \\| 10 \\| 0\\.7000 \\| 0\\.726 \\| -2\\.6 points ` +
        `\\(${(0.026 / se1).toFixed(1)} standard errors of the difference\\) \\|`,
    ),
  );
  // Table II: our row, then the paper's as printed.
  assert.match(paper, /\| vgg11-adam \| ours \| 0\.\d{3} \|/);
  assert.match(
    paper,
    /\| vgg11-adam \| paper \| 0\.85 \| 0\.64 \| 0\.56 \| 0\.72 \| 0\.71 \| 0\.89 \| 0\.71 \| 0\.69 \| 0\.68 \| 0\.89 \|/,
  );
  // Test accuracy (micro F1 = 0.7 on 10 images) against SelfModel + SGD's 0.69 on 3,677.
  const se2 = Math.hypot(Math.sqrt(0.7 * 0.3 / 10), Math.sqrt(0.69 * 0.31 / 3677));
  assert.match(
    paper,
    new RegExp(
      `adebo-selfbuilt-sgd \\+1\\.0 points \\(${(0.01 / se2).toFixed(1)} standard errors`,
    ),
  );
  assert.doesNotMatch(paper, /not beside ours|could not be obtained/);
  // The section the runner writes to docs/REPRODUCTION.md carries the same columns.
  const section = reproductionSection(adeboFer3, "paper", outcomes, "CMD", context);
  assert.match(section, /^## adebo-fer3 \(paper budget\)/);
  assert.ok(section.includes(paper));
  // The quick budget shows the paper's columns but measures no gap.
  const quick = adeboFer3.report(outcomes, "quick", context);
  assert.match(
    quick,
    /\| resnet50-adam \| yes \| no \| 5 \| 11 \| 1 \| 10 \| 0\.7000 \| 0\.726 \|$/m,
  );
  assert.doesNotMatch(quick, /standard errors/);
  await Deno.remove(reports, { recursive: true });
});

Deno.test("adebo-fer3 names the runs that predicted one class; the PyTorch cross-check only for VGG11 on the paper budget", () => {
  const three = ["happy", "neutral", "sad"];
  const context = { link: (path: string) => path, diverged: new Map() };
  const outcomesFor = (budget: "quick" | "paper", collapsed: string) =>
    adeboFer3.runs(budget).map((run) => {
      const result = fakeResult(7, [{ val_accuracy: 0.6 }], three);
      const oneClass = { ...result.metrics!, confusionMatrix: [[4, 0, 0], [3, 0, 0], [3, 0, 0]] };
      return { run, result: run.key === collapsed ? { ...result, metrics: oneClass } : result };
    });
  const paper = adeboFer3.report(outcomesFor("paper", "vgg11-adam"), "paper", context);
  assert.match(paper, /Predicting one class for every test image: vgg11-adam \(happy\)\./);
  assert.match(paper, /bench\/pytorch_vgg11_collapse\.py torchvision 200/);
  const selfBuilt = adeboFer3.report(outcomesFor("paper", "adebo-selfbuilt-sgd"), "paper", context);
  assert.match(selfBuilt, /one class for every test image: adebo-selfbuilt-sgd \(happy\)/);
  assert.doesNotMatch(selfBuilt, /PyTorch/);
  const quick = adeboFer3.report(outcomesFor("quick", "vgg11-sgd"), "quick", context);
  assert.match(quick, /one class for every test image: vgg11-sgd \(happy\)/);
  assert.doesNotMatch(quick, /PyTorch/);
  const none = adeboFer3.report(outcomesFor("paper", "no such run"), "paper", context);
  assert.doesNotMatch(none, /one class for every test image/);
});

Deno.test("chen-ckplus and liu-fer7 reports: the paper's figures beside ours; fer2013-best and ferplus state the compared protocol", () => {
  const context = { link: (path: string) => path, diverged: new Map() };
  const [holdout] = chenCkplus.runs("paper");
  const result = fakeResult(9, [{ val_loss: 1 }], FER2013_CLASSES);
  const chen = chenCkplus.report([{ run: holdout, result }], "paper", context);
  assert.match(chen, /\| 20 % hold-out test accuracy \(no TTA\) \| 0\.9000 \| 0\.8325 \|/);
  const se = Math.hypot(Math.sqrt(0.9 * 0.1 / 10), Math.sqrt(164 / 197 * (33 / 197) / 197));
  assert.match(
    chen,
    new RegExp(`\\+6\\.8 points \\(${((0.9 - 0.8324873) / se).toFixed(1)} standard errors`),
  );

  const [liu] = liuFer7.runs("paper");
  const report = liuFer7.report([{ run: liu, result }], "paper", context);
  assert.match(
    report,
    /\| happy \| [\d.]+ \| [\d.]+ \| [\d.]+ \| \d+ \| 0\.856 \| 0\.853 \| 0\.855 \| 927 \|/,
  );
  assert.match(
    report,
    /\| \*\*accuracy\*\* \| {2}\| {2}\| \*\*0\.900\*\* \| 10 \| {2}\| {2}\| \*\*0\.650\*\* \| 3589 \|/,
  );

  const best = getExperiment("fer2013-best").report([], "quick", context);
  assert.match(best, /loads PrivateTest as its validation set/);
  assert.match(best, /reports PublicTest/);
  const ferplus = getExperiment("ferplus").report([], "quick", context);
  assert.match(ferplus, /microsoft\/FERPlus/);
  assert.match(ferplus, /picks the epoch by accuracy on PublicTest/);
});

Deno.test("mondal-fer7 report: epochs run of scheduled, last-epoch numbers, one curves figure per model", async () => {
  // A paper run cut short after 3 of its 10 epochs, and the two others not started.
  const [shallow] = mondalFer7.runs("paper");
  const history = [0.3, 0.4, 0.45].map((v) => ({ val_accuracy: v, val_loss: 2 - v, loss: 1.5 }));
  const outcomes = [{ run: shallow, result: fakeResult(6, history, FER2013_CLASSES) }];
  const report = mondalFer7.report(outcomes, "paper", {
    link: (path) => `LINK/${path}`,
    diverged: new Map(),
  });
  assert.match(
    report,
    /\| mondal-shallow \| ours \| 3 of 10 \| 1\.5000 \| 0\.5000 \| 1\.5500 \| 0\.4500 \| 0\.6000 \|/,
  );
  // The authors' notebook's 10th epoch beside ours; no gap for a run short of 10 epochs.
  assert.match(
    report,
    /\| mondal-shallow \| notebook \| 10 of 10 \| 0\.2663 \| 0\.9067 \| 1\.8278 \| 0\.5850 \| – \|/,
  );
  // The paper's Table 3 as printed, the notebook's figures truncated.
  assert.match(
    report,
    /\| mondal-shallow \| paper, Table 3 \| 10 of 10 \| 0\.26 \| 0\.90 \| 1\.80 \| 0\.58 \| – \|/,
  );
  assert.match(report, /No run has trained the paper's 10 epochs yet/);
  assert.match(
    report,
    /!\[mondal-shallow: loss and accuracy per epoch\]\(LINK\/mondal-shallow-curves\.svg\)/,
  );
  const figures = await mondalFer7.figures!(outcomes, "paper");
  assert.deepEqual(figures.map((f) => f.id), ["mondal-shallow-curves"]);
  assert.match(figures[0].svg, /^<svg/);
});

Deno.test("mondal-fer7 report: a 10-epoch run's last validation accuracy against the paper's, in standard errors", () => {
  const [, improved] = mondalFer7.runs("paper");
  // 0.5821 on 3,589 PublicTest images against the notebook's 0.6034 on 7,178 test images.
  const history = Array.from({ length: 10 }, () => ({ val_accuracy: 0.5821, loss: 1 }));
  const result = fakeResult(6, history, FER2013_CLASSES);
  const outcomes = [{
    run: improved,
    result: { ...result, valMetrics: { ...result.valMetrics, count: 3589 } },
  }];
  const report = mondalFer7.report(outcomes, "paper", { link: (p) => p, diverged: new Map() });
  const se = Math.sqrt(0.5821 * 0.4179 / 3589 + 0.6034 * 0.3966 / 7178);
  assert.match(
    report,
    new RegExp(
      `mondal-improved: -2\\.1 points \\(${(0.0213 / se).toFixed(1)} standard errors of the`,
    ),
  );
});

Deno.test("a NaN validation loss (a diverging sweep rate) survives history.csv", () => {
  const history = [{
    epoch: 0,
    loss: 9,
    accuracy: 0.3,
    val_loss: NaN,
    val_accuracy: 0.3,
    lr: 0.1,
    seconds: 5,
  }];
  assert.ok(Number.isNaN(parseHistoryCsv(historyCsv(history))[0].val_loss));
  assert.throws(() => parseHistoryCsv(historyCsv(history).replace("NaN", "oops")), /expected 7/);
});
