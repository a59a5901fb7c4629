/**
 * `writeReport`: the report of one training run, as report.html (self-contained: inline SVG and
 * CSS, images as data URIs, no scripts) and report.md (the same tables, figures linked as files
 * under figures/). Sections that need the data or the model are skipped with a visible note when
 * those cannot be loaded, so a report can always be written.
 */
import type * as tf from "@tensorflow/tfjs";
import { isAugmenting } from "../augment/mod.ts";
import { type BackendChoice, ensureBackend } from "../backend/mod.ts";
import { join } from "node:path";
import type { LabeledImages } from "../data/mod.ts";
import { FerError } from "../errors.ts";
import { evaluationRocCurves } from "../metrics/mod.ts";
import type { Block, ReportDocument, Section } from "./document.ts";
import { datasetLabel, describeTta } from "./evaluation_label.ts";
import { type Figure, writeFigureFiles } from "./figure.ts";
import { renderHtml } from "./html_page.ts";
import { convFiltersFigure } from "./interpret/conv_filters.ts";
import { featureMapsFigure } from "./interpret/feature_maps.ts";
import { saliencyFigure } from "./interpret/saliency.ts";
import { renderMarkdown } from "./markdown_page.ts";
import { exampleCard, type ExamplePicks, pickExamples } from "./prediction_examples.ts";
import { confusionMatrixFigure } from "./plots/confusion_matrix.ts";
import {
  classDistributionFigure,
  meanFaceFigure,
  type NamedSplit,
  sampleImagesFigure,
} from "./plots/dataset_views.ts";
import { rocCurvesFigure } from "./plots/roc_curves.ts";
import { trainingCurvesFigure } from "./plots/training_curves.ts";
import { readRunArtifacts, type RunArtifacts } from "./run_artifacts.ts";
import {
  embeddings,
  loadRunData,
  loadRunModel,
  modelInputs,
  predictionsMismatch,
  type RunModel,
} from "./run_inputs.ts";
import {
  classificationReportTable,
  configTable,
  evaluationSummaryTable,
  trainingSummaryTable,
} from "./tables.ts";
import { stratifiedCap, tsne2d, tsneFigure } from "./tsne.ts";

/** Options of writeReport (and `fer report`). */
export interface ReportOptions {
  /** Where registry datasets live, overriding the run config's dataDir and $FER_DATA_DIR. */
  readonly dataDir?: string;
  /** Also write every figure as PNG under figures/ (SVG is always written). */
  readonly png?: boolean;
  /** Compute the t-SNE map of the test embeddings (default true; it takes seconds to a minute). */
  readonly tsne?: boolean;
  /** At most this many test images in the t-SNE map, a stratified sample (default 800). */
  readonly tsnePoints?: number;
  /** Sample images per class, and right/wrong predictions shown (default 8). */
  readonly samples?: number;
  /** Layers whose feature maps are shown (default: first, middle and last convolution). */
  readonly layers?: readonly string[];
  /** The test image (row of the test split) for feature maps (default: a confident right one). */
  readonly image?: number;
  /** The tfjs backend; default: the one already running, else "auto" (as `train`). */
  readonly backend?: BackendChoice;
  /** Progress lines (default console.log). */
  readonly log?: (line: string) => void;
}

/** What writeReport wrote. */
export interface ReportResult {
  readonly html: string;
  readonly markdown: string;
  /** Paths of the SVG (and PNG) figure files. */
  readonly figureFiles: string[];
  /** The notes the report shows about what it skipped, also useful to print. */
  readonly notes: string[];
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function figureBlock(figure: Figure | undefined): Block[] {
  return figure ? [{ kind: "figure", figure }] : [];
}

function runSection(run: RunArtifacts): Section {
  const notes: Block[] = run.missing.map((text) => ({ kind: "note", text }));
  return {
    id: "run",
    title: "Run",
    blocks: [...notes, { kind: "table", table: configTable(run.config) }],
  };
}

async function trainingSection(run: RunArtifacts): Promise<Section> {
  if (run.history.length === 0) {
    const averaged = run.config.averagedFrom;
    const text = averaged
      ? `Not trained: the mean of the weights of ${averaged.join(", ")} (fer average), with ` +
        "BatchNorm statistics measured again; their reports show how they were trained."
      : "No history.csv: no epoch has finished yet.";
    return { id: "training", title: "Training", blocks: [{ kind: "note", text }] };
  }
  return {
    id: "training",
    title: "Training",
    blocks: [
      { kind: "table", table: trainingSummaryTable(run.config, run.history, run.best) },
      {
        kind: "figure",
        figure: await trainingCurvesFigure(
          run.history,
          run.best,
          isAugmenting(run.config.augment ?? {}),
        ),
      },
    ],
  };
}

async function resultsSections(run: RunArtifacts): Promise<Section[]> {
  if (run.evaluations.length === 0) {
    return [{
      id: "results",
      title: "Results",
      blocks: [{ kind: "note", text: "No metrics*.json: the run has not been evaluated yet." }],
    }];
  }
  const tables: Block[] = run.evaluations.map((m) => ({
    kind: "table",
    table: classificationReportTable(m),
  }));
  const matrices: Block[] = [];
  for (const m of run.evaluations) {
    // Another dataset's evaluation of the run (fer eval --data) gets a file of its own.
    const data = m.dataset === run.config.data.dataset
      ? ""
      : `${datasetLabel(m.dataset).replace(/[^\w.-]+/g, "_")}-`;
    const id = `confusion-matrix-${data}${m.split}${m.tta === "none" ? "" : `-${m.tta}`}`;
    matrices.push({ kind: "figure", figure: await confusionMatrixFigure(m, id) });
  }
  const roc: Block[] = [];
  if (run.predictions && run.test) {
    const curves = evaluationRocCurves({
      classes: run.predictions.classes,
      yTrue: run.predictions.label,
      probabilities: run.predictions.probabilities,
    });
    roc.push({ kind: "figure", figure: await rocCurvesFigure(curves, run.test) });
  } else {
    roc.push({
      kind: "note",
      text: "No ROC curves: they are drawn from predictions.csv and metrics.json (test split, " +
        "no TTA), and the run lacks one of them.",
    });
  }
  return [
    {
      id: "results",
      title: "Results",
      blocks: [{ kind: "table", table: evaluationSummaryTable(run.evaluations) }, ...tables],
    },
    { id: "confusion", title: "Confusion matrices", blocks: matrices },
    { id: "roc", title: "ROC curves", blocks: roc },
  ];
}

/** The run's data, or the reason it is unavailable. */
async function tryLoadData(run: RunArtifacts, options: ReportOptions) {
  try {
    return { data: await loadRunData(run.config, options.dataDir) };
  } catch (error) {
    return { reason: `the run's data could not be loaded (${describeError(error)})` };
  }
}

async function tryLoadModel(run: RunArtifacts) {
  if (!run.model) return { reason: "the run has no saved model (model/model.json)" };
  try {
    return { model: await loadRunModel(run.dir, run.config) };
  } catch (error) {
    return { reason: `the model could not be loaded (${describeError(error)})` };
  }
}

async function dataSection(splits: NamedSplit[], dataset: string, samples: number) {
  const train = splits[0];
  return {
    id: "data",
    title: "Data",
    blocks: [
      { kind: "figure", figure: await classDistributionFigure(splits, dataset) },
      { kind: "figure", figure: await sampleImagesFigure(train.images, samples, train.name) },
      { kind: "figure", figure: await meanFaceFigure(train.images, train.name) },
    ],
  } satisfies Section;
}

async function predictionsSection(
  run: RunArtifacts,
  test: LabeledImages,
  picks: ExamplePicks,
): Promise<Section> {
  const cards = async (rows: number[]) =>
    await Promise.all(rows.map((row) => exampleCard(run.predictions!, test, row)));
  return {
    id: "predictions",
    title: "Sample predictions",
    blocks: [
      {
        kind: "examples",
        caption: `The most confident right answers on the test split (no TTA), classes in turn ` +
          `(${picks.right.length} shown), with every class's probability.`,
        cards: await cards(picks.right),
      },
      {
        kind: "examples",
        caption: `The most confident mistakes on the test split (no TTA), predicted classes in ` +
          `turn (${picks.wrong.length} shown): the orange bar is the predicted class.`,
        cards: await cards(picks.wrong),
      },
    ],
  };
}

async function embeddingSection(
  run: RunArtifacts,
  model: RunModel,
  test: LabeledImages,
  options: ReportOptions,
): Promise<Section> {
  const indices = stratifiedCap(test, options.tsnePoints ?? 800, run.config.seed);
  const vectors = embeddings(model, test, indices);
  const coordinates = tsne2d(vectors, { seed: run.config.seed, iterations: 400 });
  const points = coordinates.map(([x, y], i) => ({
    x,
    y,
    class: test.classNames[test.labels[indices[i]]],
  }));
  const context = `the test split (${
    indices.length < test.count ? `a stratified sample of ${test.count}` : "all of it"
  }; model ${model.model.name})`;
  return {
    id: "embeddings",
    title: "Embeddings",
    blocks: [{ kind: "figure", figure: await tsneFigure(points, test.classNames, context) }],
  };
}

async function interpretabilitySection(
  run: RunArtifacts,
  model: RunModel,
  test: LabeledImages | undefined,
  picks: ExamplePicks | undefined,
  options: ReportOptions,
  skipped: string | undefined,
): Promise<Section> {
  const blocks: Block[] = figureBlock(await convFiltersFigure(model.model.model));
  if (!test || !picks) {
    blocks.push({
      kind: "note",
      text: `Feature maps and saliency maps skipped: ${skipped ?? "no test images to explain"}.`,
    });
    return { id: "interpretability", title: "Interpretability", blocks };
  }
  const predictions = run.predictions!;
  const rowOfImage = (index: number) => predictions.index.indexOf(index);
  const featureRow = options.image !== undefined ? rowOfImage(options.image) : picks.right[0] ?? 0;
  if (featureRow < 0) throw new FerError(`--image ${options.image}: no such test image`);
  const explainRows = [...picks.right.slice(0, 2), ...picks.wrong.slice(0, 2)];
  const label = (row: number) => {
    const k = predictions.classes.length;
    const predicted = predictions.predicted[row];
    const p = predictions.probabilities[row * k + predicted];
    return `test ${predictions.index[row]}: ${predictions.classes[predictions.label[row]]} → ` +
      `${predictions.classes[predicted]} (${p.toFixed(2)})`;
  };
  const inputs: tf.Tensor4D[] = [];
  const inputFor = (row: number) => {
    const tensor = modelInputs(test, model.layout, [predictions.index[row]]);
    inputs.push(tensor);
    return tensor;
  };
  try {
    blocks.push({
      kind: "figure",
      figure: await featureMapsFigure(model.model.model, inputFor(featureRow), {
        layers: options.layers,
        inputLabel: `test image ${predictions.index[featureRow]} (${
          predictions.classes[predictions.label[featureRow]]
        })`,
      }),
    });
    const examples = explainRows.map((row) => ({
      label: label(row),
      input: inputFor(row),
      classIndex: predictions.predicted[row],
    }));
    if (examples.length > 0) {
      blocks.push({
        kind: "figure",
        figure: await saliencyFigure(
          model.model.model,
          examples,
          "test images (no TTA; rows: true → predicted class (probability))",
        ),
      });
    }
  } finally {
    for (const tensor of inputs) tensor.dispose();
  }
  return { id: "interpretability", title: "Interpretability", blocks };
}

/** Every section of the report of `run`. */
async function buildReport(run: RunArtifacts, options: ReportOptions): Promise<ReportDocument> {
  const log = options.log ?? console.log;
  const samples = options.samples ?? 8;
  const sections: Section[] = [runSection(run), await trainingSection(run)];
  sections.push(...await resultsSections(run));

  const backend = await ensureBackend(options.backend);
  log(`report: loading the run's data and model (backend: ${backend})`);
  const loadedData = await tryLoadData(run, options);
  const loadedModel = await tryLoadModel(run);
  const splits: NamedSplit[] = [];
  let test: LabeledImages | undefined;
  let testReason: string | undefined;
  if (loadedData.data) {
    const { train, val, test: testSplit } = loadedData.data.splits;
    splits.push({ name: "train", images: train }, { name: "val", images: val });
    if (testSplit) splits.push({ name: "test", images: testSplit });
    sections.push(await dataSection(splits, datasetLabel(run.config.data.dataset), samples));
    test = testSplit;
    if (!testSplit) testReason = "the run's data has no test split";
    else if (!run.predictions) testReason = "predictions.csv is missing";
    else testReason = predictionsMismatch(testSplit, run.predictions);
    if (testReason) test = undefined;
  } else {
    testReason = loadedData.reason;
    sections.push({
      id: "data",
      title: "Data",
      blocks: [{
        kind: "note",
        text:
          `Data views, sample predictions, t-SNE, feature maps and saliency skipped: ${loadedData.reason}. Pass --data-dir (or set FER_DATA_DIR) to where the dataset lives.`,
      }],
    });
  }
  const picks = test && run.predictions ? pickExamples(run.predictions, samples) : undefined;
  sections.push(
    test && picks ? await predictionsSection(run, test, picks) : {
      id: "predictions",
      title: "Sample predictions",
      blocks: [{ kind: "note", text: `Skipped: ${testReason}.` }],
    },
  );

  const model = loadedModel.model;
  try {
    if (options.tsne === false) {
      sections.push({
        id: "embeddings",
        title: "Embeddings",
        blocks: [{ kind: "note", text: "t-SNE skipped (--no-tsne)." }],
      });
    } else if (model && test) {
      log("report: t-SNE of the test embeddings");
      sections.push(await embeddingSection(run, model, test, options));
    } else {
      sections.push({
        id: "embeddings",
        title: "Embeddings",
        blocks: [{ kind: "note", text: `t-SNE skipped: ${loadedModel.reason ?? testReason}.` }],
      });
    }
    if (model) {
      log("report: interpretability figures");
      sections.push(
        await interpretabilitySection(run, model, test, picks, options, testReason),
      );
    } else {
      sections.push({
        id: "interpretability",
        title: "Interpretability",
        blocks: [{ kind: "note", text: `Skipped: ${loadedModel.reason}.` }],
      });
    }
  } finally {
    model?.model.dispose();
  }

  const headline = run.test
    ? `test accuracy ${run.test.accuracy.toFixed(4)} (${run.test.split} split, ` +
      `${describeTta(run.test.tta)})`
    : "not evaluated on a test split yet";
  return {
    title: `Run report: ${run.config.model.name} on ${datasetLabel(run.config.data.dataset)}`,
    subtitle: [
      `Run folder: ${run.dir}`,
      `Optimizer ${run.config.optimizer.name}, seed ${run.config.seed}; ${headline}.`,
      `Written ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by fer report.`,
    ],
    sections,
  };
}

function collectNotes(report: ReportDocument): string[] {
  return report.sections.flatMap((section) =>
    section.blocks.flatMap((block) =>
      block.kind === "note" ? [`${section.title}: ${block.text}`] : []
    )
  );
}

/** Deletes the SVG and PNG files of an earlier report, so none outlives the report it belonged to. */
async function removeOldFigures(dir: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && /\.(svg|png)$/.test(entry.name)) await Deno.remove(join(dir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/**
 * Writes report.html, report.md and figures/ (SVG, plus PNG with `png`) into the run folder
 * `runDir`. A FerError when `runDir` is not a run folder.
 */
export async function writeReport(
  runDir: string,
  options: ReportOptions = {},
): Promise<ReportResult> {
  const run = await readRunArtifacts(runDir);
  const report = await buildReport(run, options);
  const figures = report.sections.flatMap((section) =>
    section.blocks.flatMap((block) => block.kind === "figure" ? [block.figure] : [])
  );
  const figureDir = join(runDir, "figures");
  await removeOldFigures(figureDir);
  const files = await writeFigureFiles(figures, figureDir, options.png ?? false);
  const links = new Map(
    [...files].map(([id, written]) => [id, `figures/${id}.${written.png ? "png" : "svg"}`]),
  );
  const html = join(runDir, "report.html");
  const markdown = join(runDir, "report.md");
  await Deno.writeTextFile(html, renderHtml(report));
  await Deno.writeTextFile(markdown, renderMarkdown(report, links));
  return {
    html,
    markdown,
    figureFiles: [...files.values()].flatMap((f) => (f.png ? [f.svg, f.png] : [f.svg])),
    notes: collectNotes(report),
  };
}
