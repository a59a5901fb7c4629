import assert from "node:assert/strict";
import { evaluationMetrics, evaluationRocCurves, trapezoidalArea } from "../lib/metrics/mod.ts";
import { Random } from "../lib/random.ts";
import {
  bestEpochOf,
  confusionMatrixFigure,
  macroAverageRocCurve,
  markdownTable,
  parsePredictionsCsv,
  rocCurvesFigure,
  svgToPng,
  textTable,
  trainingCurvesFigure,
  tsne2d,
} from "../lib/report/mod.ts";
import { DataError } from "../lib/errors.ts";

const CLASSES = ["angry", "happy", "neutral", "sad"];

/** Noisy but informative probabilities, rounded to 2 decimals so that ties occur. */
function fakeEvaluation(count = 120, seed = 1) {
  const random = new Random(seed);
  const k = CLASSES.length;
  const yTrue = Array.from({ length: count }, (_, i) => i % k);
  const probabilities = new Float64Array(count * k);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const p = random.next() + (c === yTrue[i] ? 0.6 : 0);
      probabilities[i * k + c] = p;
      sum += p;
    }
    for (let c = 0; c < k; c++) {
      probabilities[i * k + c] = Math.round(100 * probabilities[i * k + c] / sum) / 100;
    }
  }
  const input = {
    dataset: "fer2013",
    split: "test",
    tta: "none",
    classes: CLASSES,
    yTrue,
    probabilities,
  };
  return { input, metrics: evaluationMetrics(input), curves: evaluationRocCurves(input) };
}

function history(epochs: number) {
  return Array.from({ length: epochs }, (_, epoch) => ({
    epoch,
    loss: 1 / (epoch + 1),
    accuracy: 0.5 + epoch / 40,
    val_loss: 1.1 / (epoch + 1),
    val_accuracy: [0.4, 0.55, 0.61, 0.61, 0.58][epoch] ?? 0.5,
    lr: epoch < 3 ? 1e-3 : 1e-4,
    seconds: 2,
  }));
}

Deno.test("the macro-average ROC curve's area is the macro AUC of lib/metrics", () => {
  for (const seed of [1, 2, 3]) {
    const { metrics, curves } = fakeEvaluation(90, seed);
    const perClass = CLASSES.map((name) => curves.perClass[name]!);
    const macro = macroAverageRocCurve(perClass);
    assert.ok(macro.fpr.every((x, i) => i === 0 || x >= macro.fpr[i - 1]), "fpr is sorted");
    assert.ok(Math.abs(trapezoidalArea(macro.fpr, macro.tpr) - metrics.macro.auc!) < 1e-12);
  }
});

Deno.test("training curves label axes, splits, the learning rate and the best epoch", async () => {
  const logs = history(5);
  const best = bestEpochOf(logs, "val_accuracy")!;
  assert.deepEqual(best, { epoch: 3, monitor: "val_accuracy", value: 0.61 }, "first best wins");
  assert.equal(bestEpochOf(logs, "val_loss")!.epoch, 5);
  const figure = await trainingCurvesFigure(logs, best, false);
  for (const text of ["epoch", "loss", "accuracy", "learning rate", "train", "validation"]) {
    assert.match(figure.svg, new RegExp(`>${text}<`), `the SVG shows '${text}'`);
  }
  assert.match(figure.svg, />best epoch 3</);
  assert.match(figure.caption, /epoch 3, the best by val_accuracy \(0\.6100\)/);
  assert.match(figure.caption, /during the epoch, without augmentation\)/);
  assert.equal(bestEpochOf([], "val_accuracy"), undefined);
});

Deno.test("the confusion matrix shows class names, counts and row fractions", async () => {
  const { metrics } = fakeEvaluation();
  const figure = await confusionMatrixFigure(metrics);
  for (const name of CLASSES) assert.match(figure.svg, new RegExp(`>${name}<`));
  assert.match(figure.svg, />true class</);
  assert.match(figure.svg, />predicted class</);
  const row = metrics.confusionMatrix[1];
  const fraction = (row[1] / row.reduce((a, b) => a + b, 0)).toFixed(2);
  assert.match(figure.svg, new RegExp(`>${row[1]}<`), "a count cell");
  assert.match(figure.svg, new RegExp(`>${fraction}<`), "its row fraction");
  assert.match(figure.title, /fer2013, test split, 120 images, no TTA/);
});

Deno.test("ROC legends carry metrics.json's AUCs, with micro and macro averages", async () => {
  const { metrics, curves } = fakeEvaluation();
  const figure = await rocCurvesFigure(curves, metrics);
  for (const name of CLASSES) {
    const auc = metrics.perClass[name].auc!.toFixed(3);
    assert.match(figure.svg, new RegExp(`>${name} \\(AUC ${auc}\\)<`));
  }
  assert.match(figure.svg, new RegExp(`>micro-average \\(AUC ${metrics.micro.auc.toFixed(3)}\\)<`));
  assert.match(
    figure.svg,
    new RegExp(`>macro-average \\(AUC ${metrics.macro.auc!.toFixed(3)}\\)<`),
  );
  assert.match(figure.svg, />false positive rate</);
});

Deno.test("SVG becomes a PNG twice the size, text included", async () => {
  const { metrics } = fakeEvaluation();
  const figure = await confusionMatrixFigure(metrics);
  const png = await svgToPng(figure.svg);
  assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71], "PNG signature");
  const view = new DataView(png.buffer, png.byteOffset);
  const svgWidth = Number(figure.svg.match(/width="(\d+)"/)![1]);
  assert.equal(view.getUint32(16), svgWidth * 2);
  // The same chart without its text is smaller: the fonts were found and drew something.
  const blank = await svgToPng(figure.svg.replace(/<text[^>]*>[^<]*<\/text>/g, ""));
  assert.ok(png.length > blank.length * 1.05, `${png.length} vs ${blank.length} bytes`);
});

Deno.test("predictions.csv parses quoted origins and reports bad rows by line", () => {
  const text = 'index,origin,label,predicted,p_happy,p_sad\n0,"a,b.png",happy,sad,0.4,0.6\n' +
    "1,x.csv:3,sad,sad,0.1,0.9\n";
  const parsed = parsePredictionsCsv(text);
  assert.deepEqual(parsed.classes, ["happy", "sad"]);
  assert.deepEqual(parsed.origin, ["a,b.png", "x.csv:3"]);
  assert.deepEqual(parsed.label, [0, 1]);
  assert.deepEqual([...parsed.probabilities], [0.4, 0.6, 0.1, 0.9]);
  assert.throws(
    () => parsePredictionsCsv(text.replace("0.9", "high")),
    (e: unknown) => e instanceof DataError && /predictions\.csv:3: bad probability/.test(e.message),
  );
  assert.throws(() => parsePredictionsCsv(text.replace(",sad,sad", ",sad,calm")), /unknown class/);
});

Deno.test("t-SNE keeps separated clusters apart and is repeatable by seed", () => {
  const random = new Random(5);
  const vectors = Array.from(
    { length: 60 },
    (_, i) => Array.from({ length: 16 }, () => random.normal() + (i % 2) * 12),
  );
  const map = tsne2d(vectors, { seed: 1, iterations: 250 });
  let agree = 0;
  map.forEach(([x, y], i) => {
    let nearest = -1;
    let best = Infinity;
    map.forEach(([u, v], j) => {
      const d = (x - u) ** 2 + (y - v) ** 2;
      if (j !== i && d < best) [best, nearest] = [d, j];
    });
    if (nearest % 2 === i % 2) agree++;
  });
  assert.equal(agree, 60, "every point's nearest neighbour is from its own cluster");
  assert.deepEqual(tsne2d(vectors, { seed: 1, iterations: 250 }), map);
});

Deno.test("tables render as Markdown and aligned text", () => {
  const table = {
    caption: "numbers | pipes",
    columns: ["name", "value"],
    rows: [["a|b", "1.5000"], ["c", "10.0000"]],
  };
  assert.equal(
    markdownTable(table),
    "*numbers \\| pipes*\n\n| name | value |\n| --- | ---: |\n| a\\|b | 1.5000 |\n| c | 10.0000 |",
  );
  assert.equal(textTable(table), "name    value\na|b    1.5000\nc     10.0000");
});
