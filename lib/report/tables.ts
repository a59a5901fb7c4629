/**
 * The tables of a report, built from metrics.json contents and the run config. Every number is
 * one lib/metrics computed; here it is only formatted (Python-style rounding, `formatFixed`).
 */
import { isAugmenting } from "../augment/mod.ts";
import { describeProtocol } from "../data/mod.ts";
import { type EvaluationMetrics, formatFixed } from "../metrics/mod.ts";
import type { EpochLogs } from "../train/callbacks.ts";
import type { RunConfig } from "../train/config.ts";
import type { BestEpoch } from "./best_epoch.ts";
import type { Table } from "./document.ts";
import { datasetLabel, describeEvaluation, describeTta } from "./evaluation_label.ts";

/** Decimals of every metric in the tables. */
export const METRIC_DIGITS = 4;

/** A metric with METRIC_DIGITS decimals; "n/a" for a null (undefined) AUC. */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined ? "n/a" : formatFixed(value, METRIC_DIGITS);
}

/** One row per evaluation: the headline numbers side by side, each with its split and TTA. */
export function evaluationSummaryTable(evaluations: readonly EvaluationMetrics[]): Table {
  return {
    caption: "Headline metrics of every evaluation of this run. Each row names its dataset, " +
      "split and test-time augmentation (TTA); macro averages weight every class equally.",
    columns: [
      "dataset",
      "split",
      "TTA",
      "images",
      "accuracy",
      "top-2 accuracy",
      "macro precision",
      "macro recall",
      "macro F1",
      "weighted F1",
      "macro AUC",
      "micro AUC",
    ],
    numeric: [false, false, false, true, true, true, true, true, true, true, true, true],
    rows: evaluations.map((m) => [
      datasetLabel(m.dataset),
      m.split,
      describeTta(m.tta),
      String(m.count),
      formatMetric(m.accuracy),
      formatMetric(m.top2Accuracy),
      formatMetric(m.macro.precision),
      formatMetric(m.macro.recall),
      formatMetric(m.macro.f1),
      formatMetric(m.weighted.f1),
      formatMetric(m.macro.auc),
      formatMetric(m.micro.auc),
    ]),
  };
}

/**
 * The classification report of one evaluation, laid out like sklearn's (per class, then accuracy,
 * macro avg and weighted avg), plus each class's one-vs-rest AUC.
 */
export function classificationReportTable(metrics: EvaluationMetrics): Table {
  const classRows = metrics.classes.map((name) => {
    const c = metrics.perClass[name];
    return [
      name,
      formatMetric(c.precision),
      formatMetric(c.recall),
      formatMetric(c.f1),
      String(c.support),
      formatMetric(c.auc),
    ];
  });
  return {
    caption: `Classification report: ${describeEvaluation(metrics)}.`,
    columns: ["class", "precision", "recall", "f1-score", "support", "AUC"],
    rows: [
      ...classRows,
      ["accuracy", "", "", formatMetric(metrics.accuracy), String(metrics.count), ""],
      [
        "macro avg",
        formatMetric(metrics.macro.precision),
        formatMetric(metrics.macro.recall),
        formatMetric(metrics.macro.f1),
        String(metrics.count),
        formatMetric(metrics.macro.auc),
      ],
      [
        "weighted avg",
        formatMetric(metrics.weighted.precision),
        formatMetric(metrics.weighted.recall),
        formatMetric(metrics.weighted.f1),
        String(metrics.count),
        "",
      ],
    ],
  };
}

/** How training went: epochs, the selected epoch and its validation numbers, time. */
export function trainingSummaryTable(
  config: RunConfig,
  history: readonly EpochLogs[],
  best: BestEpoch | undefined,
): Table {
  const last = history[history.length - 1];
  const seconds = history.reduce((sum, logs) => sum + logs.seconds, 0);
  const bestLogs = best ? history[best.epoch - 1] : undefined;
  const rows: string[][] = [
    ["epochs run", `${history.length} of ${config.schedule.epochs}`],
    [
      "selected epoch",
      best ? `${best.epoch} (best ${best.monitor} on the validation split)` : "n/a",
    ],
    ["validation accuracy at that epoch (no TTA)", formatMetric(bestLogs?.val_accuracy)],
    ["validation loss at that epoch (no TTA)", formatMetric(bestLogs?.val_loss)],
    [
      `last epoch training accuracy (running${
        isAugmenting(config.augment ?? {}) ? ", augmented" : ", no augmentation"
      })`,
      formatMetric(last?.accuracy),
    ],
    ["last learning rate", last ? String(last.lr) : "n/a"],
    ["training time", `${(seconds / 60).toFixed(1)} min`],
  ];
  return {
    caption: "Training summary, from history.csv. The selected epoch's weights are the model " +
      "that every test number below evaluates.",
    columns: ["quantity", "value"],
    numeric: [false, false],
    rows,
  };
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(", ");
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The run's configuration as key/value rows, nested keys joined with dots. */
export function configTable(config: RunConfig): Table {
  const rows: string[][] = [];
  const visit = (prefix: string, value: unknown) => {
    const isRecord = value !== null && typeof value === "object" && !Array.isArray(value);
    if (isRecord && Object.keys(value).length > 0) {
      for (const [key, inner] of Object.entries(value)) {
        visit(prefix ? `${prefix}.${key}` : key, inner);
      }
    } else {
      rows.push([prefix, describeValue(value)]);
    }
  };
  visit("", config);
  const protocol = config.data?.split ? describeProtocol(config.data.split) : undefined;
  return {
    caption: `config.json: everything the run was made from${
      protocol ? ` (data split: ${protocol})` : ""
    }.`,
    columns: ["setting", "value"],
    numeric: [false, false],
    rows,
  };
}
