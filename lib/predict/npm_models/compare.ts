/**
 * Our expression model against the ones that ship inside npm packages, on the same FER2013
 * PrivateTest images, scored by the same metric code (lib/metrics evaluationMetrics) and timed the
 * same way (batches of 64 after one warm-up batch, input preparation included).
 */
import { relative } from "node:path";
import {
  type LabeledImages,
  loadDataset,
  officialSplit,
  selectClasses,
  stratifiedSample,
  subset,
} from "../../data/mod.ts";
import { FerError } from "../../errors.ts";
import { type EvaluationMetrics, evaluationMetrics } from "../../metrics/mod.ts";
import type { TtaChoice } from "../../train/config.ts";
import { loadExpressionModel } from "../expression_model.ts";
import { reorderClasses } from "./class_order.ts";
import { loadFaceApiExpression } from "./faceapi_expression.ts";
import { loadHumanEmotion } from "./human_emotion.ts";
import type { NpmExpressionModel } from "./types.ts";

/** Options of compareExpressionModels. */
export interface ExpressionComparisonOptions {
  /** Our model: a run folder, a model folder or "default". */
  readonly model: string;
  /** At most this many PrivateTest images, a stratified sample (seed 0). Default: all. */
  readonly limit?: number;
  /** The data folder holding fer2013/ (default $FER_DATA_DIR). */
  readonly dataDir?: string;
  /** Progress lines go here. */
  readonly log?: (line: string) => void;
}

/** One model's scores. */
export interface ComparisonRow {
  readonly name: string;
  /** Where it comes from: our model's folder, or the npm package and version. */
  readonly source: string;
  /** What it is fed. */
  readonly input: string;
  readonly metrics: EvaluationMetrics;
  /** Wall-clock milliseconds per face, input preparation included. */
  readonly msPerFace: number;
}

/** The comparison: the images used and one row per model, ours first. */
export interface Comparison {
  readonly split: string;
  readonly count: number;
  readonly classes: readonly string[];
  readonly rows: ComparisonRow[];
}

const BATCH = 64;

/**
 * Evaluates our model and every npm expression model on FER2013 PrivateTest, all without TTA, and
 * ours also with its `defaultTta` (what `fer predict` serves) when that is not "none".
 */
export async function compareExpressionModels(
  options: ExpressionComparisonOptions,
): Promise<Comparison> {
  const log = options.log ?? (() => {});
  const ours = await loadExpressionModel(options.model);
  try {
    const images = await privateTest(ours.classNames, options);
    log(`FER2013 PrivateTest: ${images.count} images, classes ${ours.classNames.join(", ")}`);
    const score = (probabilities: Float32Array, tta: TtaChoice = "none") =>
      evaluationMetrics({
        dataset: "fer2013",
        split: "PrivateTest",
        tta,
        classes: ours.classNames,
        yTrue: images.labels,
        probabilities,
      });
    const rows: ComparisonRow[] = [];
    const source = relative(Deno.cwd(), ours.source) || ours.source;
    const input = `${ours.layout.inputShape.join("×")}, normalisation ` +
      ours.layout.normalization.kind;
    // Ours without TTA, like the npm models; then with the TTA predict uses by default, if any.
    for (const tta of new Set<TtaChoice>(["none", ours.defaultTta])) {
      const oursTimed = await timed(
        images.count,
        (indices) => ours.classifyImages(subset(images, indices), tta),
      );
      const row = {
        name: `ours: ${ours.name}${tta === "none" ? "" : ` + ${tta} TTA`}`,
        source,
        input,
        metrics: score(oursTimed.probabilities, tta),
        msPerFace: oursTimed.msPerFace,
      };
      rows.push(row);
      log(`${row.name}: accuracy ${row.metrics.accuracy.toFixed(4)}`);
    }
    for (const load of [loadFaceApiExpression, loadHumanEmotion]) {
      const other: NpmExpressionModel = await load();
      try {
        const result = await timed(images.count, (indices) => other.predict(images, indices));
        const probabilities = reorderClasses(
          result.probabilities,
          other.classNames,
          ours.classNames,
        );
        rows.push({
          name: other.name,
          source: other.package,
          input: other.input,
          metrics: score(probabilities),
          msPerFace: result.msPerFace,
        });
        log(`${other.name}: accuracy ${rows.at(-1)!.metrics.accuracy.toFixed(4)}`);
      } finally {
        other.dispose();
      }
    }
    return { split: "PrivateTest", count: images.count, classes: ours.classNames, rows };
  } finally {
    ours.dispose();
  }
}

/** FER2013's PrivateTest images of `classes` (our model's), a stratified sample when limited. */
async function privateTest(
  classes: readonly string[],
  options: ExpressionComparisonOptions,
): Promise<LabeledImages> {
  const all = await loadDataset("fer2013", { dataDir: options.dataDir });
  let test = officialSplit(all).test;
  if (!test) throw new FerError("fer2013 has no PrivateTest images");
  test = selectClasses(test, classes);
  const limit = options.limit;
  return limit !== undefined && limit > 0 ? stratifiedSample(test, limit, 0) : test;
}

/** Runs `predict` over all images in batches, timing all but a first warm-up batch. */
async function timed(
  count: number,
  predict: (indices: number[]) => Promise<Float32Array>,
): Promise<{ probabilities: Float32Array; msPerFace: number }> {
  const batches: number[][] = [];
  for (let start = 0; start < count; start += BATCH) {
    batches.push(Array.from({ length: Math.min(BATCH, count - start) }, (_, i) => start + i));
  }
  await predict(batches[0]); // warm-up: tfjs compiles kernels on first use
  const parts: Float32Array[] = [];
  const started = performance.now();
  for (const batch of batches) parts.push(await predict(batch));
  const elapsed = performance.now() - started;
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const probabilities = new Float32Array(total);
  let offset = 0;
  for (const part of parts) {
    probabilities.set(part, offset);
    offset += part.length;
  }
  return { probabilities, msPerFace: elapsed / count };
}
