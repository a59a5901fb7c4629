/**
 * Mondal et al.: three Keras Sequential CNNs of increasing depth on FER2013 (7 classes, official
 * split), Adam, 10 epochs, no augmentation; their Table 3 lists train/validation loss and accuracy.
 */
import { bestEpochOf, trainingCurvesFigure } from "../lib/report/mod.ts";
import {
  adam,
  fer2013Official,
  fixed,
  fixedEpochs,
  limited,
  markdownTable,
  runConfig,
} from "./parts.ts";
import type { Budget, Experiment, ExperimentRun } from "./types.ts";

const QUICK = { limit: 600, epochs: 3 };

const MODELS = [
  { model: "mondal-shallow", lr: 1e-3 },
  { model: "mondal-improved", lr: 1e-3 },
  { model: "mondal-deep", lr: 1e-4 },
];

const curvesId = (key: string) => `${key}-curves`;

export const mondalFer7: Experiment = {
  name: "mondal-fer7",
  title: "FER2013 7 classes: shallow, improved and deep Keras CNNs",
  paper: "Mondal et al., FER2013 CNNs of several depths (Keras); Table 3",
  budgets: {
    quick: `${QUICK.epochs} epochs on ${QUICK.limit} images per split (stratified sample)`,
    paper: "10 epochs on the full official split",
  },
  runs(budget: Budget): ExperimentRun[] {
    const quick = budget === "quick";
    return MODELS.map(({ model, lr }) => ({
      key: model,
      config: runConfig({
        name: `mondal-fer7/${model}`,
        model,
        data: limited(fer2013Official, quick ? QUICK.limit : undefined),
        optimizer: adam(lr),
        schedule: fixedEpochs(quick ? QUICK.epochs : 10, 64),
      }),
    }));
  },
  async figures(outcomes) {
    return await Promise.all(outcomes.map(async ({ run, result }) => ({
      ...await trainingCurvesFigure(
        result.history,
        bestEpochOf(result.history, result.fit.monitor),
      ),
      id: curvesId(run.key),
    })));
  },
  report(outcomes, _budget, context) {
    const rows = outcomes.map(({ run, result }) => {
      const last = result.history[result.history.length - 1];
      return [
        run.key,
        `${result.history.length} of ${run.config.schedule.epochs}`,
        fixed(last?.loss),
        fixed(last?.accuracy),
        fixed(last?.val_loss),
        fixed(last?.val_accuracy),
        fixed(result.metrics?.accuracy),
      ];
    });
    return [
      "Table 3 layout: the last epoch's training and validation (PublicTest) numbers; the test",
      "column is PrivateTest accuracy of the best-validation epoch, no TTA. The paper's own numbers",
      "are not transcribed here, so no side-by-side column is given for them.",
      "",
      markdownTable(
        ["model", "epochs", "train loss", "train acc", "val loss", "val acc", "PrivateTest acc"],
        rows,
      ),
      "",
      "Loss and accuracy per epoch (training and PublicTest), as the paper plots them:",
      ...outcomes.flatMap(({ run }) => [
        "",
        `![${run.key}: loss and accuracy per epoch](${context.link(`${curvesId(run.key)}.svg`)})`,
      ]),
    ].join("\n");
  },
};
