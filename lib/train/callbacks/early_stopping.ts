/** Keras' EarlyStopping. Resume state: its tracker and wait count (`state()`). */
import { BestTracker } from "./best.ts";
import type { Callback, EpochLogs, Monitor, TrainingControl } from "./types.ts";

export interface EarlyStoppingOptions {
  monitor?: Monitor;
  patience?: number;
  minDelta?: number;
  /** Restore the weights of the best epoch when training ends (the run loop does the restoring). */
  restoreBestWeights?: boolean;
}

/** Stops training after `patience` epochs without improvement of the monitored quantity. */
export class EarlyStopping implements Callback {
  readonly name = "EarlyStopping";
  readonly tracker: BestTracker;
  readonly restoreBestWeights: boolean;
  readonly #patience: number;
  #wait = 0;

  constructor(options: EarlyStoppingOptions = {}) {
    this.tracker = new BestTracker(options.monitor ?? "val_loss", options.minDelta ?? 0);
    this.#patience = options.patience ?? 10;
    this.restoreBestWeights = options.restoreBestWeights ?? false;
  }

  onEpochEnd(logs: EpochLogs, control: TrainingControl) {
    if (this.tracker.update(logs)) {
      this.#wait = 0;
      return;
    }
    this.#wait++;
    if (this.#wait >= this.#patience) {
      control.stop(
        `EarlyStopping: ${this.tracker.monitor} did not improve for ${this.#wait} epochs ` +
          `(best ${this.tracker.best.toFixed(4)} at epoch ${this.tracker.bestEpoch + 1})`,
      );
    }
  }

  state() {
    return { tracker: this.tracker.state(), wait: this.#wait };
  }

  restore(state: unknown) {
    const s = state as ReturnType<EarlyStopping["state"]>;
    this.tracker.restore(s.tracker);
    this.#wait = s.wait;
  }
}
