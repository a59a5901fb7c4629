/**
 * Progress of a long task, drawn the Keras way: a bar redrawn in place on a terminal, or a line
 * every tenth of the task when the output is a file or pipe (so logs stay readable), and nothing
 * with --quiet. Training's epochs (train/progress.ts) and a video's frames (predict_video.ts) both
 * draw theirs with it; each composes its own line around `progressBar`.
 */

export type ProgressMode = "bar" | "lines" | "quiet";

/** "bar" when `stream` (stdout by default) is a terminal, "lines" otherwise, "quiet" when asked. */
export function defaultProgressMode(
  quiet: boolean,
  stream: { isTerminal(): boolean } = Deno.stdout,
): ProgressMode {
  if (quiet) return "quiet";
  return stream.isTerminal() ? "bar" : "lines";
}

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "=======>......................" for `done` of `total`; all "=" once done. */
export function progressBar(done: number, total: number, width = 30): string {
  if (done >= total) return "=".repeat(width);
  const filled = Math.max(0, Math.min(width - 1, Math.floor((width * done) / total)));
  return "=".repeat(filled) + ">" + ".".repeat(width - filled - 1);
}

/** Lines in "lines" mode when the total is not known: one per this many items. */
const LINE_EVERY_UNKNOWN = 100;

/**
 * Shows the lines a task's progress calls for, in its mode. `finalLine` says what becomes of the
 * last state when the task ends: "keep" leaves it on a line of its own (a log gets it even when
 * no tenth was crossed since the last line); "replace" clears the bar, and a log never gets the
 * finished state, for a summary line the caller writes next.
 */
export class ProgressDisplay {
  #lastTenth = -1;
  #last: string | undefined;
  #lastShown = true;

  constructor(
    readonly mode: ProgressMode,
    readonly write: (text: string) => void,
    readonly finalLine: "keep" | "replace",
  ) {}

  /** Reports `done` of `total` items (total NaN or 0: unknown), shown as `text`. */
  update(done: number, total: number, text: string): void {
    if (this.mode === "quiet") return;
    this.#last = text;
    if (this.mode === "bar") {
      this.write(`\r${text}\x1b[K`);
      return;
    }
    const tenth = total > 0
      ? Math.floor((10 * done) / total)
      : Math.floor(done / LINE_EVERY_UNKNOWN);
    this.#lastShown = tenth > this.#lastTenth && (this.finalLine === "keep" || done < total);
    if (this.#lastShown) {
      this.#lastTenth = tenth;
      this.write(`${text}\n`);
    }
  }

  /** Ends the display (see `finalLine`). */
  finish(): void {
    if (this.mode === "quiet" || (this.finalLine === "keep" && this.#last === undefined)) return;
    if (this.mode === "bar") this.write(this.finalLine === "keep" ? "\n" : "\r\x1b[K");
    else if (this.finalLine === "keep" && !this.#lastShown) this.write(`${this.#last}\n`);
  }
}
