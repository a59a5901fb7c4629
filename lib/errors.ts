/**
 * Errors a user can act on. The CLI prints their message without a stack trace; anything else is a
 * bug and is printed in full.
 */
export class FerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FerError";
  }
}

/** A bad command line: unknown command, option or choice. The CLI exits with status 2. */
export class UsageError extends FerError {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Bad input data. `file` and `line` (1-based, when the input has lines) say where. */
export class DataError extends FerError {
  constructor(message: string, readonly file?: string, readonly line?: number) {
    super(
      file === undefined ? message : `${file}${line === undefined ? "" : `:${line}`}: ${message}`,
    );
    this.name = "DataError";
  }
}

/** An error message listing the valid choices for `what`, e.g. a model or dataset name. */
export function unknownChoice(what: string, given: string, choices: readonly string[]): UsageError {
  return new UsageError(`unknown ${what} '${given}'. Valid choices: ${choices.join(", ")}`);
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps) between two names. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * " (did you mean 'x'?)" for the choice closest to `given` (case aside), when it is close enough
 * to be a typo (at most a third of its letters off, and at least a 1-letter slip); else "".
 */
export function didYouMean(given: string, choices: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const choice of choices) {
    const distance = editDistance(given.toLowerCase(), choice.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [choice, distance];
  }
  const allowed = Math.max(1, Math.floor(Math.max(given.length, best?.length ?? 0) / 3));
  return best !== undefined && bestDistance <= allowed ? ` (did you mean '${best}'?)` : "";
}
