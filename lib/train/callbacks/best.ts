/** The best epoch so far by a monitored quantity: the tracker, and the callback that keeps it. */
import type { TrainingState } from "../trainer.ts";
import type { EpochLogs, FitCallback, FitControl, Monitor } from "./types.ts";

/** Tracks the best value of a monitored quantity: larger is better for accuracies. */
export class BestTracker {
  readonly mode: "min" | "max";
  best: number;
  bestEpoch = -1;

  constructor(readonly monitor: Monitor, readonly minDelta = 0) {
    this.mode = monitor.endsWith("accuracy") ? "max" : "min";
    this.best = this.mode === "max" ? -Infinity : Infinity;
  }

  /** The monitored value in `logs`; an error if the run has no validation data to monitor. */
  value(logs: EpochLogs): number {
    const value = logs[this.monitor];
    if (value === undefined) {
      throw new Error(`cannot monitor '${this.monitor}': this run has no validation data`);
    }
    return value;
  }

  /** Records `logs` and says whether it improved on the best so far by more than minDelta. */
  update(logs: EpochLogs): boolean {
    const value = this.value(logs);
    const improved = this.mode === "max"
      ? value > this.best + this.minDelta
      : value < this.best - this.minDelta;
    if (improved) {
      this.best = value;
      this.bestEpoch = logs.epoch;
    }
    return improved;
  }

  state() {
    return { best: this.best, bestEpoch: this.bestEpoch };
  }

  restore(state: { best: number | null; bestEpoch: number }) {
    // JSON turns ±Infinity into null.
    this.best = state.best ?? (this.mode === "max" ? -Infinity : Infinity);
    this.bestEpoch = state.bestEpoch;
  }
}

/**
 * Follows the epoch that checkpoints keep as "best" (never chosen on the test split). A `val_*`
 * monitor without validation data picks no best. Resume state: `TrainingState.best`.
 */
export class BestEpoch implements FitCallback {
  readonly name = "BestEpoch";
  readonly tracker: BestTracker;
  /** Whether the epoch that just ended is the new best (the checkpoint then saves a copy). */
  improved = false;

  constructor(monitor: Monitor) {
    this.tracker = new BestTracker(monitor);
  }

  onEpochEnd(logs: EpochLogs, control: FitControl) {
    const monitorable = logs.val_loss !== undefined || !this.tracker.monitor.startsWith("val_");
    this.improved = monitorable && this.tracker.update(logs);
    if (this.improved) {
      control.log(
        `${this.tracker.monitor} improved to ${this.tracker.best.toFixed(4)}: best checkpoint`,
      );
    }
  }

  saveTo(state: TrainingState) {
    state.best = this.tracker.state();
  }

  restoreFrom(state: TrainingState) {
    this.tracker.restore(state.best);
  }
}
