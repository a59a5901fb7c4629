/**
 * Keras' TerminateOnNaN, as an error: a loss that is not finite stops training at once, naming
 * the epoch and step; the last checkpoint (before the divergence) is kept. No resume state.
 */
import { FerError } from "../../errors.ts";
import type { BatchLogs, FitCallback, FitControl } from "./types.ts";

export class TerminateOnNaN implements FitCallback {
  readonly name = "TerminateOnNaN";

  onBatchEnd(step: number, logs: BatchLogs, control: FitControl) {
    if (Number.isFinite(logs.loss)) return;
    throw new FerError(
      `loss became ${logs.loss} at epoch ${control.state.epoch + 1}, step ${step}/` +
        `${control.steps}; training stopped (the last checkpoint is kept). Try a lower --lr.`,
    );
  }
}
