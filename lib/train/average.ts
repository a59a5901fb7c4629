/**
 * Weight averaging: a model whose weights are the mean of several runs' selected weights (SWA over
 * the ends of warm-restart cycles, Izmailov et al. 2018; a uniform "model soup", Wortsman et al.
 * 2022; fairseq's average_checkpoints). BatchNorm statistics are then measured again for the
 * averaged weights (PyTorch's `update_bn`), and the result is scored and saved as a run folder of
 * its own, so `fer eval`, `fer export` and `predict` take it like any run.
 *
 * Only runs that share a basin average well: one warm-started from another (`--init-from`), or
 * snapshots of one schedule. Independently trained runs do not, and their average scores far below
 * either; the validation accuracies printed side by side say which case it is.
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/init.ts";
import { FerError, UsageError } from "../errors.ts";
import {
  type LoadedModel,
  loadModel,
  recomputeBatchNormStatistics,
  saveModel,
} from "../models/mod.ts";
import { type BackendChoice, dataRecipe, type RunConfig } from "./config.ts";
import { ImageBatcher, prepareData, savedModelLayout } from "./pipeline.ts";
import {
  evaluateRunSplits,
  modelCardBasics,
  type Provenance,
  provenanceOf,
  readRunResult,
  type RunResult,
  stepsBehind,
} from "./run.ts";
import { RunFolder } from "./run_folder.ts";
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
}

/** The parts of a run's config that must agree for its weights to be averaged with another's. */
function compatibilityKey(config: RunConfig) {
  return JSON.stringify({
    model: config.model,
    data: dataRecipe(config.data),
    // A stratified split is drawn with the run's seed: another seed means other validation images.
    seed: config.data.split.kind === "official" ? undefined : config.seed,
  });
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
    if (compatibilityKey(other) !== compatibilityKey(config)) {
      throw new FerError(
        `${runs[i]} cannot be averaged with ${runs[0]}: their model, data or split differ ` +
          `(${other.model.name} on ${other.data.dataset} against ${config.model.name} on ` +
          `${config.data.dataset})`,
      );
    }
  });

  if (options.out) await checkEmpty(options.out);

  const lines: string[] = [];
  const log = (line: string) => {
    print(line);
    lines.push(line);
  };
  const backend = await initBackend(config.backend);
  log(`Backend: ${backend.description}`);
  const data = await prepareData(config.data, config.seed);
  for (const line of data.description) log(line);
  const { train, val, test } = data.splits;

  const loaded: LoadedModel[] = [];
  try {
    for (const folder of folders) loaded.push(await loadModel(folder.modelDir));
    const [target] = loaded;
    const mean = meanWeights(loaded.map((m) => m.model), runs);
    target.model.setWeights(mean);
    tf.dispose(mean);
    results.forEach((result, i) =>
      log(`${runs[i]}: validation accuracy ${result.valMetrics.accuracy.toFixed(4)}`)
    );

    const layout = savedModelLayout(target, config);
    // The statistics the evaluation sees: training images prepared as for testing, unaugmented.
    const batcher = new ImageBatcher(train, layout);
    const batchSize = config.schedule.batchSize;
    const restore = routeMathRandom(new Random(config.seed));
    let images: number;
    try {
      images = await recomputeBatchNormStatistics(
        target.model,
        (function* () {
          const random = new Random(config.seed);
          for (let start = 0; start < batcher.count; start += batchSize) {
            const end = Math.min(start + batchSize, batcher.count);
            yield batcher.images(
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
    if (images > 0) log(`BatchNorm statistics recomputed on ${images} training images`);

    const folder = options.out
      ? (await Deno.mkdir(options.out, { recursive: true }), new RunFolder(options.out))
      : await RunFolder.create("runs", `${config.model.name}-average`, config.data.dataset);
    const averagedConfig: RunConfig = { ...config, averagedFrom: runs };
    await folder.writeJson(folder.configPath, averagedConfig);
    await folder.writeHistory([]);
    for (const line of lines) folder.appendLog(line);
    const folderLog = (line: string) => {
      print(line);
      folder.appendLog(line);
    };
    folderLog(`Run folder: ${folder.dir}`);
    folder.appendCommand(`deno task fer ${Deno.args.join(" ")}`.trim());

    const scores = await evaluateRunSplits(
      target.model,
      { val, test },
      layout,
      averagedConfig,
      folder,
      folderLog,
    );
    const averagedFrom = runs.map((run, i) => provenanceOf(run, loaded[i].card));
    await saveModel(target, folder.modelDir, {
      ...modelCardBasics(
        averagedConfig,
        target,
        backend.description,
        folder.readCommands(),
        data.classNames,
        scores,
      ),
      selectedBy: `the mean of ${runs.length} runs' weights, each selected on its validation split`,
      batchNormRecomputedOn: images > 0
        ? { split: "train", images, augmentation: "none" }
        : undefined,
      ...trainingTotals(averagedFrom),
      averagedFrom,
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
      ...scores,
    };
  } finally {
    loaded.forEach((model) => model.dispose());
  }
}

/** Refuses an --out folder that already holds anything: a run there would be overwritten. */
async function checkEmpty(dir: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(dir)) {
      throw new FerError(`${dir} is not empty: choose another --out (nothing was written)`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
