/**
 * Test videos made from CK+48 faces: each 48×48 face enlarged and pasted onto a coloured frame
 * large enough for the face detector (as tests/predict_detect_test.ts does for photos), one
 * segment per expression, encoded by ffmpeg from raw frames piped to it.
 */
import { decodeImage, type RgbaImage } from "../lib/data/mod.ts";
import { pasteFace } from "./helpers.ts";

/** Whether ffmpeg runs here; prints why a test skips when it does not. */
export function ffmpegPresent(): boolean {
  try {
    new Deno.Command("ffmpeg", { args: ["-version"], stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch {
    console.log("skipped: ffmpeg is not installed (apt-get install ffmpeg)");
    return false;
  }
}

/** The first CK+48 face (by file name) of a class folder, e.g. "happy". */
export async function ckFace(ckRoot: string, folder: string, pick = 0): Promise<RgbaImage> {
  const names = [...Deno.readDirSync(`${ckRoot}/${folder}`)].map((e) => e.name).sort();
  return await decodeImage(await Deno.readFile(`${ckRoot}/${folder}/${names[pick]}`));
}

/** A width×height RGB frame of one colour with grey `faces` enlarged to `size` at [x, y]. */
export function faceFrame(
  width: number,
  height: number,
  faces: readonly { face: RgbaImage; x: number; y: number; size: number }[],
): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set([40, 120, 200], i * 3);
  for (const { face, x, y, size } of faces) pasteFace(rgb, width, 3, face, x, y, size);
  return rgb;
}

/**
 * Encodes `frames` (RGB, width×height each) at `fps` into `path` (the extension picks the
 * container: .mp4 gets H.264 and, with `audio`, a sine tone; .y4m is raw YUV for Chromium's fake
 * camera). Returns `path`.
 */
export async function encodeVideo(
  path: string,
  frames: Iterable<Uint8Array>,
  size: { width: number; height: number; fps: number; audio?: boolean },
): Promise<string> {
  const audio = size.audio ? ["-f", "lavfi", "-i", "sine=frequency=440", "-shortest"] : [];
  const codec = path.endsWith(".y4m") ? [] : ["-c:v", "libx264", "-preset", "veryfast"];
  const ffmpeg = new Deno.Command("ffmpeg", {
    args: [
      "-v",
      "error",
      "-y",
      "-f",
      "rawvideo",
      "-pix_fmt",
      "rgb24",
      "-s",
      `${size.width}x${size.height}`,
      "-framerate",
      String(size.fps),
      "-i",
      "pipe:0",
      ...audio,
      ...codec,
      "-pix_fmt",
      "yuv420p",
      path,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = ffmpeg.stdin.getWriter();
  for (const frame of frames) await writer.write(frame);
  await writer.close();
  const { success, stderr } = await ffmpeg.output();
  if (!success) throw new Error(`ffmpeg failed: ${new TextDecoder().decode(stderr)}`);
  return path;
}
