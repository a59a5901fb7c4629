/**
 * Comparing runs (e.g. the model × optimizer grid of a study): one summary per run folder from
 * its files alone (no weights, no data), a table, validation-accuracy curves of every run and a
 * bar chart of test accuracy, written as compare.html and compare.md.
 */
import { basename, join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { describeProtocol } from "../data/mod.ts";
import type { Table } from "./document.ts";
import { datasetLabel, describeTta } from "./evaluation_label.ts";
import { type Figure, writeFigureFiles } from "./figure.ts";
import { renderHtml } from "./html_page.ts";
import { renderMarkdown } from "./markdown_page.ts";
import { readRunArtifacts, type RunArtifacts } from "./run_artifacts.ts";
import { formatMetric } from "./tables.ts";
import { renderSvg } from "./vega_svg.ts";

/** The numbers of one run that a comparison shows (JSON-safe: `fer compare --json` prints these). */
export interface RunSummary {
  readonly dir: string;
  /** A short unique label: "model / optimizer", with the folder name when that repeats. */
  readonly label: string;
  readonly model: string;
  readonly optimizer: string;
  readonly dataset: string;
  readonly split: string;
  readonly epochsRun: number;
  /** How many runs' weights it is the mean of (fer average); undefined for a trained run. */
  readonly averageOf?: number;
  readonly epochsPlanned: number;
  /** 1-based; null when there is no history with the monitored column. */
  readonly bestEpoch: number | null;
  readonly monitor: string;
  /** Highest validation accuracy of any epoch (no TTA). */
  readonly bestValAccuracy: number | null;
  /** From metrics.json: test split, no TTA. */
  readonly testAccuracy: number | null;
  readonly macroF1: number | null;
  readonly macroAuc: number | null;
  /** Test accuracy with the run's TTA, when it has metrics-<tta>.json. */
  readonly ttaAccuracy: number | null;
  readonly tta: string;
  /** Saved weights' element count, when model/model.json exists. */
  readonly parameters: number | null;
  /** Validation accuracy per epoch, for the curves. */
  readonly valAccuracy: readonly (number | null)[];
}

function summarize(run: RunArtifacts): Omit<RunSummary, "label"> {
  const valAccuracy = run.history.map((logs) => logs.val_accuracy ?? null);
  const defined = valAccuracy.filter((v): v is number => v !== null);
  const tta = run.evaluations.find((m) => m.split === "test" && m.tta !== "none");
  return {
    dir: run.dir,
    model: run.config.model.name,
    optimizer: run.config.optimizer.name,
    dataset: datasetLabel(run.config.data.dataset),
    // "official split (Training / PublicTest / PrivateTest)" → "official split": the table is wide.
    split: (describeProtocol(run.config.data.split) ?? run.config.data.split.kind)
      .replace(/ \(.*\)$/, ""),
    epochsRun: run.history.length,
    averageOf: run.config.averagedFrom?.length,
    epochsPlanned: run.config.schedule.epochs,
    bestEpoch: run.best?.epoch ?? null,
    monitor: run.best?.monitor ?? run.config.schedule.checkpointMonitor,
    bestValAccuracy: defined.length > 0
      ? Math.max(...defined)
      // An average has no epochs, only its one validation score.
      : run.evaluations.find((m) => m.split === "validation" && m.tta === "none")?.accuracy ??
        null,
    testAccuracy: run.test?.accuracy ?? null,
    macroF1: run.test?.macro.f1 ?? null,
    macroAuc: run.test?.macro.auc ?? null,
    ttaAccuracy: tta?.accuracy ?? null,
    tta: tta?.tta ?? "none",
    parameters: run.model?.parameters ?? null,
    valAccuracy,
  };
}

/** Summaries of the run folders `dirs`, in that order, with labels made unique. */
export async function summarizeRuns(dirs: readonly string[]): Promise<RunSummary[]> {
  const summaries = await Promise.all(
    dirs.map(async (dir) => summarize(await readRunArtifacts(dir))),
  );
  const base = summaries.map((s) => `${s.model} / ${s.optimizer}`);
  return summaries.map((summary, i) => ({
    ...summary,
    label: base.filter((b) => b === base[i]).length > 1
      ? `${base[i]} (${basename(summary.dir)})`
      : base[i],
  }));
}

/** The comparison table: one row per run. */
export function comparisonTable(summaries: readonly RunSummary[]): Table {
  const datasets = [...new Set(summaries.map((s) => `${s.dataset}, ${s.split}`))];
  return {
    caption: `Runs compared. Validation accuracy is the highest of any epoch (no TTA); test ` +
      `accuracy, macro F1 and macro AUC are on the test split without TTA (metrics.json); the ` +
      `TTA column uses the TTA named in it. Data: ${datasets.join("; ")}.`,
    columns: [
      "run",
      "model",
      "optimizer",
      "dataset / split",
      "epochs run",
      "best epoch",
      "best val accuracy",
      "test accuracy",
      "macro F1",
      "macro AUC",
      "test accuracy with TTA",
      "params",
    ],
    numeric: [false, false, false, false, true, true, true, true, true, true, true, true],
    rows: summaries.map((s) => [
      s.label,
      s.model,
      s.optimizer,
      `${s.dataset} / ${s.split}`,
      s.averageOf ? `average of ${s.averageOf}` : `${s.epochsRun} of ${s.epochsPlanned}`,
      s.bestEpoch === null ? "n/a" : `${s.bestEpoch} (${s.monitor})`,
      formatMetric(s.bestValAccuracy),
      formatMetric(s.testAccuracy),
      formatMetric(s.macroF1),
      formatMetric(s.macroAuc),
      s.ttaAccuracy === null ? "n/a" : `${formatMetric(s.ttaAccuracy)} (${describeTta(s.tta)})`,
      s.parameters === null ? "n/a" : s.parameters.toLocaleString("en-US"),
    ]),
  };
}

/** Validation accuracy per epoch, one line per run, next to test accuracy bars per run. */
export function comparisonSpec(summaries: readonly RunSummary[]): TopLevelSpec {
  const labels = summaries.map((s) => s.label);
  const curves = summaries.flatMap((s) =>
    s.valAccuracy.flatMap((value, epoch) =>
      value === null ? [] : [{ run: s.label, epoch: epoch + 1, value }]
    )
  );
  const bars = summaries.flatMap((s) =>
    s.testAccuracy === null ? [] : [{ run: s.label, accuracy: s.testAccuracy }]
  );
  const color = {
    field: "run",
    type: "nominal",
    title: "run",
    scale: { domain: labels, scheme: labels.length > 10 ? "category20" : "tableau10" },
  };
  return {
    hconcat: [
      {
        title: "Validation accuracy per epoch (no TTA)",
        width: 380,
        height: 280,
        data: { values: curves },
        mark: { type: "line", point: { size: 20 } },
        encoding: {
          x: { field: "epoch", type: "quantitative", title: "epoch", axis: { tickMinStep: 1 } },
          y: { field: "value", type: "quantitative", title: "validation accuracy" },
          color,
        },
      },
      {
        title: "Test accuracy (test split, no TTA)",
        width: 260,
        height: { step: 22 },
        data: { values: bars },
        encoding: {
          y: {
            field: "run",
            type: "nominal",
            // An explicit order: a "-x" sort conflicts with the colour domain shared with the curves.
            sort: [...bars].sort((a, b) => b.accuracy - a.accuracy).map((bar) => bar.run),
            title: null,
            axis: { labelLimit: 320 },
          },
          x: {
            field: "accuracy",
            type: "quantitative",
            title: "test accuracy",
            scale: { domain: [0, 1] },
          },
        },
        layer: [
          { mark: { type: "bar" }, encoding: { color } },
          {
            mark: { type: "text", align: "left", dx: 3, fontSize: 11 },
            encoding: { text: { field: "accuracy", type: "quantitative", format: ".4f" } },
          },
        ],
      },
    ],
    resolve: { scale: { color: "shared" } },
    config: { legend: { orient: "bottom", columns: 2, labelLimit: 420 } },
  } as TopLevelSpec;
}

/** The comparison figure. */
export async function comparisonFigure(summaries: readonly RunSummary[]): Promise<Figure> {
  return {
    id: "comparison",
    title: "Runs compared",
    caption: "Left: validation accuracy per epoch of every run (no TTA). Right: test accuracy " +
      "on the test split without TTA, from each run's metrics.json, best first.",
    svg: await renderSvg(comparisonSpec(summaries)),
  };
}

/** A table as aligned plain text, for the terminal. */
export function textTable(table: Table): string {
  const rows = [table.columns, ...table.rows];
  const numeric = table.numeric ?? table.columns.map((_, i) => i > 0);
  const widths = table.columns.map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) =>
    row.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join("  ").trimEnd()
  ).join("\n");
}

/** Options of writeComparison. */
export interface CompareOptions {
  /** Also write the figure as PNG. */
  readonly png?: boolean;
}

/** What writeComparison wrote and found. */
export interface ComparisonResult {
  readonly summaries: RunSummary[];
  readonly table: Table;
  readonly html: string;
  readonly markdown: string;
}

/** Writes compare.html, compare.md and figures/comparison.svg (and .png) into `outDir`. */
export async function writeComparison(
  dirs: readonly string[],
  outDir: string,
  options: CompareOptions = {},
): Promise<ComparisonResult> {
  const summaries = await summarizeRuns(dirs);
  const table = comparisonTable(summaries);
  const figure = await comparisonFigure(summaries);
  await Deno.mkdir(outDir, { recursive: true });
  const files = await writeFigureFiles([figure], join(outDir, "figures"), options.png ?? false);
  const report = {
    title: `Comparison of ${summaries.length} runs`,
    subtitle: [
      ...summaries.map((s) => `${s.label}: ${s.dir}`),
      `Written ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC by fer compare.`,
    ],
    sections: [{
      id: "comparison",
      title: "Comparison",
      blocks: [
        { kind: "table" as const, table },
        { kind: "figure" as const, figure },
      ],
    }],
  };
  const html = join(outDir, "compare.html");
  const markdown = join(outDir, "compare.md");
  const written = files.get(figure.id)!;
  await Deno.writeTextFile(html, renderHtml(report));
  await Deno.writeTextFile(
    markdown,
    renderMarkdown(
      report,
      new Map([[figure.id, `figures/${figure.id}.${written.png ? "png" : "svg"}`]]),
    ),
  );
  return { summaries, table, html, markdown };
}
