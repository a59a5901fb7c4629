/**
 * Reports people would rather look at than read: plots of a training run (curves, confusion
 * matrices, ROC, data views, t-SNE, filters, feature maps, saliency), the self-contained
 * report.html + report.md of a run, and the comparison of several runs. Charts are Vega-Lite specs
 * rendered headless to SVG (PNG through resvg-wasm).
 *
 * @example
 * ```ts
 * await writeReport("runs/mondal-shallow-fer2013-20250101-120000", { png: true });
 * await writeComparison(["runs/a", "runs/b"], "runs/compare");
 * ```
 * @module
 */
export { type ReportOptions, type ReportResult, writeReport } from "./report.ts";
export {
  type CompareOptions,
  comparisonFigure,
  type ComparisonResult,
  comparisonSpec,
  comparisonTable,
  type RunSummary,
  summarizeRuns,
  textTable,
  writeComparison,
} from "./compare.ts";
export { readRunArtifacts, type RunArtifacts, type SavedModelInfo } from "./run_artifacts.ts";
export { parsePredictionsCsv, type RunPredictions } from "./predictions_csv.ts";
export { type BestEpoch, bestEpochOf } from "./best_epoch.ts";
export type { Block, ExampleCard, ReportDocument, Section, Table } from "./document.ts";
export { escapeHtml, renderHtml } from "./html_page.ts";
export { markdownTable, renderMarkdown } from "./markdown_page.ts";
export {
  classificationReportTable,
  configTable,
  evaluationSummaryTable,
  formatMetric,
  METRIC_DIGITS,
  trainingSummaryTable,
} from "./tables.ts";
export { datasetLabel, describeEvaluation, describeTta } from "./evaluation_label.ts";
export { type Figure, type FigureFiles, writeFigureFiles } from "./figure.ts";
export { CHART_FONT, CHART_THEME, renderSvg, withTheme } from "./vega_svg.ts";
export { type PngOptions, svgToPng } from "./svg_to_png.ts";
export {
  encodePng,
  floatImage,
  type FloatImageOptions,
  imageDataUri,
  overlayImage,
  type PixelImage,
  pngDataUri,
  type ValueRange,
  valueRange,
} from "./pixel_images.ts";
export { trainingCurvesFigure, trainingCurvesSpec } from "./plots/training_curves.ts";
export { confusionMatrixFigure, confusionMatrixSpec } from "./plots/confusion_matrix.ts";
export { rocCurvesFigure, rocCurvesSpec } from "./plots/roc_curves.ts";
export {
  type EmotionSeries,
  emotionTimelineFigure,
  emotionTimelineSpec,
} from "./plots/emotion_timeline.ts";
export { macroAverageRocCurve, type RatePoints } from "./roc_average.ts";
export {
  classDistributionFigure,
  classDistributionSpec,
  type ClassPixelStatistics,
  classPixelStatistics,
  imageAt,
  meanFaceFigure,
  type NamedSplit,
  sampleImagesFigure,
  sampleIndices,
} from "./plots/dataset_views.ts";
export { type GridImage, type ImageGridOptions, imageGridSpec } from "./plots/image_grid.ts";
export { convFiltersFigure, filterImage, firstConvLayer } from "./interpret/conv_filters.ts";
export {
  defaultFeatureLayers,
  featureMapsFigure,
  type FeatureMapsOptions,
  spatialLayerNames,
} from "./interpret/feature_maps.ts";
export {
  type SaliencyExample,
  saliencyFigure,
  type SaliencyMap,
  saliencyMap,
} from "./interpret/saliency.ts";
export {
  stratifiedCap,
  tsne2d,
  tsneFigure,
  type TsneOptions,
  type TsnePoint,
  tsneSpec,
} from "./tsne.ts";
export {
  embeddings,
  loadRunData,
  loadRunModel,
  modelInputs,
  predictionsMismatch,
  type RunModel,
} from "./run_inputs.ts";
export { exampleCard, type ExamplePicks, pickExamples } from "./prediction_examples.ts";
