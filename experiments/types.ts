/** What an experiment module declares: the paper, its runs per budget, and its results table. */
import type { Figure } from "../lib/report/mod.ts";
import type { RunConfig, RunResult } from "../lib/train/mod.ts";

/** `quick` fits our 2-core CPU in ≤ 30 min per experiment; `paper` is the paper's schedule. */
export type Budget = "quick" | "paper";
export const BUDGETS: readonly Budget[] = ["quick", "paper"];

/** One training run of an experiment. */
export interface ExperimentRun {
  /** Short unique key, used in folder names, e.g. "resnet50-adam". */
  readonly key: string;
  readonly config: RunConfig;
  /**
   * The key of an earlier run of this experiment whose trained weights initialise this one (the
   * runner sets `config.initFrom` to its folder): pretraining, then fine-tuning.
   */
  readonly initFromRun?: string;
  /** `--data` does not replace this run's dataset (e.g. FER2013 pretraining before fine-tuning). */
  readonly keepDataset?: boolean;
  /**
   * A NaN or infinite loss ends this run but not the experiment (learning-rate sweeps): the report
   * gets the reason in `ReportContext.diverged` instead of an outcome.
   */
  readonly mayDiverge?: boolean;
}

/** A finished run, as the results table sees it. */
export interface RunOutcome {
  readonly run: ExperimentRun;
  readonly result: RunResult;
}

/** What a report may need besides the outcomes. */
export interface ReportContext {
  /** `path` inside the experiment folder, as a link relative to the Markdown file being written. */
  link(path: string): string;
  /** Runs that stopped on a NaN or infinite loss (`mayDiverge`), by key: the reason. */
  readonly diverged: ReadonlyMap<string, string>;
}

export interface Experiment {
  /** CLI name, e.g. "liu-fer7". */
  readonly name: string;
  readonly title: string;
  /** The paper, cited. */
  readonly paper: string;
  /** What each budget does, e.g. "3 epochs on 2,000 training images". */
  readonly budgets: Readonly<Record<Budget, string>>;
  /** The runs of `budget`; `backend` is the user's choice for all of them. */
  runs(budget: Budget): ExperimentRun[];
  /** Markdown: the paper's reported numbers next to ours, gaps explained. */
  report(outcomes: readonly RunOutcome[], budget: Budget, context: ReportContext): string;
  /**
   * Keys of runs that, when finished, also get their run report (report.html / report.md: confusion
   * matrix, ROC, first-layer filters, t-SNE, ...), chosen once all runs are done, e.g. the best
   * two by validation accuracy. The section links them as `<key>/report.html`.
   */
  reportedRuns?(outcomes: readonly RunOutcome[]): string[];
  /** Figures the runner writes as `<id>.svg` into the experiment folder; the report links them. */
  figures?(outcomes: readonly RunOutcome[], budget: Budget): Promise<Figure[]>;
}
