/**
 * Training curves: loss and accuracy per epoch for the training and validation splits, the
 * learning rate on a log axis, and the epoch the checkpoint monitor selected marked on each panel.
 */
import type { TopLevelSpec } from "vega-lite";
import type { EpochLogs } from "../../train/callbacks.ts";
import type { BestEpoch } from "../best_epoch.ts";
import type { Figure } from "../figure.ts";
import { renderSvg } from "../vega_svg.ts";

const SPLIT_ORDER = ["train", "validation"];

interface CurvePoint {
  readonly epoch: number;
  readonly split: string;
  readonly value: number;
}

function curvePoints(history: readonly EpochLogs[], key: "loss" | "accuracy"): CurvePoint[] {
  const points: CurvePoint[] = [];
  for (const logs of history) {
    points.push({ epoch: logs.epoch + 1, split: "train", value: logs[key] });
    const validation = logs[`val_${key}`];
    if (validation !== undefined) {
      points.push({ epoch: logs.epoch + 1, split: "validation", value: validation });
    }
  }
  return points;
}

/** The dashed rule and label at the selected epoch, layered over a panel. */
function bestEpochLayers(best: BestEpoch | undefined) {
  if (!best) return [];
  const data = { values: [{ epoch: best.epoch, label: `best epoch ${best.epoch}` }] };
  return [
    {
      data,
      mark: { type: "rule" as const, color: "#555", strokeDash: [4, 3] },
      encoding: { x: { field: "epoch", type: "quantitative" as const } },
    },
    {
      data,
      mark: {
        type: "text" as const,
        align: "left" as const,
        baseline: "top" as const,
        dx: 4,
        dy: 4,
        fontSize: 11,
        color: "#333",
      },
      encoding: {
        x: { field: "epoch", type: "quantitative" as const },
        y: { value: 0 },
        text: { field: "label", type: "nominal" as const },
      },
    },
  ];
}

function curvePanel(
  title: string,
  points: CurvePoint[],
  best: BestEpoch | undefined,
  yTitle: string,
) {
  return {
    title,
    width: 300,
    height: 220,
    layer: [
      {
        data: { values: points },
        mark: { type: "line" as const, point: { size: 25 } },
        encoding: {
          x: {
            field: "epoch",
            type: "quantitative" as const,
            title: "epoch",
            axis: { tickMinStep: 1, format: "d" },
          },
          y: { field: "value", type: "quantitative" as const, title: yTitle },
          color: {
            field: "split",
            type: "nominal" as const,
            title: "split",
            scale: { domain: SPLIT_ORDER, range: ["#4c78a8", "#f58518"] },
          },
        },
      },
      ...bestEpochLayers(best),
    ],
  };
}

/** The Vega-Lite spec of the training curves (three panels side by side). */
export function trainingCurvesSpec(
  history: readonly EpochLogs[],
  best?: BestEpoch,
): TopLevelSpec {
  const learningRates = history.map((logs) => ({ epoch: logs.epoch + 1, lr: logs.lr }));
  const rates = learningRates.map((point) => point.lr);
  // A log axis only pays off when the rate spans a decade or more; below that it shows minor ticks.
  const logScale = rates.every((lr) => lr > 0) && Math.max(...rates) >= 10 * Math.min(...rates);
  return {
    hconcat: [
      curvePanel("Loss", curvePoints(history, "loss"), best, "loss"),
      curvePanel("Accuracy", curvePoints(history, "accuracy"), best, "accuracy"),
      {
        title: "Learning rate",
        width: 220,
        height: 220,
        layer: [
          {
            data: { values: learningRates },
            mark: {
              type: "line",
              point: { size: 25 },
              color: "#54a24b",
              interpolate: "step-after",
            },
            encoding: {
              x: {
                field: "epoch",
                type: "quantitative",
                title: "epoch",
                axis: { tickMinStep: 1, format: "d" },
              },
              y: {
                field: "lr",
                type: "quantitative",
                title: "learning rate",
                scale: logScale ? { type: "log" } : { zero: false, padding: 10 },
                axis: logScale ? { format: ".0e", tickCount: 5 } : { format: "~g", tickCount: 5 },
              },
            },
          },
          ...bestEpochLayers(best),
        ],
      },
    ],
    resolve: { scale: { color: "shared" } },
    config: { legend: { orient: "bottom" } },
  } as TopLevelSpec;
}

/** The training-curves figure of a run's history. */
export async function trainingCurvesFigure(
  history: readonly EpochLogs[],
  best: BestEpoch | undefined,
  augmented: boolean,
): Promise<Figure> {
  const selection = best
    ? ` The dashed line marks epoch ${best.epoch}, the best by ${best.monitor} ` +
      `(${best.value.toFixed(4)}), whose weights the run kept.`
    : "";
  return {
    id: "training-curves",
    title: "Training curves",
    caption: `Loss and accuracy per epoch on the training split (as measured during the epoch, ` +
      `${augmented ? "with" : "without"} augmentation) and on the validation split (no TTA), ` +
      `and the learning rate.${selection}`,
    svg: await renderSvg(trainingCurvesSpec(history, best)),
  };
}
