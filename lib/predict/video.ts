/**
 * Emotions over time in a video: frames stream from ffmpeg (ffmpeg.ts) one at a time, each frame's
 * faces are found and classified as `predict` does for a photo, tracked across frames so each
 * person keeps one id (portable/tracking.js), their probabilities optionally smoothed over time,
 * and every face of every frame handed to the caller as a timeline row as soon as it is known.
 * What is kept in memory is one frame and, per face, a compact series for the summary and figure.
 */
import { FerError } from "../errors.ts";
import { type AnnotatedFace, annotateImage } from "./annotate.ts";
import { probeVideo, readFrames, type VideoInfo, VideoWriter } from "./ffmpeg.ts";
import { argMax, FaceTracker } from "./portable/tracking.js";
import { predict, type PredictOptions } from "./predict.ts";
import type { Box } from "./types.ts";

/** Options of predictVideo. */
export interface VideoPredictOptions extends Omit<PredictOptions, "aligned" | "name"> {
  /** Frames per second to sample, or "all" (every frame). Default 5. */
  readonly fps?: number | "all";
  /** The video as probeVideo already described it (probed here when absent). */
  readonly info?: VideoInfo;
  /** Time constant of the probability smoothing, in seconds; 0 (default) smooths nothing. */
  readonly smooth?: number;
  /** Write a copy of the sampled frames with boxes and labels here (MP4, with the audio). */
  readonly annotatedPath?: string;
  /** Called with every face of every frame, in order, as soon as it is classified. */
  readonly onRow?: (row: TimelineRow) => void | Promise<void>;
  /** Called after each frame with the frames done and the frames expected (NaN if unknown). */
  readonly onProgress?: (done: number, expected: number) => void;
}

/** One face in one frame. */
export interface TimelineRow {
  /** Seconds from the start of the video. */
  readonly time: number;
  /** Index of the sampled frame. */
  readonly frame: number;
  /** The face's track id (1, 2, … in order of first appearance). */
  readonly face: number;
  readonly box: Box;
  readonly detectorScore: number;
  /** The top class after smoothing, and its probability. */
  readonly emotion: string;
  readonly confidence: number;
  /** Every class's (smoothed) probability, in the model's class order. */
  readonly probabilities: Record<string, number>;
}

/** One tracked face over the whole video. */
export interface FaceSummary {
  readonly face: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Sampled frames the face was seen in. */
  readonly frames: number;
  /** The emotion on top in most of its frames. */
  readonly dominant: string;
  /** Per class: the fraction of the face's frames with that class on top. */
  readonly share: Record<string, number>;
}

/** A face's probabilities over time, for the figure: times and a K-wide row per time. */
export interface FaceSeries {
  readonly face: number;
  readonly times: number[];
  readonly probabilities: Float32Array[];
}

/** What predictVideo found. */
export interface VideoPrediction {
  readonly info: VideoInfo;
  /** Sampled frames per second actually used (the stream's rate for "all"). */
  readonly rate: number;
  /** Frames read and classified. */
  readonly frames: number;
  readonly faces: FaceSummary[];
  readonly series: FaceSeries[];
  /**
   * Why reading stopped early (a damaged or truncated file); everything above covers the frames
   * read before it.
   */
  readonly error?: string;
}

/** The default sampling rate of `fer predict` on videos. */
export const DEFAULT_VIDEO_FPS = 5;

/**
 * Finds, tracks and classifies the faces of the video at `path`, frame by frame. A file ffmpeg
 * cannot open at all is a FerError; one that breaks part-way returns what was read, with `error`.
 */
export async function predictVideo(
  path: string,
  options: VideoPredictOptions,
): Promise<VideoPrediction> {
  const fps = options.fps ?? DEFAULT_VIDEO_FPS;
  if (fps !== "all" && !(fps > 0)) throw new FerError(`fps must be positive or "all", got ${fps}`);
  const info = options.info ?? await probeVideo(path);
  const rate = fps === "all" ? info.frameRate : fps;
  const expected = Number.isFinite(info.duration)
    ? Math.max(1, Math.round(info.duration * rate))
    : NaN;
  const classNames = options.model.classNames;
  const tracker = new FaceTracker({ smooth: options.smooth ?? 0, maxGap: Math.max(1, 2 / rate) });
  const series = new Map<number, FaceSeries>();
  const writer = options.annotatedPath === undefined
    ? undefined
    : new VideoWriter(options.annotatedPath, info.width, info.height, rate, info);
  let frames = 0;
  let error: string | undefined;
  try {
    for await (const frame of readFrames(info, fps)) {
      const result = await predict(frame.image, { ...options, aligned: false });
      const tracked = tracker.update(
        frame.time,
        result.faces.map((face) => ({
          box: face.box,
          probabilities: classNames.map((name) => face.probabilities[name]),
        })),
      );
      const shown: (AnnotatedFace & { id: number })[] = [];
      for (const [i, face] of result.faces.entries()) {
        const { id, probabilities } = tracked[i];
        const best = argMax(probabilities);
        const row: TimelineRow = {
          time: frame.time,
          frame: frame.index,
          face: id,
          box: face.box,
          detectorScore: face.detectorScore ?? 1,
          emotion: classNames[best],
          confidence: probabilities[best],
          probabilities: Object.fromEntries(classNames.map((name, k) => [name, probabilities[k]])),
        };
        if (!series.has(id)) series.set(id, { face: id, times: [], probabilities: [] });
        series.get(id)!.times.push(frame.time);
        series.get(id)!.probabilities.push(probabilities);
        shown.push({ box: face.box, emotion: row.emotion, confidence: row.confidence, id });
        await options.onRow?.(row);
      }
      if (writer) {
        const annotated = await annotateImage(frame.image, shown, classNames, {
          label: (face, i) => `${shown[i].id}: ${face.emotion} ${face.confidence.toFixed(2)}`,
        });
        const rgba = new Uint8Array(annotated.bitmap.buffer, 0, annotated.bitmap.length);
        await writer.write({ width: info.width, height: info.height, rgba });
      }
      frames++;
      options.onProgress?.(frames, expected);
    }
  } catch (caught) {
    if (!(caught instanceof FerError)) {
      await writer?.close().catch(() => {});
      throw caught;
    }
    error = caught.message;
  }
  await writer?.close();
  const all = [...series.values()].sort((a, b) => a.face - b.face);
  return {
    info,
    rate,
    frames,
    faces: all.map((s) => summarise(s, classNames)),
    series: all,
    error,
  };
}

/** A face's dominant emotion and share of time per emotion, from its series. */
function summarise(series: FaceSeries, classNames: readonly string[]): FaceSummary {
  const counts = new Array(classNames.length).fill(0);
  for (const row of series.probabilities) counts[argMax(row)]++;
  const frames = series.times.length;
  return {
    face: series.face,
    firstSeen: series.times[0],
    lastSeen: series.times[frames - 1],
    frames,
    dominant: classNames[argMax(counts)],
    share: Object.fromEntries(classNames.map((name, k) => [name, counts[k] / frames])),
  };
}
