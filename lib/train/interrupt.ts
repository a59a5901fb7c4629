/**
 * Ctrl-C (SIGINT) and SIGTERM while a run trains: the first asks the training loop to checkpoint
 * where it is, mid-epoch included, and stop; a second Ctrl-C exits at once (the last checkpoint,
 * made at an epoch end or by --checkpoint-every, is kept), a second SIGTERM changes nothing.
 * Without these listeners Deno would end at the signal and lose the partial epoch.
 */
import { FerError } from "../errors.ts";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
type Signal = typeof SIGNALS[number];

/** Thrown when a run stopped at a signal after checkpointing; the CLI exits 130 with its message. */
export class Interrupted extends FerError {
  constructor(message: string) {
    super(message);
    this.name = "Interrupted";
  }
}

/** Whether a signal asked training to stop, and which. */
export interface InterruptRequest {
  readonly signal: () => Signal | undefined;
}

/**
 * Listens for SIGINT and SIGTERM until the returned `stop` is called; `say` prints what happens.
 * Outside Unix (no signal listeners) nothing is listened for.
 */
export function listenForInterrupt(
  say: (line: string) => void,
): InterruptRequest & { stop: () => void } {
  let received: Signal | undefined;
  const handlers = SIGNALS.map((signal) => {
    const handler = () => {
      if (received !== undefined) {
        // Only a person presses Ctrl-C twice; a second SIGTERM is a scheduler's (Slurm signals
        // every process of a job step, and our batch script forwards it too), so it must not
        // cost the checkpoint under way.
        if (signal === "SIGTERM") return;
        say(`${signal} again: exiting now, without checkpointing the steps since the last one`);
        Deno.exit(130);
      }
      received = signal;
      say(
        `${signal}: checkpointing before the next step, then stopping` +
          (signal === "SIGINT" ? " (Ctrl-C again exits at once)" : ""),
      );
    };
    try {
      Deno.addSignalListener(signal, handler);
      return { signal, handler };
    } catch {
      return undefined; // e.g. Windows has no SIGTERM listener
    }
  });
  return {
    signal: () => received,
    stop: () => {
      for (const entry of handlers) {
        if (entry) Deno.removeSignalListener(entry.signal, entry.handler);
      }
    },
  };
}
