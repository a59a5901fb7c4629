/**
 * FER+ (Barsoum et al. 2016): ten crowd votes per FER2013 image over 8 emotions plus "unknown" and
 * "NF" (not a face), in `fer2013new.csv`, aligned row by row with `fer2013.csv`. The result keeps
 * FER2013's pixels and takes the labels, the usage and per-image vote distributions from FER+.
 *
 * Hard labels, two rules:
 * - "plurality" (default): the column with the most votes wins; a row is dropped when that column
 *   is unknown or NF, or when two columns tie for the most votes.
 * - "majority": the FER+ reference code's "majority" mode: single votes are discarded as
 *   outliers, and a label needs more than half of the remaining votes.
 *
 * `softLabels` are each image's emotion votes divided by its total emotion votes (unknown and NF
 * left out), in canonical class order.
 */
import { DataError } from "../errors.ts";
import { readText } from "./byte_stream.ts";
import { CANONICAL_CLASSES, canonicalClassName, canonicalIndex } from "./classes.ts";
import { FER2013_USAGES, loadFer2013Csv } from "./fer2013_csv.ts";
import { SkipCollector, type SkipOptions } from "./skipped.ts";
import { subset } from "./subset.ts";
import type { LabeledImages } from "./types.ts";

/** The vote columns of fer2013new.csv, in file order. */
export const FERPLUS_VOTE_COLUMNS = [
  "neutral",
  "happiness",
  "surprise",
  "sadness",
  "anger",
  "disgust",
  "fear",
  "contempt",
  "unknown",
  "NF",
] as const;

const EMOTION_COLUMNS = 8;

/** How vote counts become one hard label. */
export type FerPlusVoteRule = "plurality" | "majority";

/** The parsed vote table: `votes` holds count×10 vote counts in FERPLUS_VOTE_COLUMNS order. */
export interface FerPlusVotes {
  readonly file: string;
  readonly count: number;
  readonly usage: readonly string[];
  readonly votes: Uint8Array;
  /** The 1-based line of each row in `file`, for error messages. */
  readonly lines: readonly number[];
}

/** Options for loadFerPlus. */
export interface FerPlusOptions extends SkipOptions {
  /** Default "plurality". */
  readonly vote?: FerPlusVoteRule;
  /** Dataset name stored in the result. Default "ferplus". */
  readonly name?: string;
}

/**
 * FER2013 pixels with FER+ labels. `fer2013` is the FER2013 CSV path or the already-loaded set
 * (all rows, in file order). Images without a hard label under the vote rule are dropped.
 */
export async function loadFerPlus(
  fer2013: string | LabeledImages,
  ferPlusCsv: string,
  options: FerPlusOptions = {},
): Promise<LabeledImages> {
  const images = typeof fer2013 === "string" ? await loadFer2013Csv(fer2013) : fer2013;
  const votes = await readFerPlusVotes(ferPlusCsv, options);
  return combineFerPlus(images, votes, options.vote ?? "plurality", options.name ?? "ferplus");
}

/** Joins FER2013 images with their FER+ votes row by row; see the module notes for the rules. */
export function combineFerPlus(
  fer2013: LabeledImages,
  votes: FerPlusVotes,
  rule: FerPlusVoteRule,
  name: string,
): LabeledImages {
  if (fer2013.count !== votes.count) {
    throw new DataError(
      `has ${votes.count} rows but the FER2013 images number ${fer2013.count}; the two files ` +
        `must line up row by row, so neither may skip a bad row (--skip-bad): fix the row instead`,
      votes.file,
    );
  }
  const columnClass = FERPLUS_VOTE_COLUMNS.slice(0, EMOTION_COLUMNS).map((column) =>
    canonicalIndex(canonicalClassName(column)!)
  );
  const kept: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < votes.count; i++) {
    const usage = fer2013.usage?.[i];
    if (usage !== undefined && usage !== votes.usage[i]) {
      throw new DataError(
        `Usage '${votes.usage[i]}' differs from the FER2013 row's '${usage}'` +
          `${fer2013.origins ? ` (${fer2013.origins[i]})` : ""}; the files are not aligned`,
        votes.file,
        votes.lines[i],
      );
    }
    const column = ferPlusLabel(votes.votes.subarray(i * 10, i * 10 + 10), rule);
    if (column < 0) continue;
    kept.push(i);
    labels.push(columnClass[column]);
  }
  const soft = new Float32Array(kept.length * CANONICAL_CLASSES.length);
  kept.forEach((row, k) => {
    const rowVotes = votes.votes.subarray(row * 10, row * 10 + EMOTION_COLUMNS);
    const total = rowVotes.reduce((sum, v) => sum + v, 0);
    for (let c = 0; c < EMOTION_COLUMNS; c++) {
      soft[k * CANONICAL_CLASSES.length + columnClass[c]] = rowVotes[c] / total;
    }
  });
  const picked = subset(fer2013, kept);
  return {
    ...picked,
    name,
    classNames: CANONICAL_CLASSES,
    labels: Uint8Array.from(labels),
    usage: kept.map((row) => votes.usage[row]),
    softLabels: soft,
  };
}

/**
 * The winning vote column (index into FERPLUS_VOTE_COLUMNS, always an emotion, < 8) of one row of
 * 10 vote counts, or -1 when the row gets no label under `rule`.
 */
export function ferPlusLabel(votes: ArrayLike<number>, rule: FerPlusVoteRule): number {
  const counted = Array.from(votes, (v) => (rule === "majority" && v <= 1 ? 0 : v));
  const max = Math.max(...counted);
  if (max <= 0) return -1;
  const winner = counted.indexOf(max);
  if (rule === "plurality" && counted.lastIndexOf(max) !== winner) return -1;
  if (rule === "majority" && max <= counted.reduce((a, b) => a + b, 0) / 2) return -1;
  return winner < EMOTION_COLUMNS ? winner : -1;
}

/** Reads and validates fer2013new.csv. Bad rows are DataErrors (or skipped, then not aligned). */
export async function readFerPlusVotes(
  path: string,
  options: SkipOptions = {},
): Promise<FerPlusVotes> {
  const lines = (await readText(path)).split("\n");
  const header = lines[0].replace(/^\uFEFF/, "").trim().split(",");
  const expected = ["Usage", "Image name", ...FERPLUS_VOTE_COLUMNS];
  if (header.join(",") !== expected.join(",")) {
    throw new DataError(
      `header '${header.join(",")}' is not the FER+ header '${expected.join(",")}'`,
      path,
      1,
    );
  }
  const skips = new SkipCollector(path, options);
  const usages: ReadonlySet<string> = new Set(FER2013_USAGES);
  const usage: string[] = [];
  const votes: number[] = [];
  const rowLines: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, "");
    if (line === "") continue;
    const fields = line.split(",");
    const problem = fields.length !== expected.length
      ? `expected ${expected.length} fields, found ${fields.length}`
      : !usages.has(fields[0])
      ? `Usage '${fields[0]}' is not one of ${FER2013_USAGES.join(", ")}`
      : badVote(fields.slice(2));
    if (problem) {
      skips.bad(problem, path, i + 1);
      continue;
    }
    usage.push(fields[0]);
    rowLines.push(i + 1);
    for (const field of fields.slice(2)) votes.push(Number(field));
  }
  skips.finish();
  if (usage.length === 0) throw new DataError("no valid data rows", path);
  return { file: path, count: usage.length, usage, votes: Uint8Array.from(votes), lines: rowLines };
}

function badVote(fields: string[]): string | undefined {
  const index = fields.findIndex((field) => !/^\d+$/.test(field) || Number(field) > 255);
  if (index < 0) return undefined;
  return `vote count '${fields[index]}' for ${
    FERPLUS_VOTE_COLUMNS[index]
  } is not an integer 0..255`;
}
