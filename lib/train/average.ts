/**
 * Weight averaging: a model whose weights are the mean of several runs' selected weights (SWA over
 * the ends of warm-restart cycles, Izmailov et al. 2018; a uniform "model soup", Wortsman et al.
 * 2022; fairseq's average_checkpoints). BatchNorm statistics are then measured again for the
 * averaged weights (PyTorch's `update_bn`), and the result is scored and saved as a run folder of
 * its own, so `fer eval`, `fer export` and `predict` take it like any run. A greedy soup (Wortsman
 * et al.'s) keeps only the runs that do not lower the mean's validation accuracy.
 *
 * Only runs that share a basin average well: one warm-started from another (`--init-from`), or
 * snapshots of one schedule. Independently trained runs do not, and their average scores far below
 * either; the validation accuracies printed side by side say which case it is.
 */
import * as tf from "@tensorflow/tfjs";
import { FerError, UsageError } from "../errors.ts";
import {
  compactProvenance,
  type LoadedModel,
  loadModel,
  type Provenance,
  provenanceOf,
  recomputeBatchNormStatistics,
  saveModel,
  stepsBehind,
} from "../models/mod.ts";
import { type BackendChoice, dataRecipe, type RunConfig, valueChanges } from "./config.ts";
import { evaluateRunSplits, evaluateSplit } from "./eval_run.ts";
import { modelCardBasics } from "./model_card.ts";
import { ImageBatcher, savedModelLayout } from "./pipeline.ts";
import { readRunResult, type RunResult } from "./run_result.ts";
import { RunFolder } from "./run_folder.ts";
import { makeRunFolder, recordRun, RunLog, startRun } from "./run_setup.ts";
import { Random, routeMathRandom } from "../random.ts";

export interface AverageOptions {
  /** The new run folder (default: runs/<model>-average-<dataset>-<time>). */
  readonly out?: string;
  /** Data folder (default: the first run's, else $FER_DATA_DIR). */
  readonly dataDir?: string;
  /** Default: the first run's backend. */
  readonly backend?: BackendChoice;
  /** Where lines go besides the new run's train.log (default: console.log). */
  readonly print?: (line: string) => void;
  /**
   * A greedy soup (Wortsman et al. 2022) instead of the mean of all runs: runs are added best
   * validation accuracy first, each kept only if the mean's validation accuracy does not drop.
   */
  readonly greedy?: boolean;
  /**
   * The command line that made the average, recorded in commands.txt and its card (the CLI passes
   * what it was given). Default: what names this process (run_lock.ts).
   */
  readonly command?: string;
}

/** The parts of a run's config that must agree for its weights to be averaged with another's. */
function compatibilityParts(config: RunConfig) {
  return {
    model: config.model,
    data: dataRecipe(config.data),
    // A stratified split is drawn with the run's seed: another seed means other validation images.
    seed: config.data.split.kind === "official" ? undefined : config.seed,
  };
}

/** The mean of the models' weights, weight by weight (BatchNorm statistics too, for now). */
function meanWeights(models: readonly tf.LayersModel[], names: readonly string[]) {
  const [first, ...others] = models;
  others.forEach((model, i) => {
    const shapes = (m: tf.LayersModel) => m.weights.map((w) => w.shape.join("x")).join();
    if (shapes(model) !== shapes(first)) {
      throw new FerError(
        `${names[i + 1]} has weights of other shapes than ${names[0]}: not the same model`,
      );
    }
  });
  return first.weights.map((_, w) =>
    tf.tidy(() => tf.addN(models.map((m) => m.weights[w].read())).div(models.length))
  );
}

/**
 * Writes the mean of `models`' weights into `target`, then measures its BatchNorm statistics on
 * the training images prepared as for testing (unaugmented: the statistics evaluation sees).
 * Returns the number of images the statistics were measured on (0: no BatchNorm layer).
 */
async function averageInto(
  target: tf.LayersModel,
  models: readonly tf.LayersModel[],
  names: readonly string[],
  statistics: { readonly train: ImageBatcher; readonly batchSize: number; readonly seed: number },
): Promise<number> {
  const mean = meanWeights(models, names);
  target.setWeights(mean);
  tf.dispose(mean);
  const { train, batchSize, seed } = statistics;
  const restore = routeMathRandom(new Random(seed));
  try {
    return await recomputeBatchNormStatistics(
      target,
      (function* () {
        const random = new Random(seed);
        for (let start = 0; start < train.count; start += batchSize) {
          const end = Math.min(start + batchSize, train.count);
          yield train.images(
            Array.from({ length: end - start }, (_, i) => start + i),
            false,
            random,
          );
        }
      })(),
    );
  } finally {
    restore();
  }
}

/**
 * The indices of the runs a greedy soup keeps: the best run by its own validation accuracy, then
 * each next best whose addition leaves the mean's validation accuracy at least where it was.
 */
export async function greedySoup(
  runs: readonly string[],
  ownAccuracies: readonly number[],
  validationAccuracy: (members: readonly number[]) => Promise<number>,
  log: (line: string) => void,
): Promise<number[]> {
  const order = runs.map((_, i) => i).sort((a, b) => ownAccuracies[b] - ownAccuracies[a]);
  const members = [order[0]];
  let best = await validationAccuracy(members);
  log(
    `Greedy soup, validation accuracy without TTA: ${runs[order[0]]} alone (statistics ` +
      `measured again): ${best.toFixed(4)}`,
  );
  for (const candidate of order.slice(1)) {
    const accuracy = await validationAccuracy([...members, candidate]);
    const kept = accuracy >= best;
    log(`  + ${runs[candidate]}: ${accuracy.toFixed(4)} ${kept ? "kept" : "left out"}`);
    if (kept) {
      members.push(candidate);
      best = accuracy;
    }
  }
  log(`Greedy soup: ${members.length} of ${runs.length} runs`);
  return members.sort((a, b) => a - b);
}

/** Seconds and epochs of every distinct training behind `sources`, each counted once. */
function trainingTotals(sources: readonly Provenance[]) {
  // An average takes no training time of its own: only its ingredients' count.
  const all = stepsBehind(sources).filter((step) => !step.averagedFrom);
  return {
    trainingSeconds: all.reduce((sum, s) => sum + (s.trainingSeconds ?? 0), 0),
    epochsRun: all.reduce((sum, s) => sum + (s.epochsRun ?? 0), 0),
  };
}

/** Averages the finished runs `runs` into a new run folder; see the module comment. */
export async function averageRuns(
  runs: readonly string[],
  options: AverageOptions = {},
): Promise<RunResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  if (runs.length < 2) throw new UsageError("fer average needs at least two runs");
  const folders = await Promise.all(runs.map((run) => RunFolder.open(run)));
  const configs = await Promise.all(folders.map((f) => f.readJson<RunConfig>(f.configPath)));
  const results = await Promise.all(folders.map(async (folder) => {
    const result = await readRunResult(folder.dir);
    if (!result) throw new FerError(`${folder.dir} is not a finished run (no metrics-val.json)`);
    return result;
  }));
  const config: RunConfig = {
    ...configs[0],
    backend: options.backend ?? configs[0].backend,
    data: { ...configs[0].data, dataDir: options.dataDir ?? configs[0].data.dataDir },
  };
  configs.forEach((other, i) => {
    const differences = valueChanges(compatibilityParts(config), compatibilityParts(other));
    if (differences.length > 0) {
      throw new FerError(
        `${runs[i]} cannot be averaged with ${runs[0]}: their model, data or split differ ` +
          `(${differences.join("; ")})`,
      );
    }
  });

  if (options.out) await RunFolder.checkFreeForRun(options.out);

  const runLog = new RunLog(print);
  const log = runLog.line;
  const { backend, data } = await startRun(config, runLog);
  const { train, val, test } = data.splits;

  const loaded: LoadedModel[] = [];
  const releases: (() => void)[] = [];
  try {
    for (const folder of folders) loaded.push(await loadModel(folder.modelDir));
    // The mean is written into a model of its own: the ingredients stay intact for the next mean.
    const target = await loadModel(folders[0].modelDir);
    loaded.push(target);
    results.forEach((result, i) =>
      log(`${runs[i]}: validation accuracy ${result.valMetrics.accuracy.toFixed(4)}`)
    );
    const layout = savedModelLayout(target, config);
    const batchSize = config.schedule.batchSize;
    const statistics = { train: new ImageBatcher(train, layout), batchSize, seed: config.seed };
    // A greedy soup's last kept try already left its mean in `target`: no second BatchNorm pass.
    let inTarget: { key: string; images: number } | undefined;
    const averageOf = async (members: readonly number[]) => {
      const key = [...members].sort((a, b) => a - b).join();
      if (inTarget?.key !== key) {
        const images = await averageInto(
          target.model,
          members.map((i) => loaded[i].model),
          members.map((i) => runs[i]),
          statistics,
        );
        inTarget = { key, images };
      }
      return inTarget.images;
    };

    let members = runs.map((_, i) => i);
    if (options.greedy) {
      const validationAccuracy = async (candidate: readonly number[]) => {
        await averageOf(candidate);
        return (await evaluateSplit(target.model, val, layout, {
          datasetName: config.data.dataset,
          splitName: "validation",
          tta: "none",
          batchSize,
        })).metrics.accuracy;
      };
      members = await greedySoup(
        runs,
        results.map((r) => r.valMetrics.accuracy),
        validationAccuracy,
        log,
      );
    }
    const images = await averageOf(members);
    if (images > 0) log(`BatchNorm statistics recomputed on ${images} training images`);
    const chosen = members.map((i) => runs[i]);

    const folder = await makeRunFolder({
      exactDir: options.out,
      root: "runs",
      model: `${config.model.name}-average`,
      dataset: config.data.dataset,
    }, (release) => releases.push(release));
    const averagedConfig: RunConfig = { ...config, averagedFrom: chosen };
    await folder.writeHistory([]);
    await recordRun(folder, runLog, { config: averagedConfig, data, command: options.command });

    const scores = await evaluateRunSplits(
      target.model,
      { val, test },
      layout,
      averagedConfig,
      folder,
      log,
    );
    const provenance = (i: number) => provenanceOf(runs[i], loaded[i].card);
    const averagedFrom = members.map(provenance);
    const leftOut = runs.flatMap((_, i) => members.includes(i) ? [] : [provenance(i)]);
    await saveModel(target, folder.modelDir, {
      ...modelCardBasics(
        averagedConfig,
        target,
        backend,
        folder.readCommands(),
        data.classNames,
        scores,
      ),
      selectedBy: options.greedy
        ? `a greedy soup of ${chosen.length} of ${runs.length} runs (each kept only if the ` +
          `validation accuracy of the mean did not drop), each selected on its validation split`
        : `the mean of ${runs.length} runs' weights, each selected on its validation split`,
      batchNormRecomputedOn: images > 0
        ? { split: "train", images, augmentation: "none" }
        : undefined,
      // The runs a greedy soup left out count too: finding that they did not help was part of it.
      ...trainingTotals([...averagedFrom, ...leftOut]),
      ...compactProvenance({
        averagedFrom,
        triedAndLeftOut: leftOut.length > 0 ? leftOut : undefined,
      }),
    });
    return {
      dir: folder.dir,
      history: [],
      fit: {
        history: [],
        bestEpoch: -1,
        bestValue: NaN,
        monitor: config.schedule.checkpointMonitor,
      },
      data: data.counts,
      ...scores,
    };
  } finally {
    loaded.forEach((model) => model.dispose());
    releases.forEach((release) => release());
  }
}
