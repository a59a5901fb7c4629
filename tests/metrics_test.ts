import assert from "node:assert/strict";
import { DataError, UsageError } from "../lib/errors.ts";
import {
  accuracy,
  classificationReport,
  classificationScores,
  confusionMatrix,
  evaluationMetrics,
  evaluationRocCurves,
  formatFixed,
  microRocCurve,
  normalizeRows,
  oneVsRestRocCurves,
  rocArea,
  rocAuc,
  rocCurve,
  topKAccuracy,
  trapezoidalArea,
} from "../lib/metrics/mod.ts";

// Five samples, three classes. Class 0 ("happy") is never predicted; class 2 ("neutral") has no
// true samples. Argmax predictions: 1, 2, 1, 1, 2.
const classes = ["happy", "sad", "neutral"];
const yTrue = Uint8Array.of(0, 0, 1, 1, 1);
// deno-fmt-ignore
const probabilities = Float32Array.of(
  0.3, 0.6, 0.1,
  0.2, 0.1, 0.7,
  0.1, 0.8, 0.1,
  0.2, 0.5, 0.3,
  0.4, 0.1, 0.5,
);

function assertClose(actual: number | null, expected: number, message?: string): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) < 1e-9,
    `${message ?? ""} ${actual} ≠ ${expected}`,
  );
}

function assertAllClose(actual: readonly number[], expected: readonly number[]): void {
  assert.equal(actual.length, expected.length, `${actual} vs ${expected}`);
  actual.forEach((value, i) => assertClose(value, expected[i], `[${i}] of ${actual}`));
}

Deno.test("accuracy and top-2 accuracy by hand", () => {
  assertClose(accuracy(yTrue, probabilities), 2 / 5);
  // Only sample 4 (truth scored 0.1, below 0.4 and 0.5) misses the top 2.
  assertClose(topKAccuracy(yTrue, probabilities, 2), 4 / 5);
  assertClose(topKAccuracy(yTrue, probabilities, 1), 2 / 5);
  assertClose(topKAccuracy(yTrue, probabilities, 3), 1);
});

Deno.test("top-k breaks ties like sklearn: the higher class index ranks first", () => {
  const tied = Float32Array.of(0.4, 0.4, 0.2);
  assertClose(topKAccuracy([1], tied, 1), 1);
  assertClose(topKAccuracy([0], tied, 1), 0);
  assertClose(topKAccuracy([0], tied, 2), 1);
  // argmax takes the first of tied maxima, as numpy does.
  assertClose(accuracy([0], tied), 1);
});

Deno.test("confusion matrix counts and row normalisation (an empty row stays zero)", () => {
  const matrix = confusionMatrix(yTrue, probabilities);
  assert.deepEqual(matrix, [[0, 1, 1], [0, 2, 1], [0, 0, 0]]);
  const normalized = normalizeRows(matrix);
  assert.deepEqual(normalized[0], [0, 0.5, 0.5]);
  assertAllClose(normalized[1], [0, 2 / 3, 1 / 3]);
  assert.deepEqual(normalized[2], [0, 0, 0]);
});

Deno.test("precision, recall, F1 with zero_division 0 and micro/macro/weighted averages", () => {
  const scores = classificationScores(yTrue, probabilities);
  // happy: never predicted → precision 0; recall 0/2.
  assert.deepEqual(scores.perClass[0], { precision: 0, recall: 0, f1: 0, support: 2 });
  // sad: tp 2, fp 1, fn 1.
  assertAllClose(
    [scores.perClass[1].precision, scores.perClass[1].recall, scores.perClass[1].f1],
    [2 / 3, 2 / 3, 2 / 3],
  );
  assert.equal(scores.perClass[1].support, 3);
  // neutral: no true samples → recall 0; predicted twice wrongly → precision 0.
  assert.deepEqual(scores.perClass[2], { precision: 0, recall: 0, f1: 0, support: 0 });
  // sklearn, labels=[0,1,2]: macro = mean over all three classes, weighted by support 2,3,0.
  assertAllClose(Object.values(scores.macro), [2 / 9, 2 / 9, 2 / 9]);
  assertAllClose(Object.values(scores.weighted), [0.4, 0.4, 0.4]);
  assertAllClose(Object.values(scores.micro), [0.4, 0.4, 0.4]);
});

Deno.test("F1 differs from precision and recall when they differ", () => {
  // Truth 0,0,0,1; predictions 0,1,1,1: class 0 P=1 R=1/3 F1=0.5; class 1 P=1/3 R=1 F1=0.5.
  const probs = Float32Array.of(0.9, 0.1, 0.2, 0.8, 0.3, 0.7, 0.1, 0.9);
  const scores = classificationScores([0, 0, 0, 1], probs);
  assertAllClose(
    scores.perClass.flatMap((s) => [s.precision, s.recall, s.f1]),
    [1, 1 / 3, 0.5, 1 / 3, 1, 0.5],
  );
  // weighted by support 3 and 1.
  assertAllClose(Object.values(scores.weighted), [(3 + 1 / 3) / 4, (1 + 1) / 4, 0.5]);
});

Deno.test("ROC curve matches sklearn's documented example", () => {
  // sklearn.metrics.roc_curve docstring: y=[1,1,2,2], scores=[0.1,0.4,0.35,0.8], pos_label=2.
  const curve = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])!;
  assert.deepEqual(curve.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(curve.tpr, [0, 0.5, 0.5, 1, 1]);
  assert.deepEqual(curve.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
  assert.equal(rocArea(curve), 0.75);
});

Deno.test("tied scores form one diagonal step, counting a tied pair as half", () => {
  const curve = rocCurve([1, 0, 1, 0], [0.5, 0.5, 0.9, 0.1])!;
  assert.deepEqual(curve.fpr, [0, 0, 0.5, 1]);
  assert.deepEqual(curve.tpr, [0, 0.5, 1, 1]);
  assert.deepEqual(curve.thresholds, [Infinity, 0.9, 0.5, 0.1]);
  // Mann-Whitney by hand: pairs (0.5,0.5)=½, (0.5,0.1)=1, (0.9,0.5)=1, (0.9,0.1)=1 → 3.5/4.
  assert.equal(rocArea(curve), 0.875);
});

Deno.test("collinear points are dropped like sklearn's drop_intermediate, unless asked", () => {
  const dropped = rocCurve([1, 1, 1, 0], [0.9, 0.8, 0.7, 0.1])!;
  assert.deepEqual(dropped.thresholds, [Infinity, 0.9, 0.7, 0.1]);
  assertAllClose(dropped.tpr, [0, 1 / 3, 1, 1]);
  assert.deepEqual(dropped.fpr, [0, 0, 0, 1]);
  const full = rocCurve([1, 1, 1, 0], [0.9, 0.8, 0.7, 0.1], { dropIntermediate: false })!;
  assert.deepEqual(full.thresholds, [Infinity, 0.9, 0.8, 0.7, 0.1]);
  assert.equal(rocArea(full), rocArea(dropped));
  assert.equal(rocArea(full), 1);
});

Deno.test("a ROC curve needs both positives and negatives", () => {
  assert.equal(rocCurve([1, 1], [0.2, 0.3]), undefined);
  assert.equal(rocCurve([0, 0], [0.2, 0.3]), undefined);
});

Deno.test("trapezoidal area", () => {
  assert.equal(trapezoidalArea([0, 1], [0, 1]), 0.5);
  assert.equal(trapezoidalArea([0, 0.5, 1], [0, 1, 1]), 0.75);
});

Deno.test("one-vs-rest curves, per-class / macro / micro AUC by hand", () => {
  const curves = oneVsRestRocCurves(yTrue, probabilities);
  // happy vs rest: scores .3 .2 | .1 .2 .4 (positives | negatives).
  const f = Math.fround;
  assertAllClose(curves[0]!.fpr, [0, 1 / 3, 1 / 3, 2 / 3, 1]);
  assertAllClose(curves[0]!.tpr, [0, 0, 0.5, 1, 1]);
  assert.deepEqual(curves[0]!.thresholds, [Infinity, f(0.4), f(0.3), f(0.2), f(0.1)]);
  assert.equal(curves[2], undefined, "neutral has no true samples");

  const auc = rocAuc(yTrue, probabilities);
  // happy: pairs won 2 + 1.5 of 6; sad: positives .8 .5 .1 vs negatives .6 .1 → 2 + 1 + .5 of 6.
  assertClose(auc.perClass[0], 3.5 / 6);
  assertClose(auc.perClass[1], 3.5 / 6);
  assert.equal(auc.perClass[2], null);
  assertClose(auc.macro, 3.5 / 6, "macro excludes the undefined class");
  // Micro: 5 positives vs 10 negatives over the flattened one-hot matrix; wins counted by hand:
  // .3 → 5.5, .2 → 4.5, .8 → 10, .5 → 7.5, .1 → 2 (four tied negatives at .1).
  assertClose(auc.micro, 29.5 / 50);
  assertClose(rocArea(microRocCurve(yTrue, probabilities)), 29.5 / 50);
});

Deno.test("formatFixed rounds exact ties to even like Python", () => {
  assert.equal(formatFixed(0.125, 2), "0.12");
  assert.equal(formatFixed(0.375, 2), "0.38");
  assert.equal(formatFixed(0.625, 2), "0.62");
  // Printed as "…5" but stored above the tie: Python rounds these up, and so must we.
  assert.equal(formatFixed(0.225, 2), "0.23");
  assert.equal(formatFixed(1 / 40, 2), "0.03");
  assert.equal(formatFixed(13 / 80, 3), "0.163");
  assert.equal(formatFixed(21 / 160, 4), "0.1313");
  assert.equal(formatFixed(2 / 3, 2), "0.67");
  assert.equal(formatFixed(0.5, 0), "0");
  assert.equal(formatFixed(1.5, 0), "2");
  assert.equal(formatFixed(0.1251, 2), "0.13");
  assert.equal(formatFixed(-0.125, 2), "-0.12");
});

Deno.test("classification report is laid out like sklearn's", () => {
  const expected = [
    "              precision    recall  f1-score   support",
    "",
    "       happy       0.00      0.00      0.00         2",
    "         sad       0.67      0.67      0.67         3",
    "     neutral       0.00      0.00      0.00         0",
    "",
    "    accuracy                           0.40         5",
    "   macro avg       0.22      0.22      0.22         5",
    "weighted avg       0.40      0.40      0.40         5",
    "",
  ].join("\n");
  assert.equal(classificationReport(yTrue, probabilities, classes), expected);
  // A long class name widens the first column; digits=3.
  const wide = classificationReport(yTrue, probabilities, ["happy", "sad", "very-long-name-x"], 3);
  assert.match(wide, /^ {16} {2}precision/);
  assert.match(wide, /\n {13}sad {6}0\.667 {5}0\.667 {5}0\.667 {9}3\n/);
});

Deno.test("metrics.json has exactly the agreed shape and values", () => {
  const metrics = evaluationMetrics({
    dataset: "fer2013",
    split: "test",
    tta: "none",
    classes,
    yTrue,
    probabilities,
  });
  assert.deepEqual(Object.keys(metrics), [
    "dataset",
    "split",
    "tta",
    "accuracy",
    "top2Accuracy",
    "macro",
    "micro",
    "weighted",
    "perClass",
    "confusionMatrix",
    "classes",
    "count",
  ]);
  assert.deepEqual(Object.keys(metrics.macro), ["precision", "recall", "f1", "auc"]);
  assert.deepEqual(Object.keys(metrics.micro), ["precision", "recall", "f1", "auc"]);
  assert.deepEqual(Object.keys(metrics.weighted), ["precision", "recall", "f1"]);
  assert.deepEqual(Object.keys(metrics.perClass), classes);
  assert.deepEqual(Object.keys(metrics.perClass.sad), [
    "precision",
    "recall",
    "f1",
    "support",
    "auc",
  ]);
  assertClose(metrics.accuracy, 0.4);
  assertClose(metrics.top2Accuracy, 0.8);
  assertClose(metrics.macro.f1, 2 / 9);
  assertClose(metrics.macro.auc, 3.5 / 6);
  assertClose(metrics.micro.auc, 0.59);
  assertClose(metrics.weighted.recall, 0.4);
  assert.equal(metrics.perClass.neutral.auc, null);
  assert.equal(metrics.perClass.happy.support, 2);
  assert.deepEqual(metrics.confusionMatrix, [[0, 1, 1], [0, 2, 1], [0, 0, 0]]);
  assert.equal(metrics.count, 5);
  // JSON round trip keeps it (null AUC included).
  assert.deepEqual(JSON.parse(JSON.stringify(metrics)), metrics);
});

Deno.test("ROC curves for plots are keyed by class", () => {
  const roc = evaluationRocCurves({ classes, yTrue, probabilities });
  assert.deepEqual(Object.keys(roc.perClass), classes);
  assert.equal(roc.perClass.neutral, null);
  assertAllClose(roc.perClass.happy!.tpr, [0, 0, 0.5, 1, 1]);
  assertClose(rocArea(roc.micro), 0.59);
});

Deno.test("bad inputs get clear errors", () => {
  assert.throws(() => accuracy([], []), DataError);
  assert.throws(() => accuracy([0, 1], [0.5, 0.5, 1]), /not N×K for the 2 labels/);
  assert.throws(() => accuracy([0, 1], [1, 1]), /at least 2/);
  assert.throws(
    () => accuracy([0, 3], [0.5, 0.5, 0.5, 0.5]),
    /yTrue\[1\] is 3, not a class index in 0\.\.1/,
  );
  assert.throws(() => accuracy([0.5], [0.5, 0.5]), /yTrue\[0\] is 0.5/);
  assert.throws(() => accuracy([0], [NaN, 0.5]), /sample 0, class 0 is NaN/);
  assert.throws(() => topKAccuracy([0], [0.5, 0.5], 0), UsageError);
  assert.throws(() => rocCurve([1, 0], [0.5]), /2 labels but 1 scores/);
  assert.throws(
    () =>
      evaluationMetrics({
        dataset: "d",
        split: "s",
        tta: "none",
        classes: ["a", "b"],
        yTrue,
        probabilities,
      }),
    /2 class names \(a, b\) for 3 probability columns/,
  );
  assert.throws(() => classificationReport([0], [0.5, 0.5], ["a", "a"]), /'a' appears twice/);
});
