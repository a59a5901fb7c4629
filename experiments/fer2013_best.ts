/**
 * Our strongest single-network FER2013 recipe, after Khaireddin & Chen (2021, 73.28 % without extra
 * data): their VGG variant on random 40×40 crops with flip and random erasing, SGD-Nesterov with
 * weight decay, ReduceLROnPlateau on validation accuracy, ten-crop test-time augmentation. Selected
 * on PublicTest only; PrivateTest reported with and without TTA. `ferplus` runs the same recipe on
 * FER+ majority-vote labels, as the FER+ reference code's "majority" mode makes them (single votes
 * dropped, more than half of the rest needed).
 */
import { AUGMENT_PRESETS, type AugmentConfig } from "../lib/augment/mod.ts";
import type { DataConfig, ScheduleConfig } from "../lib/train/mod.ts";
import { fer2013Official, fixed, limited, nesterov, runConfig } from "./parts.ts";
import { markdownTable } from "../lib/report/mod.ts";
import type { Budget, Experiment } from "./types.ts";

// ---- The recipe: data, models, schedules, runs ----

const AUGMENT: AugmentConfig = AUGMENT_PRESETS.khaireddin;

const QUICK = { limit: 1000, epochs: 3 };

function schedule(budget: Budget): ScheduleConfig {
  return {
    epochs: budget === "quick" ? QUICK.epochs : 300,
    batchSize: 64,
    lr: { kind: "plateau", monitor: "val_accuracy", factor: 0.75, patience: 5 },
    checkpointMonitor: "val_accuracy",
  };
}

/** The run of experiment `name` on `data`. */
function runsOn(name: string, data: DataConfig): Experiment["runs"] {
  return (budget) => [{
    key: "khaireddin-vgg",
    config: runConfig({
      name: `${name}/khaireddin-vgg`,
      model: "khaireddin-vgg",
      data: limited(data, budget === "quick" ? QUICK.limit : undefined),
      optimizer: nesterov(0.01, 0.9, 1e-4),
      schedule: schedule(budget),
      augment: AUGMENT,
      tta: "tencrop",
    }),
  }];
}

// ---- The report: the paper's numbers and this experiment's section of docs/REPRODUCTION.md ----

/**
 * The protocol of the result a section is compared with, as the authors' code runs it, next to
 * ours (selected on PublicTest, tested once on PrivateTest).
 */
const KHAIREDDIN_PROTOCOL = "The compared 73.28 % comes from the authors' code " +
  "(github.com/usef-kh/fer, data/fer2013.py and train.py), whose protocol differs from ours: it " +
  "loads PrivateTest as its validation set, which drives ReduceLROnPlateau (on validation " +
  "accuracy, ×0.75, patience 5) and chooses the checkpoint kept, and it reports PublicTest as its " +
  "test set (ten-crop averaged), after the last of 300 epochs in train.py or at a chosen " +
  "checkpoint in evaluate.py. Ours is selected on PublicTest and tested once on PrivateTest, so " +
  "the two numbers come from swapped halves of FER2013's test images.";

const FERPLUS_PROTOCOL = "No paper column: Khaireddin & Chen trained on FER2013's labels only. " +
  "The FER+ reference code (github.com/microsoft/FERPlus, src/train.py) trains VGG13 on " +
  "Training (FER2013Train), picks the epoch by accuracy on PublicTest (FER2013Valid) and reports " +
  "PrivateTest (FER2013Test) accuracy at that epoch, with validation and test labels made by its " +
  "majority rule whatever the training mode, batch 32, momentum SGD, at most 100 epochs, the " +
  "learning rate halved after 20 epochs and divided by 10 after 40. That is our protocol: same " +
  "splits, same label rule, selection on PublicTest, PrivateTest reported; the network, " +
  "augmentation and schedule are Khaireddin & Chen's.";

/** The section: our accuracies beside `paperAccuracy`, after what `protocol` says. */
function reportWith(paperAccuracy: string, protocol: string): Experiment["report"] {
  return (outcomes) => {
    const rows = outcomes.map(({ result }) => [
      fixed(result.fit.bestValue),
      fixed(result.metrics?.accuracy),
      fixed(result.ttaMetrics?.accuracy),
      fixed(result.ttaMetrics?.macro.f1),
      paperAccuracy,
    ]);
    return [
      "Selected on PublicTest (best validation accuracy); tested on PrivateTest.",
      "",
      protocol,
      "",
      markdownTable({
        columns: [
          "best PublicTest acc",
          "PrivateTest acc, no TTA",
          "PrivateTest acc, ten-crop",
          "macro F1, ten-crop",
          "paper",
        ],
        rows: rows,
        numeric: false,
      }),
    ].join("\n");
  };
}

function experiment(
  name: string,
  data: DataConfig,
  paperAccuracy: string,
  protocol: string,
): Experiment {
  return {
    name,
    title: `${data.dataset}${data.vote ? ` (${data.vote}-vote labels)` : ""}: VGG variant, ` +
      "40×40 crops, SGD-Nesterov, ten-crop TTA",
    paper: "Khaireddin & Chen 2021, 'Facial Emotion Recognition: State of the Art Performance on " +
      "FER2013' (73.28 %, no extra data)",
    budgets: {
      quick: `${QUICK.epochs} epochs on ${QUICK.limit} images per split`,
      paper: "300 epochs on the full official split, one random 40×40 crop of each image per " +
        "epoch (the paper trains on all ten crops of each image, ten times the compute)",
    },
    runs: runsOn(name, data),
    report: reportWith(paperAccuracy, protocol),
  };
}

export const fer2013Best = experiment(
  "fer2013-best",
  fer2013Official,
  "0.7328 (ten-crop, PublicTest)",
  KHAIREDDIN_PROTOCOL,
);
export const ferPlus = experiment(
  "ferplus",
  { ...fer2013Official, dataset: "ferplus", vote: "majority" },
  "–",
  FERPLUS_PROTOCOL,
);
