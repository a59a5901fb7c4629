/**
 * Stops the fit at a signal (SIGINT, SIGTERM; see ../interrupt.ts, which listens for them): it is
 * asked before every step, and the checkpoint callback saves where the fit stood. No resume state.
 */
import type { InterruptRequest } from "../interrupt.ts";
import type { FitCallback, FitControl } from "./types.ts";

export class StopOnSignal implements FitCallback {
  readonly name = "StopOnSignal";
  constructor(readonly request: InterruptRequest) {}

  onEpochBegin(_epoch: number, control: FitControl) {
    this.#check(control);
  }

  onBatchBegin(_step: number, control: FitControl) {
    this.#check(control);
  }

  #check(control: FitControl) {
    const signal = this.request.signal();
    if (signal === undefined) return;
    const { state, epochs, steps } = control;
    control.halt({
      kind: "interrupted",
      reason: `${signal} in epoch ${state.epoch + 1} of ${epochs} at step ${state.step}/${steps}`,
    });
  }
}
