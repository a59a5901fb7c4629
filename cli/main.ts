/**
 * The `fer` command line. Each command lives in `cli/commands/`; this file only routes to them and
 * turns user-facing errors into a message and an exit status.
 */
import "../lib/backend/tfjs_mode.ts";
import { type CommandGroup, commandLineOf, dispatch } from "./args.ts";
import { FerError, UsageError } from "../lib/errors.ts";
import { commands } from "./commands/index.ts";
import { Interrupted } from "../lib/train/interrupt.ts";
import { describeProcess } from "../lib/train/run_lock.ts";

export const fer: CommandGroup = {
  name: "fer",
  summary: "fer: train, evaluate and serve facial expression recognition networks.",
  subcommands: commands,
};

/** File-system errors from a path the user gave (an --out that is a file, say): no stack trace. */
const FILE_SYSTEM_ERRORS = [
  Deno.errors.AlreadyExists,
  Deno.errors.NotADirectory,
  Deno.errors.IsADirectory,
  Deno.errors.PermissionDenied,
  Deno.errors.NotFound,
];

/** Runs the CLI with `argv` and returns the exit status instead of exiting (tests call this). */
export async function main(argv: string[]): Promise<number> {
  describeProcess(commandLineOf([fer.name, ...argv]));
  try {
    return await dispatch(fer, argv);
  } catch (error) {
    if (error instanceof Interrupted) {
      console.error(error.message);
      return 130; // as a shell reports a process ended by Ctrl-C
    }
    if (error instanceof FerError) {
      console.error(`error: ${error.message}`);
      return error instanceof UsageError ? 2 : 1;
    }
    if (FILE_SYSTEM_ERRORS.some((kind) => error instanceof kind)) {
      // Deno's message names the path and the call ("File exists (os error 17): mkdir 'out'").
      console.error(`error: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
