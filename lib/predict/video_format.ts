/**
 * How a video's results are written: timeline rows as CSV lines or JSON objects (streamed, one per
 * face per frame), the per-face summary as a table for people and as JSON, and a progress line.
 */
import { formatDuration, progressBar } from "../progress.ts";
import type { FaceSummary, TimelineRow } from "./video.ts";

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** The CSV header: time, frame, face id, box, detector score, top emotion, every class. */
export function timelineCsvHeader(classNames: readonly string[]): string {
  return [
    "time",
    "frame",
    "face",
    "x",
    "y",
    "width",
    "height",
    "detector",
    "emotion",
    ...classNames,
  ]
    .join(",");
}

/** One timeline row as a CSV line (times to the millisecond, probabilities to 4 decimals). */
export function timelineCsvLine(row: TimelineRow, classNames: readonly string[]): string {
  const { x, y, width, height } = row.box;
  return [
    row.time.toFixed(3),
    row.frame,
    row.face,
    x.toFixed(1),
    y.toFixed(1),
    width.toFixed(1),
    height.toFixed(1),
    row.detectorScore.toFixed(4),
    row.emotion,
    ...classNames.map((name) => row.probabilities[name].toFixed(4)),
  ].join(",");
}

/** One timeline row as JSON-ready data, rounded as predictionJson rounds. */
export function timelineJson(row: TimelineRow): Record<string, unknown> {
  return {
    time: round(row.time, 3),
    frame: row.frame,
    face: row.face,
    box: {
      x: round(row.box.x, 1),
      y: round(row.box.y, 1),
      width: round(row.box.width, 1),
      height: round(row.box.height, 1),
    },
    detectorScore: round(row.detectorScore, 4),
    emotion: row.emotion,
    confidence: round(row.confidence, 4),
    probabilities: Object.fromEntries(
      Object.entries(row.probabilities).map(([name, p]) => [name, round(p, 4)]),
    ),
  };
}

/** The per-face summary as JSON-ready data. */
export function faceSummaryJson(face: FaceSummary): Record<string, unknown> {
  return {
    ...face,
    firstSeen: round(face.firstSeen, 3),
    lastSeen: round(face.lastSeen, 3),
    share: Object.fromEntries(Object.entries(face.share).map(([k, v]) => [k, round(v, 4)])),
  };
}

/**
 * The per-face summary as an aligned table: face id, when it was seen, frames, the dominant
 * emotion, and the share of time per emotion in percent.
 */
export function faceSummaryTable(
  faces: readonly FaceSummary[],
  classNames: readonly string[],
): string {
  if (faces.length === 0) return "no face found";
  const header = ["face", "seen", "frames", "dominant", ...classNames.map((n) => `${n} %`)];
  const rows = faces.map((face) => [
    String(face.face),
    `${formatDuration(face.firstSeen)}–${formatDuration(face.lastSeen)}`,
    String(face.frames),
    face.dominant,
    ...classNames.map((name) => (100 * face.share[name]).toFixed(0)),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => c < 2 || c === 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))
      .join("  ").trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}

/** "frame 120/450 [======>.......] 12.3 frames/s, ETA 0:27" (no bar or ETA without a total). */
export function frameProgressLine(done: number, expected: number, seconds: number): string {
  const rate = seconds > 0 ? done / seconds : 0;
  if (!(expected > 0)) return `frame ${done} - ${rate.toFixed(1)} frames/s`;
  const total = Math.max(expected, done);
  const eta = rate > 0 ? (total - done) / rate : 0;
  return `frame ${done}/${total} [${progressBar(done, total)}] - ${rate.toFixed(1)} frames/s - ` +
    `ETA: ${formatDuration(eta)}`;
}
