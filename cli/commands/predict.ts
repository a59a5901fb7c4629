/**
 * `fer predict <image|folder>`: the expression of every face in photos. Each image is read,
 * its faces found, cropped and classified; a folder run goes on past unreadable files and lists
 * them at the end (exit status 1 when any failed).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineCommand } from "../args.ts";
import { FerError } from "../../lib/errors.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import { BACKEND_CHOICES, TTA_CHOICES } from "../../lib/train/config.ts";
import { checkTtaFits } from "../../lib/train/mod.ts";
import {
  annotatedFileName,
  annotateImage,
  DEFAULT_MARGIN,
  DEFAULT_MODEL,
  DEFAULT_SCORE_THRESHOLD,
  encodeAnnotated,
  FaceDetector,
  formatPredictionLines,
  listImageFiles,
  loadExpressionModel,
  predict,
  predictionJson,
  readImage,
} from "../../lib/predict/mod.ts";

/**
 * Refuses an --out folder where an annotated copy would replace one of the input images, or
 * (without --overwrite) any file already there.
 */
function checkOutKeepsInputs(
  out: string,
  files: readonly { path: string; relative: string }[],
  overwrite: boolean,
) {
  for (const file of files) {
    const target = annotatedFileName(join(out, file.relative));
    if (resolve(target) === resolve(file.path)) {
      throw new FerError(
        `--out ${out} would overwrite the input image ${file.path} with its annotated copy: ` +
          "choose another folder (nothing was written)",
      );
    }
    if (!overwrite && existsSync(target)) {
      throw new FerError(
        `--out ${out} already holds ${target}: pass --overwrite to replace it, or choose another ` +
          "folder (nothing was written)",
      );
    }
  }
}

/** The `fer predict` command. */
export const predictCommand = defineCommand({
  name: "predict",
  summary: "Find the faces in images and predict each one's expression",
  args: "<image|folder>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    model: {
      type: "string",
      default: DEFAULT_MODEL,
      placeholder: "RUN|DIR|default",
      description: "A run folder, a model folder, or 'default' (models/default/)",
    },
    aligned: {
      type: "boolean",
      description: "Each image is one already-cropped face (FER2013/CK+48 style): no detection",
    },
    json: { type: "boolean", description: "Print the results as JSON" },
    out: {
      type: "string",
      placeholder: "DIR",
      description: "Write a copy of each image with the boxes and labels drawn into DIR " +
        "(default: none)",
    },
    overwrite: {
      type: "boolean",
      description: "Let --out replace files of the same name (otherwise refused before any work)",
    },
    threshold: {
      type: "number",
      min: 0,
      max: 1,
      default: DEFAULT_SCORE_THRESHOLD,
      description: "Keep faces the detector scores at least this (0..1)",
    },
    tiles: {
      type: "integer",
      min: 1,
      default: 1,
      placeholder: "N",
      description:
        "Also search an N×N grid of tiles, for faces under 1/10 of the image (try 2 or 3)",
    },
    margin: {
      type: "number",
      min: 0,
      default: DEFAULT_MARGIN,
      description: "Crop the face box enlarged by this fraction (0.2: 1.2× its side)",
    },
    tta: {
      type: "string",
      choices: TTA_CHOICES,
      description: "Test-time augmentation of each face (default: the one the model's recipe " +
        "tested with, flip for the shipped model; none is twice as fast)",
    },
    backend: {
      type: "string",
      choices: BACKEND_CHOICES,
      default: "auto",
      description: "Compute backend",
    },
  },
  details: [
    "Output: one line per face, e.g.",
    "  photo.jpg face 1 [x=120 y=80 w=96 h=96] happy 0.87 (detector 0.99)",
    "Faces are found with BlazeFace (weights from the @vladmandic/human npm package).",
    "",
    "Examples:",
    "  fer predict photo.jpg --model runs/<run>",
    "  fer predict photos/ --model runs/<run> --out annotated/ --json",
    "  fer predict group.jpg --model runs/<run> --tiles 3   # small faces in a big photo",
    "  fer predict fer2013-face.png --model runs/<run> --aligned",
  ].join("\n"),
  async run({ options, positionals }) {
    const files = await listImageFiles(positionals[0]);
    if (files.length === 0) {
      throw new FerError(`${positionals[0]}: no PNG, JPEG or BMP images in it`);
    }
    if (options.out !== undefined) checkOutKeepsInputs(options.out, files, options.overwrite);
    const backend = await initBackend(options.backend);
    console.error(`Backend: ${backend.description}`);
    const model = await loadExpressionModel(options.model);
    const tta = options.tta ?? model.defaultTta;
    try {
      checkTtaFits(model.layout, tta);
    } catch (error) {
      model.dispose();
      throw error;
    }
    console.error(
      `Model: ${model.name} (${model.source}), test-time augmentation: ${tta}` +
        (options.tta === undefined ? " (its recipe's)" : ""),
    );
    const detector = options.aligned ? undefined : await FaceDetector.load();
    const results: Record<string, unknown>[] = [];
    const failed: { file: string; error: string }[] = [];
    try {
      for (const file of files) {
        let result;
        let image;
        try {
          image = await readImage(file.path);
          result = await predict(image, {
            model,
            detector,
            aligned: options.aligned,
            scoreThreshold: options.threshold,
            tiles: options.tiles,
            margin: options.margin,
            tta,
            name: file.path,
          });
        } catch (error) {
          if (!(error instanceof FerError)) throw error;
          failed.push({ file: file.path, error: error.message });
          continue;
        }
        if (options.json) results.push(predictionJson(file.path, result));
        else for (const line of formatPredictionLines(file.path, result)) console.log(line);
        if (options.out !== undefined) {
          const annotated = await annotateImage(image, result.faces, model.classNames);
          const { bytes, fileName } = await encodeAnnotated(
            annotated,
            join(options.out, file.relative),
          );
          await Deno.mkdir(dirname(fileName), { recursive: true });
          // createNew: a file that appeared since the check is not replaced either.
          await Deno.writeFile(fileName, bytes, { createNew: !options.overwrite });
        }
      }
    } finally {
      model.dispose();
      detector?.dispose();
    }
    if (options.json) {
      const summary = {
        model: { source: model.source, name: model.name, classNames: model.classNames, tta },
        aligned: options.aligned,
        images: results,
        failed,
      };
      console.log(JSON.stringify(summary, null, 2));
    }
    if (failed.length > 0) {
      console.error(`${failed.length} of ${files.length} file(s) failed:`);
      for (const { error } of failed) console.error(`  ${error}`);
      return 1;
    }
    return 0;
  },
});
