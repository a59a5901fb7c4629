/**
 * Keeps the backend a run computes on (its description, threads included) in its checkpoints, so
 * that a resume on another one says so: a run resumed on the same backend, machine and threads
 * is bit for bit the uninterrupted run; on others its numbers from there on differ by rounding.
 */
import type { Callback } from "./types.ts";

interface SavedBackend {
  readonly description: string;
}

export class BackendRecord implements Callback {
  readonly name = "backend";
  readonly #description: string;
  readonly #log: (line: string) => void;

  constructor(description: string, log: (line: string) => void) {
    this.#description = description;
    this.#log = log;
  }

  state(): SavedBackend {
    return { description: this.#description };
  }

  restore(saved: unknown): void {
    const before = (saved as Partial<SavedBackend>).description;
    if (before === undefined || before === this.#description) return;
    this.#log(
      `Note: this run computed on ${before} until its checkpoint and continues on ` +
        `${this.#description}, so from here its numbers differ (by rounding) from those of ` +
        "the run never interrupted",
    );
  }
}
