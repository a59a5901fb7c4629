/**
 * Keras' ProgbarLogger: "Epoch i/n", the per-step progress (../progress.ts draws it) and the
 * epoch's summary line. Its numbers come from `TrainingState.running`, so no resume state.
 */
import { formatDuration, type ProgressMode } from "../../progress.ts";
import { EpochProgress, formatMetrics } from "../progress.ts";
import type { EpochLogs, FitCallback, FitControl } from "./types.ts";

export class ProgressLogger implements FitCallback {
  readonly name = "ProgressLogger";
  #bar: EpochProgress | undefined;

  constructor(readonly mode: ProgressMode) {}

  onEpochBegin(epoch: number, control: FitControl) {
    control.log(`Epoch ${epoch + 1}/${control.epochs}`);
  }

  onBatchBegin(_step: number, control: FitControl) {
    this.#bar ??= new EpochProgress(
      control.steps,
      control.batchSize,
      this.mode,
      undefined,
      undefined,
      control.epochStarted,
    );
  }

  onBatchEnd(step: number, _logs: unknown, control: FitControl) {
    const { running } = control.state;
    this.#bar?.update(step, running.lossSum / running.seen, running.correct / running.seen);
  }

  onBatchesEnd() {
    this.#bar?.finish();
    this.#bar = undefined;
  }

  onEpochEnd(logs: EpochLogs, control: FitControl) {
    const { steps, batchSize } = control;
    const rate = (steps * batchSize) / logs.seconds;
    control.log(
      `${steps}/${steps} - ${formatDuration(logs.seconds)} - ${rate.toFixed(1)} img/s` +
        formatMetrics({
          loss: logs.loss,
          accuracy: logs.accuracy,
          val_loss: logs.val_loss,
          val_accuracy: logs.val_accuracy,
          lr: logs.lr,
        }),
    );
  }
}
