/**
 * Class-per-folder image datasets, torchvision `ImageFolder` style:
 *
 * - `DIR/<class>/<image>`: any user folder, and CK+48.
 * - `DIR/<split>/<class>/<image>` with split folders train, val/valid/validation and test: the
 *   Kaggle image-folder release of FER2013. The split becomes each image's usage (train →
 *   Training, val → PublicTest, test → PrivateTest), and a file name that starts with
 *   "Training_", "PublicTest_" or "PrivateTest_" overrides it (that release's test folder holds
 *   both test sets).
 *
 * Files are visited in sorted path order, so the result is the same on every machine. Hidden files
 * (".name") and nested folders inside a class folder are ignored; every other file must be a
 * readable image.
 */
import { basename, join } from "node:path";
import { DataError } from "../errors.ts";
import { LabeledImagesBuilder } from "./builder.ts";
import { CANONICAL_CLASSES, canonicalClassName, canonicalIndex } from "./classes.ts";
import { decodeImage, toPixels } from "./image_decode.ts";
import { SkipCollector, type SkipOptions } from "./skipped.ts";
import type { LabeledImages } from "./types.ts";

/** How folder names become class names. */
export type ClassNaming = "canonical" | "folder";

/** Options for loadImageFolder. */
export interface ImageFolderOptions extends SkipOptions {
  /** Dataset name stored in the result. Default: the folder's base name. */
  readonly name?: string;
  /** Target size; other sizes are resized (antialiased bilinear). Default 48×48. */
  readonly height?: number;
  readonly width?: number;
  /** 1 = grayscale (default), 3 = RGB. */
  readonly channels?: 1 | 3;
  /**
   * "folder": class names are the lower-cased folder names in sorted order. "canonical": folder
   * names are mapped onto the shared vocabulary (anger → angry, ...) in canonical order; an
   * unknown folder name is an error. Default: "canonical" for the train/test split layout (it is
   * FER2013), "folder" otherwise.
   */
  readonly naming?: ClassNaming;
  /**
   * A fixed class list (after naming), e.g. FER2013's seven classes: labels index into it even
   * when some classes have no folder, and a folder naming another class is an error. Default:
   * the classes of the folders found.
   */
  readonly classes?: readonly string[];
  /** The group (e.g. subject id) of each image from its file name; enables group splits. */
  readonly groupOf?: (fileName: string, path: string) => string;
}

/** Split folder names (lower-case) and the usage they stand for. */
const SPLIT_FOLDERS: Readonly<Record<string, string>> = {
  train: "Training",
  training: "Training",
  val: "PublicTest",
  valid: "PublicTest",
  validation: "PublicTest",
  test: "PrivateTest",
};

const USAGE_PREFIX = /^(Training|PublicTest|PrivateTest)_/;

/** One image file to load: its path, class folder name and usage (split layout or prefix). */
export interface ImageFile {
  readonly path: string;
  readonly folder: string;
  readonly usage?: string;
}

/** Loads a class-per-folder image dataset (either layout above). */
export async function loadImageFolder(
  dir: string,
  options: ImageFolderOptions = {},
): Promise<LabeledImages> {
  const height = options.height ?? 48;
  const width = options.width ?? 48;
  const channels = options.channels ?? 1;
  const layout = await findImageFiles(dir);
  const naming = options.naming ?? (layout.splitLayout ? "canonical" : "folder");
  const { classNames, classOf } = nameClasses(layout.classFolders, naming, dir, options.classes);

  const skips = new SkipCollector(dir, options);
  const builder = new LabeledImagesBuilder(height, width, channels, layout.files.length || 1);
  for (const file of layout.files) {
    let pixels: Uint8Array;
    try {
      const image = await decodeImage(await Deno.readFile(file.path));
      pixels = toPixels(image, height, width, channels);
    } catch (error) {
      skips.bad(error instanceof Error ? error.message : String(error), file.path);
      continue;
    }
    const group = options.groupOf?.(basename(file.path), file.path);
    builder.nextImage().set(pixels);
    builder.commit(classOf.get(file.folder)!, { origin: file.path, group, usage: file.usage });
  }
  skips.finish();
  if (builder.count === 0) throw new DataError("no readable images", dir);
  return builder.build(options.name ?? basename(dir), classNames);
}

/** The files of a folder dataset in load order, and its class folder names. */
export async function findImageFiles(
  dir: string,
): Promise<{ files: ImageFile[]; classFolders: string[]; splitLayout: boolean }> {
  const top = await listFolder(dir);
  if (top.folders.length === 0) {
    throw new DataError(
      "has no class sub-folders (expected DIR/<class>/<image> or DIR/train/<class>/<image>)",
      dir,
    );
  }
  const splitLayout = top.folders.every((name) => name.toLowerCase() in SPLIT_FOLDERS);
  const classDirs: { dir: string; folder: string; usage?: string }[] = [];
  if (splitLayout) {
    for (const split of top.folders) {
      const splitDir = join(dir, split);
      for (const folder of (await listFolder(splitDir)).folders) {
        classDirs.push({
          dir: join(splitDir, folder),
          folder,
          usage: SPLIT_FOLDERS[split.toLowerCase()],
        });
      }
    }
  } else {
    for (const folder of top.folders) classDirs.push({ dir: join(dir, folder), folder });
  }
  const files: ImageFile[] = [];
  for (const classDir of classDirs) {
    for (const name of (await listFolder(classDir.dir)).files) {
      const usage = name.match(USAGE_PREFIX)?.[1] ?? classDir.usage;
      files.push({ path: join(classDir.dir, name), folder: classDir.folder, usage });
    }
  }
  const classFolders = [...new Set(classDirs.map((d) => d.folder))].sort();
  return { files, classFolders, splitLayout };
}

/** Class names and the folder → label map, for the chosen naming (and fixed list, if any). */
function nameClasses(
  folders: string[],
  naming: ClassNaming,
  dir: string,
  fixed?: readonly string[],
): { classNames: readonly string[]; classOf: Map<string, number> } {
  const nameOf = new Map<string, string>();
  for (const folder of folders) {
    const name = naming === "canonical" ? canonicalClassName(folder) : folder.toLowerCase();
    if (name === undefined || (fixed && !fixed.includes(name))) {
      const valid = fixed ?? CANONICAL_CLASSES;
      throw new DataError(
        `class folder '${folder}' is not one of the expected classes: ${valid.join(", ")}` +
          (fixed ? "" : " (or load it with folder class names)"),
        dir,
      );
    }
    nameOf.set(folder, name);
  }
  let classNames: readonly string[] = fixed ?? [...new Set(nameOf.values())];
  if (!fixed) {
    const found = [...new Set(nameOf.values())];
    if (naming === "canonical") found.sort((a, b) => canonicalIndex(a) - canonicalIndex(b));
    else found.sort();
    if (found.length < nameOf.size && naming === "folder") {
      throw new DataError(
        `class folders differ only in case (${folders.join(", ")}); class names are lower-case`,
        dir,
      );
    }
    classNames = found;
  }
  const classOf = new Map([...nameOf].map(([folder, name]) => [folder, classNames.indexOf(name)]));
  return { classNames, classOf };
}

/** Sorted non-hidden sub-folders and files of `dir`. */
async function listFolder(dir: string): Promise<{ folders: string[]; files: string[] }> {
  const folders: string[] = [];
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".")) continue;
      let isDirectory = entry.isDirectory;
      // A broken link counts as a file: reading it then fails with its own name.
      if (entry.isSymlink) {
        isDirectory = await Deno.stat(join(dir, entry.name)).then(
          (s) => s.isDirectory,
          () => false,
        );
      }
      (isDirectory ? folders : files).push(entry.name);
    }
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "folder not found"
      : `cannot list folder: ${error instanceof Error ? error.message : error}`;
    throw new DataError(reason, dir);
  }
  return { folders: folders.sort(), files: files.sort() };
}
