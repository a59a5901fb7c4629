/** Shared test utilities: where real data is, temporary folders, and tiny synthetic datasets. */
import { FER2013_CLASSES, syntheticImages, writeFer2013Csv } from "../lib/data/mod.ts";

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
