/**
 * The datasets fer knows by name, where each is looked for under the data folder (`--data-dir`, or
 * the `FER_DATA_DIR` environment variable), and `loadDataset`, which also accepts a path to a
 * FER2013-format CSV or a class-per-folder image directory.
 */
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { DataError, FerError, unknownChoice, UsageError } from "../errors.ts";
import { ckPlusSubject, isCkPlusFileName } from "./ckplus.ts";
import { CANONICAL_CLASSES, FER2013_CLASSES } from "./classes.ts";
import { detectFormat } from "./detect.ts";
import { loadFer2013Csv } from "./fer2013_csv.ts";
import { type FerPlusVoteRule, loadFerPlus } from "./ferplus.ts";
import { type ClassNaming, findImageFiles, loadImageFolder } from "./image_folder.ts";
import type { Protocol } from "./protocol.ts";
import type { SkipOptions } from "./skipped.ts";
import type { LabeledImages } from "./types.ts";

/** CK+'s seven classes in canonical order: no neutral, with contempt. */
const CKPLUS_CLASSES = CANONICAL_CLASSES.filter((name) => name !== "neutral");

/** The environment variable naming the data folder. */
export const DATA_DIR_VARIABLE = "FER_DATA_DIR";

/** Options for loadDataset. */
export interface LoadDatasetOptions extends SkipOptions {
  /** The data folder; default $FER_DATA_DIR. Only needed for registry names. */
  readonly dataDir?: string;
  /** Image folders: target size (default 48×48) and channels (default 1, grayscale). */
  readonly height?: number;
  readonly width?: number;
  readonly channels?: 1 | 3;
  /** Image folders given by path: how folder names become class names (see loadImageFolder). */
  readonly naming?: ClassNaming;
  /** FER+ hard-label rule; default "plurality". */
  readonly vote?: FerPlusVoteRule;
}

/** A dataset fer knows by name. */
export interface DatasetEntry {
  readonly name: string;
  readonly description: string;
  readonly citation: string;
  /** Where to get it. */
  readonly source: string;
  /** Paths under the data folder that are tried, in order. */
  readonly files: readonly string[];
  readonly classNames: readonly string[];
  /** The protocol papers usually report on this dataset. */
  readonly defaultProtocol: Protocol;
  /** Loads it from the first path of `files` that exists (absolute paths given). */
  load(found: string, dataDir: string, options: LoadDatasetOptions): Promise<LabeledImages>;
}

/** Every known dataset. */
export const DATASETS: readonly DatasetEntry[] = [
  {
    name: "fer2013",
    description: "FER2013: 35,887 48×48 grayscale faces from the web, 7 expressions, with the " +
      "official Training / PublicTest / PrivateTest split (28,709 / 3,589 / 3,589)",
    citation: "Goodfellow et al., Challenges in Representation Learning: A report on three " +
      "machine learning contests, 2013 (arXiv:1307.0414)",
    source:
      "https://www.kaggle.com/c/challenges-in-representation-learning-facial-expression-recognition-challenge/data",
    files: ["fer2013/fer2013.csv.gz", "fer2013/fer2013.csv", "fer2013/train"],
    classNames: FER2013_CLASSES,
    defaultProtocol: { kind: "official" },
    load: (found, _dir, options) =>
      found.endsWith("train")
        ? loadImageFolder(join(found, ".."), {
          ...options,
          name: "fer2013",
          naming: "canonical",
          classes: FER2013_CLASSES,
        })
        : loadFer2013Csv(found, { ...options, name: "fer2013" }),
  },
  {
    name: "ferplus",
    description: "FER+: FER2013's images relabelled by 10 crowd votes each over 8 expressions " +
      "(plus unknown / not a face); hard labels by plurality (or the reference code's majority " +
      "rule) and vote distributions, official split",
    citation: "Barsoum et al., Training Deep Networks for Facial Expression Recognition with " +
      "Crowd-Sourced Label Distribution, ICMI 2016 (arXiv:1608.01041)",
    source: "https://github.com/microsoft/FERPlus (labels; the images are FER2013's, see fer2013)",
    files: ["ferplus/fer2013new.csv"],
    classNames: CANONICAL_CLASSES,
    defaultProtocol: { kind: "official" },
    load: async (found, dir, options) => {
      const fer2013 = await loadNamed("fer2013", dir, {
        ...options,
        skipBadRows: false, // FER+ rows must line up with every FER2013 row
        skipBadFiles: false,
      });
      return loadFerPlus(fer2013, found, options);
    },
  },
  {
    name: "ckplus48",
    description: "CK+48: the last 3 frames of the 327 labelled CK+ sequences (981 images, 118 " +
      "subjects), 48×48 grayscale, 7 expressions (no neutral, with contempt); no official split",
    citation: "Lucey et al., The Extended Cohn-Kanade Dataset (CK+), CVPR Workshops 2010",
    source: "the CK+ agreement page https://www.jeffcohn.net/Resources/ (Cohn-Kanade); the 48×48 " +
      "crops as folders ckplus48/<class>/S###_###_########.png",
    files: ["ckplus48"],
    classNames: CKPLUS_CLASSES,
    defaultProtocol: { kind: "group-k-fold", k: 10, seed: 0 },
    load: (found, _dir, options) =>
      loadImageFolder(found, {
        ...options,
        name: "ckplus48",
        naming: "canonical",
        classes: CKPLUS_CLASSES,
        groupOf: ckPlusSubject,
      }),
  },
];

/** The registry entry called `name` (any case), or undefined for anything else, such as a path. */
export function findDataset(name: string): DatasetEntry | undefined {
  return DATASETS.find((d) => d.name === name.toLowerCase());
}

/** The registry entry called `name`; a UsageError listing the names (and that paths work too). */
export function datasetEntry(name: string): DatasetEntry {
  const entry = findDataset(name);
  if (!entry) throw unknownDataset(name);
  return entry;
}

/** The data folder: `explicit`, else $FER_DATA_DIR, else undefined (empty counts as unset). */
export function dataDir(explicit?: string): string | undefined {
  return explicit || Deno.env.get(DATA_DIR_VARIABLE) || undefined;
}

/**
 * Loads a dataset by registry name ("fer2013", "ferplus", "ckplus48") or by path: a FER2013-format
 * CSV (plain or gzip) or a class-per-folder image directory. A missing dataset is a FerError saying
 * where it was looked for and where to get it.
 */
export async function loadDataset(
  nameOrPath: string,
  options: LoadDatasetOptions = {},
): Promise<LabeledImages> {
  if (findDataset(nameOrPath)) {
    return await loadNamed(nameOrPath, dataDir(options.dataDir), options);
  }
  if (!existsSync(nameOrPath)) {
    if (/[\\/.]/.test(nameOrPath)) throw new DataError("no such file or folder", nameOrPath);
    throw unknownDataset(nameOrPath);
  }
  return await loadPath(nameOrPath, options);
}

/** Loads a CSV file or image folder by path, whatever its format. */
export async function loadPath(path: string, options: LoadDatasetOptions = {}) {
  const format = await detectFormat(path);
  if (format === "fer2013-csv") return loadFer2013Csv(path, { ...options, name: baseName(path) });
  if (format === "ferplus-csv") {
    throw new FerError(
      `${path} holds FER+ votes only; the images are FER2013's. Load the registry dataset ` +
        `'ferplus' with the data folder holding fer2013/ and ferplus/ (--data-dir or ` +
        `${DATA_DIR_VARIABLE})`,
    );
  }
  const { files } = await findImageFiles(path);
  const ckPlusNames = files.length > 0 &&
    files.every((f) => isCkPlusFileName(basename(f.path)));
  return loadImageFolder(path, {
    ...options,
    groupOf: ckPlusNames ? ckPlusSubject : undefined,
  });
}

function loadNamed(
  name: string,
  dir: string | undefined,
  options: LoadDatasetOptions,
): Promise<LabeledImages> {
  return datasetEntry(name).load(locateDataset(name, dir), dir!, options);
}

/**
 * The path of registry dataset `name` under the data folder `dir` (first of its `files` that
 * exists). A FerError says where it was looked for and where to get it when it is not there, or
 * when `dir` is undefined (no --data-dir and no $FER_DATA_DIR).
 */
export function locateDataset(name: string, dir: string | undefined): string {
  const entry = datasetEntry(name);
  const where = entry.files.map((f) => `${dir ?? `$${DATA_DIR_VARIABLE}`}/${f}`).join(", ");
  const getIt = `Get ${entry.name} from ${entry.source}.`;
  if (dir === undefined) {
    throw new FerError(
      `dataset '${entry.name}' is looked for at ${where}, but ${DATA_DIR_VARIABLE} is not set: ` +
        `set it (or pass --data-dir DIR) to the folder holding it. ${getIt}`,
    );
  }
  for (const file of entry.files) {
    const found = join(dir, file);
    if (existsSync(found)) return found;
  }
  throw new FerError(`dataset '${entry.name}' not found: looked for ${where}. ${getIt}`);
}

function unknownDataset(name: string): UsageError {
  const base = unknownChoice("dataset", name, DATASETS.map((d) => d.name));
  return new UsageError(
    `${base.message}; or give a path to a FER2013-format CSV or a class-per-folder image directory`,
  );
}

/** "data/my.csv.gz" → "my". */
function baseName(path: string): string {
  return basename(path).replace(/\.gz$/, "").replace(/\.csv$/, "");
}
