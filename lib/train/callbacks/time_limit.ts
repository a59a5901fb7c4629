/**
 * The time limit (`--time-limit`, PyTorch Lightning's `max_time`), the one place its behaviour is
 * explained. Once the deadline (a `Date.now()` time) has passed, the fit checkpoints before its
 * next step, mid-epoch if need be, and ends like a finished one, marked `timeLimitReached`: the
 * run is evaluated on its best epoch so far, and `--resume` (or the same experiment command)
 * continues its schedule. So that every call makes progress and a cut run has an epoch to be
 * evaluated on, a call trains at least one step and the run's first epoch always completes.
 * Resume state: `TrainingState.timeLimitReached`, cleared when the run resumes.
 */
import type { TrainingState } from "../trainer.ts";
import type { FitCallback, FitControl } from "./types.ts";

export class TimeLimit implements FitCallback {
  readonly name = "TimeLimit";
  #stepsThisCall = 0;
  #reached: string | undefined;

  constructor(readonly deadline: number) {}

  #past(control: FitControl): boolean {
    return Date.now() >= this.deadline && this.#stepsThisCall > 0 &&
      control.state.history.length > 0;
  }

  onEpochBegin(_epoch: number, control: FitControl) {
    const { state, epochs } = control;
    if (!this.#past(control)) return;
    this.#reached = `time limit reached after epoch ${state.epoch} of ${epochs}`;
    control.halt({ kind: "timeLimit", reason: this.#reached });
  }

  onBatchBegin(step: number, control: FitControl) {
    const { state, epochs, steps } = control;
    if (step === 0 || !this.#past(control)) return;
    this.#reached = `time limit reached in epoch ${state.epoch + 1} of ${epochs} ` +
      `(step ${step}/${steps}, checkpointed)`;
    control.halt({ kind: "timeLimit", reason: this.#reached });
  }

  onBatchEnd() {
    this.#stepsThisCall++;
  }

  onTrainEnd(control: FitControl) {
    if (this.#reached) control.log(`${capitalised(this.#reached)}; resuming continues`);
  }

  saveTo(state: TrainingState) {
    state.timeLimitReached = this.#reached;
  }

  restoreFrom(state: TrainingState) {
    state.timeLimitReached = undefined;
  }
}

const capitalised = (text: string) => text[0].toUpperCase() + text.slice(1);
