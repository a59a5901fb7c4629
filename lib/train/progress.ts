/**
 * The progress of one epoch, Keras' progbar: "12/450 [=>....] - ETA: 0:41 - 44.1 img/s - loss: …"
 * drawn by ../progress.ts (a bar on a terminal, a line per tenth in a log, nothing with --quiet).
 */
import { formatDuration, progressBar, ProgressDisplay, type ProgressMode } from "../progress.ts";

/** " - loss: 1.2345 - accuracy: 0.5000" for the given named values. */
export function formatMetrics(values: Record<string, number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) =>
      ` - ${k}: ${k === "lr" ? (v as number).toExponential(2) : (v as number).toFixed(4)}`
    )
    .join("");
}

const encoder = new TextEncoder();

/** Draws the progress of one epoch. `now` is injectable for tests. */
export class EpochProgress {
  readonly #started: number;
  readonly #display: ProgressDisplay;

  constructor(
    readonly steps: number,
    readonly batchSize: number,
    readonly mode: ProgressMode,
    readonly write: (text: string) => void = (text) => Deno.stdout.writeSync(encoder.encode(text)),
    readonly now: () => number = () => performance.now(),
    startedAt?: number,
  ) {
    this.#started = startedAt ?? now();
    // The epoch's summary line takes the finished bar's place.
    this.#display = new ProgressDisplay(mode, write, "replace");
  }

  /** The text shown after `step` of `steps` steps (1-based) with running loss and accuracy. */
  render(step: number, loss: number, accuracy: number): string {
    const elapsed = (this.now() - this.#started) / 1000;
    const rate = elapsed > 0 ? (step * this.batchSize) / elapsed : 0;
    const eta = step > 0 ? (elapsed / step) * (this.steps - step) : 0;
    const counter = `${String(step).padStart(String(this.steps).length)}/${this.steps}`;
    return `${counter} [${progressBar(step, this.steps)}] - ETA: ${formatDuration(eta)} - ` +
      `${rate.toFixed(1)} img/s` + formatMetrics({ loss, accuracy });
  }

  /** Reports a finished step. */
  update(step: number, loss: number, accuracy: number): void {
    if (this.mode === "quiet") return;
    this.#display.update(step, this.steps, this.render(step, loss, accuracy));
  }

  /** Clears the bar so the epoch summary line can replace it. */
  finish(): void {
    this.#display.finish();
  }
}
