/**
 * Mondal et al.: three Keras Sequential CNNs of increasing depth on FER2013 (7 classes, official
 * split), Adam, 10 epochs, no augmentation; their Table 3 lists train/validation loss and accuracy.
 */
import { isAugmenting } from "../lib/augment/mod.ts";
import {
  bestEpochOf,
  type Figure,
  markdownTable,
  trainingCurvesFigure,
} from "../lib/report/mod.ts";
import {
  accuracyGap,
  adam,
  fer2013Official,
  fixed,
  fixedEpochs,
  limited,
  runConfig,
} from "./parts.ts";
import type { Budget, Experiment, ExperimentRun, ReportContext, RunOutcome } from "./types.ts";

// ---- The recipe: data, models, schedules, runs ----

const QUICK = { limit: 600, epochs: 3 };

const PAPER_EPOCHS = 10;

const MODELS = [
  { model: "mondal-shallow", lr: 1e-3 },
  { model: "mondal-improved", lr: 1e-3 },
  { model: "mondal-deep", lr: 1e-4 },
];

function runs(budget: Budget): ExperimentRun[] {
  const quick = budget === "quick";
  return MODELS.map(({ model, lr }) => ({
    key: model,
    config: runConfig({
      name: `mondal-fer7/${model}`,
      model,
      data: limited(fer2013Official, quick ? QUICK.limit : undefined),
      optimizer: adam(lr),
      schedule: fixedEpochs(quick ? QUICK.epochs : PAPER_EPOCHS, 64),
    }),
  }));
}

// ---- The report: the paper's numbers and this experiment's section of docs/REPRODUCTION.md ----

const curvesId = (key: string) => `${key}-curves`;

const NOTEBOOK = "Facial_expression_CNN.ipynb in " +
  "github.com/tiashamondal29/Facial-emotion-recognition-using-CNN";

/** One epoch's numbers as Keras logs them. */
interface LastEpoch {
  loss?: number;
  accuracy?: number;
  val_loss?: number;
  val_accuracy?: number;
}

/**
 * The 10th-epoch Keras log lines of the authors' notebook (NOTEBOOK), the unrounded figures behind
 * the paper's Table 3. The notebook validates on the whole test folder (PublicTest and
 * PrivateTest) and selects no epoch.
 */
const PAPER_LAST_EPOCH: Record<string, LastEpoch> = {
  "mondal-shallow": { loss: 0.2663, accuracy: 0.9067, val_loss: 1.8278, val_accuracy: 0.5850 },
  "mondal-improved": { loss: 0.9100, accuracy: 0.6573, val_loss: 1.0610, val_accuracy: 0.6034 },
  "mondal-deep": { loss: 1.0676, accuracy: 0.5942, val_loss: 1.1152, val_accuracy: 0.5838 },
};

/** The paper's Table 3 as printed (two digits, accuracies in whole percent). */
const PAPER_TABLE_3: Record<string, LastEpoch> = {
  "mondal-shallow": { loss: 0.26, val_loss: 1.8, accuracy: 0.90, val_accuracy: 0.58 },
  "mondal-improved": { loss: 0.91, val_loss: 1.0, accuracy: 0.65, val_accuracy: 0.60 },
  "mondal-deep": { loss: 1.0, val_loss: 1.1, accuracy: 0.59, val_accuracy: 0.58 },
};

/** Section 2.2's test accuracies (its test part is not defined; none for the shallow model). */
const PAPER_TEST_ACCURACY: Record<string, number | undefined> = {
  "mondal-improved": 0.65,
  "mondal-deep": 0.58,
};

const PAPER_VAL_IMAGES = 7178;

/**
 * Our last validation accuracy against the notebook's, in points and in standard errors of the
 * difference of two binomial accuracies (ours on `count` PublicTest images, theirs on 7,178).
 */
function valGap(model: string, ours: number, count: number): string {
  const paper = PAPER_LAST_EPOCH[model].val_accuracy!;
  return `${model}: ${
    accuracyGap({ accuracy: ours, count }, { accuracy: paper, count: PAPER_VAL_IMAGES })
  }`;
}

async function figures(outcomes: readonly RunOutcome[]): Promise<Figure[]> {
  return await Promise.all(outcomes.map(async ({ run, result }) => ({
    ...await trainingCurvesFigure(
      result.history,
      bestEpochOf(result.history, result.fit.monitor),
      isAugmenting(run.config.augment),
    ),
    id: curvesId(run.key),
  })));
}

function report(
  outcomes: readonly RunOutcome[],
  _budget: Budget,
  context: ReportContext,
): string {
  const lastEpochCells = (last: LastEpoch | undefined) =>
    [last?.loss, last?.accuracy, last?.val_loss, last?.val_accuracy].map((v) => fixed(v));
  const rows = outcomes.flatMap(({ run, result }) => [
    [
      run.key,
      "ours",
      `${result.history.length} of ${run.config.schedule.epochs}`,
      ...lastEpochCells(result.history.at(-1)),
      fixed(result.metrics?.accuracy),
    ],
    [
      run.key,
      "notebook",
      `${PAPER_EPOCHS} of ${PAPER_EPOCHS}`,
      ...lastEpochCells(PAPER_LAST_EPOCH[run.key]),
      "–",
    ],
    [
      run.key,
      "paper, Table 3",
      `${PAPER_EPOCHS} of ${PAPER_EPOCHS}`,
      ...[
        PAPER_TABLE_3[run.key].loss,
        PAPER_TABLE_3[run.key].accuracy,
        PAPER_TABLE_3[run.key].val_loss,
        PAPER_TABLE_3[run.key].val_accuracy,
      ].map((v) => fixed(v, 2)),
      PAPER_TEST_ACCURACY[run.key] === undefined
        ? "–"
        : `${fixed(PAPER_TEST_ACCURACY[run.key], 2)} (its test part)`,
    ],
  ]);
  // Only a run that trained the paper's 10 epochs is compared with the paper's 10th epoch.
  const gaps = outcomes
    .filter(({ result }) => result.history.length === PAPER_EPOCHS)
    .map(({ run, result }) =>
      valGap(run.key, result.history.at(-1)!.val_accuracy!, result.valMetrics.count)
    );
  return [
    "Table 3 layout: the last epoch's training and validation numbers. Ours validate on",
    "PublicTest, and the last column is PrivateTest accuracy of the best-validation epoch, no",
    "TTA. The notebook rows are the 10th-epoch lines printed by the authors' notebook",
    `(${NOTEBOOK});`,
    "the paper's Table 3 prints them truncated to two digits. Same models, optimiser and",
    "learning rates (Tables 1 and 2: 1e-3, 1e-3, 1e-4), batch 64, no augmentation, validated",
    "on the whole test folder (PublicTest and PrivateTest, " +
    `${PAPER_VAL_IMAGES.toLocaleString("en-US")} images).`,
    "Section 2.2 adds test accuracies for two models on a test part it does not define, so they",
    "are not compared with PrivateTest. Section 2.1 credits Keras' ImageDataGenerator with",
    "augmentation, but the notebook's generators only rescale by 1/255, so we train without",
    "augmentation.",
    "",
    markdownTable({
      columns: [
        "model",
        "source",
        "epochs",
        "train loss",
        "train acc",
        "val loss",
        "val acc",
        "PrivateTest acc",
      ],
      rows: rows,
      numeric: false,
    }),
    "",
    gaps.length
      ? `Last-epoch validation accuracy, ours minus the paper's: ${gaps.join("; ")}.`
      : "No run has trained the paper's 10 epochs yet, so no gap to the paper is computed.",
    "",
    "Loss and accuracy per epoch (training and PublicTest), as the paper plots them:",
    ...outcomes.flatMap(({ run }) => [
      "",
      `![${run.key}: loss and accuracy per epoch](${context.link(`${curvesId(run.key)}.svg`)})`,
    ]),
  ].join("\n");
}

export const mondalFer7: Experiment = {
  name: "mondal-fer7",
  title: "FER2013 7 classes: shallow, improved and deep Keras CNNs",
  paper: "Mondal et al., FER2013 CNNs of several depths (Keras); Table 3",
  budgets: {
    quick: `${QUICK.epochs} epochs on ${QUICK.limit} images per split (stratified sample)`,
    paper: `${PAPER_EPOCHS} epochs on the full official split`,
  },
  runs,
  figures,
  report,
};
