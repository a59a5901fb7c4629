/**
 * Pixel normalisation as a small JSON-safe config a run stores in its config.json:
 *
 * - `{ kind: "scale" }`: x / 255, values in 0..1.
 * - `{ kind: "mean-std", mean, std }`: (x / 255 − mean[c]) / std[c] per channel, with mean and
 *   std in 0..1 units, e.g. FER2013's common 0.4907 / 0.2099.
 *
 * "Mean/std of the training split" is a request, `{ kind: "train-mean-std" }`, that
 * `resolveNormalization` turns into a concrete mean-std config from the training images only.
 */
import { FerError, UsageError } from "../errors.ts";
import type { LabeledImages } from "./types.ts";

/** A concrete normalisation, ready to apply and to store. */
export type Normalization =
  | { readonly kind: "scale" }
  | {
    readonly kind: "mean-std";
    readonly mean: readonly number[];
    readonly std: readonly number[];
    /** Where the statistics came from, e.g. "fer2013 train split"; informational. */
    readonly source?: string;
  };

/** What a user asks for: a concrete normalisation, or statistics of the training split. */
export type NormalizationSpec = Normalization | { readonly kind: "train-mean-std" };

/** Per-channel mean and standard deviation in 0..1 units. */
export interface MeanStd {
  readonly mean: number[];
  readonly std: number[];
}

/**
 * Exact per-channel mean and (population) standard deviation of all pixels in 0..1 units, from a
 * 256-bin histogram per channel, so it is one cheap pass even over all of FER2013. `indices`
 * restricts it to some images (e.g. the training part) without copying them.
 */
export function computeMeanStd(ds: LabeledImages, indices?: ArrayLike<number>): MeanStd {
  const channels = ds.channels;
  const size = ds.height * ds.width * channels;
  const histograms = Array.from({ length: channels }, () => new Float64Array(256));
  const count = indices ? indices.length : ds.count;
  for (let k = 0; k < count; k++) {
    const start = (indices ? indices[k] : k) * size;
    const pixels = ds.images.subarray(start, start + size);
    if (channels === 1) {
      const h = histograms[0];
      for (let i = 0; i < size; i++) h[pixels[i]]++;
    } else {
      for (let i = 0; i < size; i++) histograms[i % channels][pixels[i]]++;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (const h of histograms) {
    let n = 0, sum = 0, squares = 0;
    for (let v = 0; v < 256; v++) {
      n += h[v];
      sum += h[v] * v;
      squares += h[v] * v * v;
    }
    if (n === 0) throw new FerError(`cannot compute mean/std of '${ds.name}': it has no images`);
    const m = sum / n;
    mean.push(m / 255);
    std.push(Math.sqrt(Math.max(0, squares / n - m * m)) / 255);
  }
  return { mean, std };
}

/** A concrete normalisation: train-mean-std is computed on `train` (and only on it). */
export function resolveNormalization(spec: NormalizationSpec, train: LabeledImages): Normalization {
  if (spec.kind !== "train-mean-std") return checkNormalization(spec, train.channels);
  const { mean, std } = computeMeanStd(train);
  return checkNormalization(
    { kind: "mean-std", mean, std, source: `${train.name} training images (${train.count})` },
    train.channels,
  );
}

/**
 * Parses a command-line value: "scale" (x/255), "train" (mean/std of the training split), or
 * "MEAN/STD" with one value per channel separated by commas, e.g. "0.4907/0.2099".
 */
export function parseNormalization(text: string): NormalizationSpec {
  if (text === "scale") return { kind: "scale" };
  if (text === "train") return { kind: "train-mean-std" };
  const match = text.match(/^([^/]+)\/([^/]+)$/);
  const numbers = (part: string) => part.split(",").map((v) => Number(v.trim()));
  if (match) {
    const mean = numbers(match[1]), std = numbers(match[2]);
    if (mean.length === std.length && [...mean, ...std].every(Number.isFinite)) {
      return { kind: "mean-std", mean, std };
    }
  }
  throw new UsageError(
    `normalisation '${text}' is not valid. Valid choices: scale, train, MEAN/STD (e.g. 0.4907/0.2099)`,
  );
}

/**
 * Validates a normalisation read back from JSON (e.g. a run's config.json) for images with
 * `channels` channels, and returns it typed. One mean and std serve every channel (a grey dataset's
 * statistics for a model that reads it replicated to RGB, as torchvision's Normalize broadcasts).
 */
export function checkNormalization(value: unknown, channels: number): Normalization {
  const v = value as { kind?: unknown; mean?: unknown; std?: unknown; source?: unknown };
  if (v?.kind === "scale") return { kind: "scale" };
  if (v?.kind === "mean-std") {
    const list = (x: unknown) =>
      Array.isArray(x) && x.every((n) => typeof n === "number" && Number.isFinite(n))
        ? x as number[]
        : undefined;
    const perChannel = (x: number[] | undefined) =>
      x?.length === 1 && channels > 1 ? Array<number>(channels).fill(x[0]) : x;
    const mean = perChannel(list(v.mean)), std = perChannel(list(v.std));
    if (
      mean && std && mean.length === channels && std.length === channels && std.every((s) => s > 0)
    ) {
      return {
        kind: "mean-std",
        mean,
        std,
        ...(typeof v.source === "string" ? { source: v.source } : {}),
      };
    }
    const count = channels === 1 ? "1" : `${channels} (or 1)`;
    throw new FerError(
      `mean-std normalisation needs ${count} mean and positive std value(s), got ` +
        JSON.stringify({ mean: v.mean, std: v.std }),
    );
  }
  throw new FerError(
    `unknown normalisation ${JSON.stringify(value)}. Valid kinds: scale, mean-std`,
  );
}
