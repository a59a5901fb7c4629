/**
 * Packages a finished run's selected model as a model folder that travels on its own, like the
 * shipped models/default/: model.json and weights.bin (the card stays embedded, so the folder
 * loads anywhere), and card.json for people to read (torchvision-style weight metadata) with the
 * test scores and confusion matrices with and without TTA and the commands that reproduce them.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { FerError } from "../errors.ts";
import type { EvaluationMetrics } from "../metrics/mod.ts";
import { modelJsonPath, readModelCard } from "../models/mod.ts";
import type { RunConfig } from "./config.ts";
import { readRunResult } from "./run.ts";
import { RunFolder } from "./run_folder.ts";

export interface ExportOptions {
  /** Replace a folder that already holds a model. */
  readonly force?: boolean;
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

/** Copies `runDir`'s model to `outDir` and writes its card.json; see the module comment. */
export async function exportRunModel(
  runDir: string,
  outDir: string,
  options: ExportOptions = {},
): Promise<ExportedModel> {
  const folder = await RunFolder.open(runDir);
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
  const embedded = await readModelCard(folder.modelDir);
  const config = await folder.readJson<RunConfig>(folder.configPath);
  const official = config.data.split.kind === "official";
  const testSplit = official ? "PrivateTest" : "test";
  const evalCommand = (tta: string) =>
    `deno task eval ${outDir} --data ${config.data.dataset} --split ${testSplit}` +
    (tta === "none" ? "" : ` --tta ${tta}`) +
    (config.data.limit ? ` --limit ${config.data.limit}` : "");

  await Deno.mkdir(outDir, { recursive: true });
  let bytes = 0;
  for (const name of ["model.json", "weights.bin"]) {
    await Deno.copyFile(join(folder.modelDir, name), join(outDir, name));
    bytes += (await Deno.stat(join(outDir, name))).size;
  }
  const card: Record<string, unknown> = {
    ...embedded,
    exportedFrom: basename(runDir),
    sizeBytes: bytes,
    test: testScore(result.metrics, testSplit),
    testWithTta: result.ttaMetrics && testScore(result.ttaMetrics, testSplit),
    reproduce: {
      train: embedded.command,
      export: `deno task fer export ${runDir} ${outDir}`,
      evaluate: [evalCommand("none"), ...(result.ttaMetrics ? [evalCommand(config.tta)] : [])],
    },
  };
  await Deno.writeTextFile(join(outDir, "card.json"), JSON.stringify(card, null, 2) + "\n");
  return { dir: outDir, card, bytes };
}
