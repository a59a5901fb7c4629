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

  /**
   * Between epochs (after the epoch's checkpoint, before the next begins; the trainer lists this
   * callback last): the time limit is asked before a signal is (StopOnSignal asks at the next
   * epoch's start), as it is before the first step of every epoch.
   */
  onEpochEnd(_logs: unknown, control: FitControl) {
    const { state, epochs } = control;
    if (state.epoch >= epochs || control.stopReason !== undefined || !this.#past(control)) return;
    this.#reached = `time limit reached after epoch ${state.epoch} of ${epochs}`;
    control.halt({ kind: "timeLimit", reason: this.#reached });
  }

  /** Inside an epoch: after StopOnSignal (listed first) has asked for a signal. */
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

  saveTo(state: TrainingState) {
    state.timeLimitReached = this.#reached;
  }

  restoreFrom(state: TrainingState) {
    state.timeLimitReached = undefined;
  }
}
