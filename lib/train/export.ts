/**
 * Packages a finished run's selected model as a model folder that travels on its own, like the
 * shipped models/default/: model.json and weights.bin (the card stays embedded, so the folder
 * loads anywhere), and card.json for people to read (torchvision-style weight metadata) with the
 * test scores and confusion matrices with and without TTA and the commands that reproduce them.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FerError } from "../errors.ts";
import type { EvaluationMetrics } from "../metrics/mod.ts";
import {
  compactProvenance,
  directSources,
  type ModelCard,
  modelJsonPath,
  readModelCard,
  replaceModelCard,
  saveFloat16Copy,
  stepsBehind,
} from "../models/mod.ts";
import type { RunConfig, TtaChoice } from "./config.ts";
import { evaluateModel, evaluationPath } from "./eval_run.ts";
import { checkTtaFits } from "./pipeline.ts";
import { readRunResult } from "./run_result.ts";
import { RunFolder } from "./run_folder.ts";
import { withRunLock } from "./run_lock.ts";

/** The files of a model folder, weights first (the order they are written in). */
const MODEL_FILES = ["weights.bin", "model.json"];

export interface ExportOptions {
  /** Replace a folder that already holds a model. */
  readonly force?: boolean;
  /**
   * The test-time augmentation whose scores go on the card beside the plain ones. Default: the
   * run's own (its config's `tta`); another one must have been evaluated with `fer eval` first.
   */
  readonly tta?: Exclude<TtaChoice, "none">;
  /**
   * Store the weights as float16 (half the bytes). The card's test scores are then measured again
   * on the exported weights; the float32 ones are kept beside them.
   */
  readonly float16?: boolean;
}

export interface ExportedModel {
  readonly dir: string;
  readonly card: Record<string, unknown>;
  /** Bytes of model.json + weights.bin. */
  readonly bytes: number;
}

function testScore(metrics: EvaluationMetrics, splitName: string) {
  return {
    split: splitName,
    tta: metrics.tta,
    count: metrics.count,
    accuracy: metrics.accuracy,
    macroF1: metrics.macro.f1,
    perClassRecall: Object.fromEntries(
      Object.entries(metrics.perClass).map(([name, scores]) => [name, scores.recall]),
    ),
    classes: metrics.classes,
    confusionMatrix: metrics.confusionMatrix,
  };
}

/** The test-split evaluation `fer eval` saved in the run folder with `tta`, under either name. */
async function readTestEvaluation(
  folder: RunFolder,
  config: RunConfig,
  testSplit: "PrivateTest" | "test",
  tta: TtaChoice,
): Promise<EvaluationMetrics> {
  for (const split of new Set([testSplit, "test"] as const)) {
    const path = evaluationPath(folder, config.data.dataset, split, tta);
    if (existsSync(path)) return await folder.readJson<EvaluationMetrics>(path);
  }
  throw new FerError(
    `${folder.dir} has no ${tta} TTA evaluation of its ${testSplit} split: run ` +
      `'deno task eval ${folder.dir} --split ${testSplit} --tta ${tta}' first`,
  );
}

/** The commands that made a model's starting weights or its ingredients, oldest first, each once. */
function sourceCommands(card: ModelCard): string[] {
  const commands = stepsBehind(directSources(card)).flatMap((step) => [
    ...(step.command ? [step.command] : []),
    ...(step.resumedWith ?? []),
  ]);
  return [...new Set(commands)];
}

/** Copies `runDir`'s model to `outDir` and writes its card.json; see the module comment. */
export async function exportRunModel(
  runDir: string,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportedModel> {
  const folder = await RunFolder.open(runDir);
  // Held while the run's model is read and measured, so that no resume or eval changes it midway.
  return await withRunLock(runDir, () => exportLocked(folder, runDir, outDir, options));
}

async function exportLocked(
  folder: RunFolder,
  runDir: string,
  outDir: string,
  options: ExportOptions,
): Promise<ExportedModel> {
  const result = await readRunResult(runDir);
  if (!result) {
    throw new FerError(
      `${runDir} is not a finished run (no metrics-val.json): finish it first, e.g. ` +
        `'fer train --resume ${runDir}'`,
    );
  }
  if (!result.metrics) {
    throw new FerError(`${runDir} has no test-split metrics: a shipped model must report them`);
  }
  if (!options.force && existsSync(modelJsonPath(outDir))) {
    throw new FerError(`${outDir} already holds a model: pass --force to replace it`);
  }
  // Cards of runs made before cards were compact carry every step behind them in full.
  const embedded = compactProvenance(await readModelCard(folder.modelDir));
  const config = await folder.readJson<RunConfig>(folder.configPath);
  const official = config.data.split.kind === "official";
  const testSplit = official ? "PrivateTest" : "test";
  const tta = options.tta ?? (config.tta === "none" ? undefined : config.tta);
  if (tta) checkTtaFits({ crop: config.augment?.crop }, tta);
  const ttaMetrics = tta === config.tta
    ? result.ttaMetrics
    : tta && await readTestEvaluation(folder, config, testSplit, tta);
  const evalCommand = (choice: TtaChoice) =>
    `deno task eval ${outDir} --data ${config.data.dataset} --split ${testSplit}` +
    (choice === "none" ? "" : ` --tta ${choice}`) +
    (config.data.limit ? ` --limit ${config.data.limit}` : "");

  // Everything is made in a folder beside outDir and moved in at the end, so a failure (say, the
  // data for measuring float16 weights is missing) leaves a model already in outDir untouched.
  await Deno.mkdir(dirname(resolve(outDir)), { recursive: true });
  const staging = await Deno.makeTempDir({ dir: dirname(resolve(outDir)), prefix: ".export-" });
  try {
    if (options.float16) {
      await saveFloat16Copy(folder.modelDir, staging);
    } else {
      for (const name of MODEL_FILES) {
        await Deno.copyFile(join(folder.modelDir, name), join(staging, name));
      }
    }
    await replaceModelCard(staging, embedded);
    let bytes = 0;
    for (const name of MODEL_FILES) bytes += (await Deno.stat(join(staging, name))).size;
    let test = result.metrics;
    let testWithTta = ttaMetrics;
    if (options.float16) {
      const measure = async (choice: TtaChoice) =>
        (await evaluateModel(runDir, { split: testSplit, tta: choice, modelDir: staging }))
          .metrics;
      test = await measure("none");
      testWithTta = tta && ttaMetrics && await measure(tta);
    }
    const card: Record<string, unknown> = {
      ...embedded,
      exportedFrom: basename(runDir),
      sizeBytes: bytes,
      weightsDtype: options.float16 ? "float16" : "float32",
      test: testScore(test, testSplit),
      testWithTta: testWithTta && testScore(testWithTta, testSplit),
      float32Accuracy: options.float16
        ? { test: result.metrics.accuracy, testWithTta: ttaMetrics?.accuracy }
        : undefined,
      reproduce: {
        ...(directSources(embedded).length > 0 ? { trainBefore: sourceCommands(embedded) } : {}),
        train: embedded.command,
        export: `deno task fer export ${runDir} ${outDir}` +
          (tta && tta !== config.tta ? ` --tta ${tta}` : "") +
          (options.float16 ? " --float16" : ""),
        evaluate: [evalCommand("none"), ...(tta && ttaMetrics ? [evalCommand(tta)] : [])],
      },
    };
    await Deno.writeTextFile(join(staging, "card.json"), JSON.stringify(card, null, 2) + "\n");
    await Deno.mkdir(outDir, { recursive: true });
    // Weights first: model.json then never points at weights of another model.
    for (const name of [...MODEL_FILES, "card.json"]) {
      await Deno.rename(join(staging, name), join(outDir, name));
    }
    return { dir: outDir, card, bytes };
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}
