/**
 * `fer predict <video>`: emotions over time. The frames stream from ffmpeg; every face of every
 * sampled frame goes out at once as a JSON or CSV row (stdout, and into --out's timeline.csv), so
 * an interrupted or damaged video keeps every row written before the break. At the end come the
 * per-face summary (a table), the emotion-over-time figure and the annotated video.
 */
import { existsSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { FerError, UsageError } from "../../lib/errors.ts";
import type { ExpressionModel, FaceDetector } from "../../lib/predict/mod.ts";
import {
  faceSummaryJson,
  faceSummaryTable,
  frameProgressLine,
  timelineCsvHeader,
  timelineCsvLine,
  timelineJson,
} from "../../lib/predict/video_format.ts";
import { predictVideo, type VideoPredictOptions } from "../../lib/predict/video.ts";
import { probeVideo } from "../../lib/predict/ffmpeg.ts";
import { defaultProgressMode, ProgressDisplay } from "../../lib/progress.ts";
import { emotionTimelineFigure } from "../../lib/report/plots/emotion_timeline.ts";
import type { TtaChoice } from "../../lib/train/config.ts";

/** The predict options a video run uses, as the command parsed them. */
export interface VideoCommandOptions {
  readonly fps: string;
  readonly smooth: number;
  readonly json: boolean;
  readonly csv: boolean;
  readonly out?: string;
  /** Replace output files already in --out (otherwise refused before any work). */
  readonly overwrite: boolean;
  readonly threshold: number;
  readonly tiles: number;
  readonly margin: number;
}

/** `--fps 5` → 5, `--fps all` → "all"; UsageError for anything else. */
export function parseFps(text: string): number | "all" {
  if (text === "all") return "all";
  const value = Number(text);
  if (text.trim() === "" || !(value > 0) || !Number.isFinite(value)) {
    throw new UsageError(
      `--fps expects a positive number of frames per second or 'all', got '${text}'`,
    );
  }
  return value;
}

/** The files --out DIR receives for `video`, named after it so one folder can hold many. */
export function videoOutputs(out: string, video: string) {
  const stem = basename(video, extname(video));
  return {
    annotated: join(out, `${stem}.annotated.mp4`),
    timeline: join(out, `${stem}.timeline.csv`),
    summary: join(out, `${stem}.summary.json`),
    figure: join(out, `${stem}.emotions.svg`),
  };
}

const encoder = new TextEncoder();

/** Runs predict on one video; returns the exit status (1 when the video broke part-way). */
export async function runVideoPredict(
  video: string,
  options: VideoCommandOptions,
  setup: { model: ExpressionModel; detector: FaceDetector; tta: TtaChoice },
): Promise<number> {
  if (options.json && options.csv) throw new UsageError("--json and --csv: choose one");
  const fps = parseFps(options.fps);
  const { model, detector, tta } = setup;
  const classNames = model.classNames;
  // Probed before anything is written or removed: a file that is no video leaves --out as it was.
  const info = await probeVideo(video);
  const outputs = options.out === undefined ? undefined : videoOutputs(options.out, video);
  if (outputs) {
    for (const file of Object.values(outputs)) {
      if (!existsSync(file)) continue;
      if (!options.overwrite) {
        throw new FerError(
          `${file} already exists: pass --overwrite to replace it, or choose another --out ` +
            "(nothing was written)",
        );
      }
      await Deno.remove(file);
    }
    await Deno.mkdir(options.out!, { recursive: true });
  }
  const stdout = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
  const timelineFile = outputs
    ? await Deno.open(outputs.timeline, { createNew: true, write: true })
    : undefined;
  const writeTimeline = (text: string) => timelineFile?.writeSync(encoder.encode(text));
  writeTimeline(`${timelineCsvHeader(classNames)}\n`);
  if (options.csv) stdout(`${timelineCsvHeader(classNames)}\n`);
  if (options.json) {
    stdout(`{\n"video": ${JSON.stringify(video)},\n"model": ${
      JSON.stringify({
        source: model.source,
        name: model.name,
        classNames,
        tta,
      })
    },\n"timeline": [`);
  }
  let rows = 0;
  const started = performance.now();
  // On stderr, so that stdout holds only the timeline; the last state stays on its own line.
  const progress = new ProgressDisplay(
    defaultProgressMode(false, Deno.stderr),
    (text) => Deno.stderr.writeSync(encoder.encode(text)),
    "keep",
  );
  const videoOptions: VideoPredictOptions = {
    model,
    detector,
    tta,
    fps,
    info,
    smooth: options.smooth,
    scoreThreshold: options.threshold,
    tiles: options.tiles,
    margin: options.margin,
    annotatedPath: outputs?.annotated,
    onRow: (row) => {
      const line = timelineCsvLine(row, classNames);
      writeTimeline(`${line}\n`);
      if (options.csv) stdout(`${line}\n`);
      if (options.json) stdout(`${rows > 0 ? "," : ""}\n  ${JSON.stringify(timelineJson(row))}`);
      rows++;
    },
    onProgress: (done, expected) =>
      progress.update(
        done,
        expected,
        frameProgressLine(done, expected, (performance.now() - started) / 1000),
      ),
  };
  let result;
  try {
    result = await predictVideo(video, videoOptions);
  } finally {
    progress.finish();
    timelineFile?.close();
  }
  const faces = result.faces.map(faceSummaryJson);
  const about = {
    width: result.info.width,
    height: result.info.height,
    duration: result.info.duration,
    frameRate: result.info.frameRate,
    sampledFps: result.rate,
    framesRead: result.frames,
    smooth: options.smooth,
  };
  if (options.json) {
    stdout(
      `\n],\n"info": ${JSON.stringify(about)},\n"faces": ${JSON.stringify(faces, null, 2)},\n` +
        `"error": ${JSON.stringify(result.error ?? null)}\n}\n`,
    );
  }
  const table = faceSummaryTable(result.faces, classNames);
  if (options.json || options.csv) console.error(table);
  else console.log(table);
  if (outputs) {
    await Deno.writeTextFile(
      outputs.summary,
      JSON.stringify(
        { video, model: model.source, tta, info: about, faces, error: result.error ?? null },
        null,
        2,
      ) + "\n",
      { createNew: true },
    );
    const figure = await emotionTimelineFigure(result.series, classNames, basename(video));
    await Deno.writeTextFile(outputs.figure, figure.svg, { createNew: true });
    console.error(`Wrote ${Object.values(outputs).join(", ")}`);
  }
  console.error(
    `${result.frames} frame(s) at ${result.rate.toFixed(2)} fps in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s, ` +
      `${result.faces.length} face(s) tracked`,
  );
  if (result.error) {
    console.error(`error: ${result.error}; the results above cover the frames read before it`);
    return 1;
  }
  return 0;
}
