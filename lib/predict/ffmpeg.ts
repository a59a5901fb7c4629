/**
 * Video in and out through Debian's `ffmpeg` and `ffprobe`, run as processes: frames are decoded
 * into a pipe as raw rgb24 and read one at a time (so memory stays the size of a frame however long
 * the video), and annotated frames are piped into an encoder that copies the original's audio.
 */
import { toPixels } from "../data/mod.ts";
import { FerError } from "../errors.ts";
import type { RgbaImage } from "./types.ts";

/** Extensions `fer predict` treats as videos (anything else is read as an image). */
export const VIDEO_EXTENSIONS = [
  ".mp4",
  ".m4v",
  ".mov",
  ".mkv",
  ".webm",
  ".avi",
  ".mpg",
  ".mpeg",
  ".ts",
  ".mts",
  ".ogv",
  ".flv",
  ".wmv",
  ".3gp",
  ".y4m",
];

/** Whether `path` names a video by its extension (VIDEO_EXTENSIONS). */
export function isVideoFile(path: string): boolean {
  const lower = path.toLowerCase();
  return VIDEO_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

const INSTALL_HINT = "install it with 'sudo apt-get install ffmpeg' (Debian/Ubuntu), " +
  "'brew install ffmpeg' (macOS) or from https://ffmpeg.org";

/** Starts `program` (ffmpeg or ffprobe); FerError saying how to install it when it is missing. */
function spawn(program: string, args: string[], stdin: "piped" | "null" = "null") {
  try {
    return new Deno.Command(program, { args, stdin, stdout: "piped", stderr: "piped" }).spawn();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new FerError(
        `videos are read with ${program}, which is not installed: ${INSTALL_HINT}`,
      );
    }
    throw error;
  }
}

/** What ffprobe says about a video's first video stream. */
export interface VideoInfo {
  readonly path: string;
  /** Frame size as decoded (after the rotation the file asks for). */
  readonly width: number;
  readonly height: number;
  /** The stream's average frame rate (frames per second). */
  readonly frameRate: number;
  /** Duration in seconds; NaN when the file does not say. */
  readonly duration: number;
  readonly hasAudio: boolean;
}

/** The video stream's size, rate and duration; FerError naming the file when it is not a video. */
export async function probeVideo(path: string): Promise<VideoInfo> {
  try {
    await Deno.stat(path);
  } catch (error) {
    throw new FerError(`${path}: cannot read: ${(error as Error).message}`);
  }
  const probe = spawn("ffprobe", [
    "-v",
    "error",
    "-show_entries",
    "stream=codec_type,width,height,avg_frame_rate,r_frame_rate,duration:" +
    "stream_side_data=rotation:format=duration",
    "-of",
    "json",
    path,
  ]);
  const { code, stdout, stderr } = await probe.output();
  const said = new TextDecoder().decode(stderr).trim();
  if (code !== 0) {
    throw new FerError(`${path}: not a video ffmpeg can read (${firstLine(said)})`);
  }
  const json = JSON.parse(new TextDecoder().decode(stdout));
  const streams: Record<string, unknown>[] = json.streams ?? [];
  const video = streams.find((s) => s.codec_type === "video");
  if (video === undefined || !(Number(video.width) > 0)) {
    throw new FerError(`${path}: has no video stream`);
  }
  const rotation = Number(
    (video.side_data_list as { rotation?: number }[] | undefined)?.find((d) =>
      d.rotation !== undefined
    )?.rotation ?? 0,
  );
  // ffmpeg turns a phone video upright as it decodes, so the frames are the other way round.
  const turned = Math.abs(rotation) % 180 === 90;
  const width = Number(turned ? video.height : video.width);
  const height = Number(turned ? video.width : video.height);
  const frameRate = parseRate(String(video.avg_frame_rate)) ||
    parseRate(String(video.r_frame_rate)) || 25;
  // The video stream's own duration: the container's can include a longer audio track.
  const duration = Number(video.duration ?? json.format?.duration ?? NaN);
  return {
    path,
    width,
    height,
    frameRate,
    duration,
    hasAudio: streams.some((s) => s.codec_type === "audio"),
  };
}

/** "30000/1001" → 29.97; 0 for "0/0" or anything unreadable. */
function parseRate(rate: string): number {
  const [num, den] = rate.split("/").map(Number);
  const value = den === undefined ? num : num / den;
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** ffmpeg's first message line, without its "[h264 @ 0x…] " source prefix. */
function firstLine(text: string): string {
  const line = text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "no message";
  return line.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, "");
}

/** One decoded frame: its index among the frames read, its time in seconds, its pixels. */
export interface VideoFrame {
  readonly index: number;
  readonly time: number;
  readonly image: RgbaImage;
}

/**
 * The frames of `info`'s video, one at a time, sampled at `fps` frames per second ("all": every
 * frame, timed at the stream's average rate). Throws FerError when ffmpeg stops on an error (a
 * truncated or damaged file) after yielding the frames it could decode; errors in a file decoded
 * to its end are a warning on stderr.
 */
export async function* readFrames(
  info: VideoInfo,
  fps: number | "all",
): AsyncGenerator<VideoFrame> {
  const { width, height } = info;
  const filters = fps === "all" ? [] : ["-vf", `fps=${fps}`];
  const decoder = spawn("ffmpeg", [
    "-v",
    "error",
    "-nostdin",
    "-i",
    info.path,
    ...filters,
    "-an",
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "pipe:1",
  ]);
  const errors = new Response(decoder.stderr).text();
  const rate = fps === "all" ? info.frameRate : fps;
  const frameBytes = width * height * 3;
  let frame = new Uint8Array(frameBytes);
  let filled = 0;
  let index = 0;
  const reader = decoder.stdout.getReader();
  let finished = false;
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const take = Math.min(frameBytes - filled, value.length - offset);
        frame.set(value.subarray(offset, offset + take), filled);
        filled += take;
        offset += take;
        if (filled === frameBytes) {
          yield { index, time: index / rate, image: rgbToRgba(frame, width, height) };
          index++;
          frame = new Uint8Array(frameBytes);
          filled = 0;
        }
      }
    }
    finished = true;
  } finally {
    if (!finished) {
      // The consumer stopped early (an error or a break): stop ffmpeg rather than drain it.
      await reader.cancel().catch(() => {});
      try {
        decoder.kill();
      } catch { /* already exited */ }
      await decoder.status;
      await errors.catch(() => "");
    }
    reader.releaseLock();
  }
  const status = await decoder.status;
  const said = (await errors).trim();
  if (said === "" && status.success) return;
  // ffmpeg exits 0 on a file that ends early too ("File ended prematurely"), so a clean exit with
  // messages is a truncation only when frames are missing from the duration the file states.
  const expected = Number.isFinite(info.duration) ? Math.round(info.duration * rate) : NaN;
  if (status.success && !(index + 1 < expected)) {
    console.error(`warning: ${info.path}: decoded with errors: ${firstLine(said)}`);
    return;
  }
  throw new FerError(
    `${info.path}: the video is damaged or truncated after ${index} frame(s) ` +
      `(${(index / rate).toFixed(2)} s): ffmpeg said: ${firstLine(said)}` +
      (status.success ? "" : ` (exit status ${status.code})`),
  );
}

function rgbToRgba(rgb: Uint8Array, width: number, height: number): RgbaImage {
  const count = width * height;
  const rgba = new Uint8Array(count * 4);
  for (let i = 0, j = 0; i < count; i++, j += 4) {
    rgba[j] = rgb[i * 3];
    rgba[j + 1] = rgb[i * 3 + 1];
    rgba[j + 2] = rgb[i * 3 + 2];
    rgba[j + 3] = 255;
  }
  return { width, height, rgba };
}

/**
 * An H.264 MP4 written by ffmpeg from frames given one at a time, with the audio of `audioFrom`
 * (when it has any) copied beside them. `close` must be called to finish the file; a file whose
 * frames stop early (a truncated input) is still a playable video of the frames given.
 */
export class VideoWriter {
  readonly #process: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #errors: Promise<string>;

  constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    frameRate: number,
    audioFrom?: VideoInfo,
  ) {
    const audio = audioFrom?.hasAudio
      ? ["-i", audioFrom.path, "-map", "0:v", "-map", "1:a:0", "-c:a", "aac", "-shortest"]
      : [];
    this.#process = spawn("ffmpeg", [
      "-v",
      "error",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${width}x${height}`,
      "-framerate",
      String(frameRate),
      "-i",
      "pipe:0",
      ...audio,
      "-c:v",
      "libx264",
      "-preset",
      "veryfast",
      "-pix_fmt",
      "yuv420p",
      // Even sides, as yuv420p needs; odd-sized videos lose their last row or column.
      "-vf",
      "crop=trunc(iw/2)*2:trunc(ih/2)*2",
      "-movflags",
      "+faststart",
      "-n",
      path,
    ], "piped");
    this.#writer = this.#process.stdin.getWriter();
    this.#errors = new Response(this.#process.stderr).text();
    // stdout is unused; close it so the process never blocks on it.
    this.#process.stdout.cancel();
  }

  /** Appends one frame (RGBA pixels of the writer's size). */
  async write(image: RgbaImage): Promise<void> {
    const rgb = toPixels(image, this.height, this.width, 3);
    try {
      await this.#writer.write(rgb);
    } catch {
      // The encoder died; close() reports why.
    }
  }

  /** Finishes the file; FerError with ffmpeg's message when encoding failed. */
  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    const status = await this.#process.status;
    const said = (await this.#errors).trim();
    if (!status.success) {
      throw new FerError(`writing ${this.path} failed: ffmpeg said: ${firstLine(said)}`);
    }
  }
}
