/**
 * Shared test utilities: where real data is, temporary folders, tiny synthetic datasets, console
 * capture and convolution gradients for backend cross-checks.
 */
import * as tf from "@tensorflow/tfjs";
import { seededValues } from "../lib/backend/cross_check.ts";
import {
  FER2013_CLASSES,
  resizeBilinear,
  type RgbaImage,
  syntheticImages,
  writeFer2013Csv,
} from "../lib/data/mod.ts";

/**
 * The real-data folder (`FER_DATA_DIR`) when it holds `relative`, else undefined after printing why
 * the caller skips. Tests that need real data use it as `if (!path) return;`.
 */
export function realData(relative: string): string | undefined {
  const root = Deno.env.get("FER_DATA_DIR");
  if (!root) {
    console.log(`skipped: FER_DATA_DIR is not set, so ${relative} is not available`);
    return undefined;
  }
  const path = `${root}/${relative}`;
  try {
    Deno.statSync(path);
    return path;
  } catch {
    console.log(`skipped: ${path} does not exist`);
    return undefined;
  }
}

const ROOT = new URL("..", import.meta.url).pathname;

/**
 * Runs `fer` (cli/main.ts) in a subprocess from the project root, with `env` added to its
 * environment (a process's own, such as FER_CPU_FLAGS, stays out of parallel test files); returns
 * its exit code, stdout and stderr.
 */
export async function runFer(
  args: readonly string[],
  env?: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "cli/main.ts", ...args],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Runs `body` with a fresh temporary folder that is removed afterwards. */
export async function withTempDir<T>(body: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "fer-test-" });
  try {
    return await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * A synthetic FER2013-format CSV (7 classes, 48×48) at `path`: `training` Training rows, then
 * `publicTest` PublicTest rows, the rest of `count` PrivateTest. Returns `path`.
 */
export async function writeTinyFer2013(
  path: string,
  sizes: { count: number; training: number; publicTest: number; seed: number },
): Promise<string> {
  const { count, training, publicTest, seed } = sizes;
  const ds = syntheticImages({
    count,
    classNames: FER2013_CLASSES,
    height: 48,
    width: 48,
    seed,
    usage: (i) =>
      i < training ? "Training" : i < training + publicTest ? "PublicTest" : "PrivateTest",
  });
  await writeFer2013Csv(ds, path);
  return path;
}

/**
 * A `fer train --config` file at `dir`/small.json: liu-cnn5 on 16×16 inputs, the smallest it
 * takes, so a CLI training test runs in seconds. Returns its path.
 */
export async function writeSmallLiuConfig(dir: string): Promise<string> {
  const config = `${dir}/small.json`;
  await Deno.writeTextFile(
    config,
    JSON.stringify({ model: { name: "liu-cnn5", options: { inputShape: [16, 16, 1] } } }),
  );
  return config;
}

/** Runs `body` (a CLI `main(...)`, say) with what it prints by console.log and console.error kept. */
export async function captureConsole(
  body: () => Promise<number>,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const original = { log: console.log, error: console.error };
  console.log = (...args: unknown[]) => out.push(args.join(" "));
  console.error = (...args: unknown[]) => err.push(args.join(" "));
  try {
    const code = await body();
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    Object.assign(console, original);
  }
}

export type Shape4 = [number, number, number, number];

/** The output and both gradients of a convolution under a non-uniform output gradient. */
export function withGradients(
  conv: (x: tf.Tensor4D, f: tf.Tensor4D) => tf.Tensor4D,
  xShape: Shape4,
  fShape: Shape4,
  seed: number,
): tf.Tensor[] {
  const x = tf.tensor4d(seededValues(xShape, seed), xShape);
  const f = tf.tensor4d(seededValues(fShape, seed + 1), fShape);
  const y = conv(x, f);
  const weights = tf.tensor(seededValues(y.shape, seed + 2), y.shape);
  const loss = (a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), weights));
  return [y, ...tf.grads(loss)([x, f])];
}

/**
 * Pastes grey `face` (its red channel: CK+48 is grey) enlarged to size×size with its top-left at
 * x, y into `pixels`, an RGB or RGBA image `width` wide (`channels` 3 or 4; alpha is left alone).
 */
export function pasteFace(
  pixels: Uint8Array,
  width: number,
  channels: 3 | 4,
  face: RgbaImage,
  x: number,
  y: number,
  size: number,
): void {
  const grey = new Uint8Array(face.width * face.height);
  for (let i = 0; i < grey.length; i++) grey[i] = face.rgba[i * 4];
  const scaled = resizeBilinear(grey, face.height, face.width, 1, size, size);
  for (let row = 0; row < size; row++) {
    for (let column = 0; column < size; column++) {
      const v = scaled[row * size + column];
      pixels.set([v, v, v], ((y + row) * width + x + column) * channels);
    }
  }
}
