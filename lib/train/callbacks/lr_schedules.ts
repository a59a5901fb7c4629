/**
 * Learning-rate schedules: per-epoch ones (step, cosine) set by LearningRateScheduler, which needs
 * no resume state (the epoch decides), and ReduceLROnPlateau, which saves its tracker and counters.
 */
import { getLearningRate, setLearningRate } from "../optimizers.ts";
import { BestTracker } from "./best.ts";
import type { Callback, EpochLogs, Monitor, TrainingControl } from "./types.ts";

export interface ReduceLROnPlateauOptions {
  monitor?: Monitor;
  factor?: number;
  patience?: number;
  minLr?: number;
  minDelta?: number;
  cooldown?: number;
}

/** Multiplies the learning rate by `factor` after `patience` epochs without improvement. */
export class ReduceLROnPlateau implements Callback {
  readonly name = "ReduceLROnPlateau";
  readonly #tracker: BestTracker;
  readonly #factor: number;
  readonly #patience: number;
  readonly #minLr: number;
  readonly #cooldown: number;
  #wait = 0;
  #cooldownLeft = 0;

  constructor(options: ReduceLROnPlateauOptions = {}) {
    this.#tracker = new BestTracker(options.monitor ?? "val_loss", options.minDelta ?? 1e-4);
    this.#factor = options.factor ?? 0.1;
    this.#patience = options.patience ?? 10;
    this.#minLr = options.minLr ?? 0;
    this.#cooldown = options.cooldown ?? 0;
    if (!(this.#factor > 0 && this.#factor < 1)) {
      throw new RangeError(`ReduceLROnPlateau factor must be in (0, 1), got ${this.#factor}`);
    }
  }

  onEpochEnd(logs: EpochLogs, control: TrainingControl) {
    if (this.#cooldownLeft > 0) this.#cooldownLeft--;
    if (this.#tracker.update(logs)) {
      this.#wait = 0;
      return;
    }
    if (this.#cooldownLeft > 0) return;
    this.#wait++;
    if (this.#wait >= this.#patience) {
      const lr = getLearningRate(control.optimizer);
      const newLr = Math.max(lr * this.#factor, this.#minLr);
      if (newLr < lr) {
        setLearningRate(control.optimizer, newLr);
        control.log(
          `ReduceLROnPlateau: ${this.#tracker.monitor} did not improve for ${this.#wait} epochs; ` +
            `learning rate ${lr.toPrecision(3)} → ${newLr.toPrecision(3)}`,
        );
      }
      this.#wait = 0;
      this.#cooldownLeft = this.#cooldown;
    }
  }

  state() {
    return { tracker: this.#tracker.state(), wait: this.#wait, cooldownLeft: this.#cooldownLeft };
  }

  restore(state: unknown) {
    const s = state as ReturnType<ReduceLROnPlateau["state"]>;
    this.#tracker.restore(s.tracker);
    this.#wait = s.wait;
    this.#cooldownLeft = s.cooldownLeft;
  }
}

/** A learning rate that depends only on the epoch (0-based). */
export type EpochSchedule = (epoch: number) => number;

/** Step decay: lr · gamma^floor(epoch / stepSize). */
export function stepSchedule(lr: number, stepSize: number, gamma: number): EpochSchedule {
  return (epoch) => lr * Math.pow(gamma, Math.floor(epoch / stepSize));
}

/** Cosine annealing from lr to minLr over `epochs` epochs (SGDR without restarts). */
export function cosineSchedule(lr: number, epochs: number, minLr = 0): EpochSchedule {
  return (epoch) =>
    minLr + (lr - minLr) * (1 + Math.cos(Math.PI * Math.min(epoch / epochs, 1))) / 2;
}

/** Sets the learning rate at the start of every epoch from an epoch schedule. */
export class LearningRateScheduler implements Callback {
  readonly name = "LearningRateScheduler";
  constructor(readonly schedule: EpochSchedule) {}

  onEpochBegin(epoch: number, control: TrainingControl) {
    setLearningRate(control.optimizer, this.schedule(epoch));
  }
}
