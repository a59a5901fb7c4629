/**
 * `fer predict <image|folder>`: the expression of every face in photos. Each image is read,
 * its faces found, cropped and classified; a folder run goes on past unreadable files and lists
 * them at the end (exit status 1 when any failed).
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineCommand } from "../args.ts";
import { backendOption, modelOption, precisionOption } from "../options.ts";
import { FerError, UsageError } from "../../lib/errors.ts";
import { initBackend } from "../../lib/backend/mod.ts";
import {
  type BackendChoice,
  type PrecisionChoice,
  TTA_CHOICES,
  type TtaChoice,
} from "../../lib/train/config.ts";
import { checkTtaFits } from "../../lib/train/mod.ts";
import {
  annotatedFileName,
  annotateImage,
  DEFAULT_MARGIN,
  DEFAULT_SCORE_THRESHOLD,
  encodeAnnotated,
  type ExpressionModel,
  FaceDetector,
  formatPredictionLines,
  isVideoFile,
  listImageFiles,
  loadExpressionModel,
  predict,
  predictionJson,
  readImage,
  VIDEO_EXTENSIONS,
} from "../../lib/predict/mod.ts";
import { DEFAULT_VIDEO_FPS } from "../../lib/predict/video.ts";
import { runVideoPredict, type VideoCommandOptions } from "./predict_video.ts";

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
  summary: "Find the faces in images or a video and predict each one's expression",
  args: "<image|folder|video>",
  minPositionals: 1,
  maxPositionals: 1,
  options: {
    model: modelOption(),
    aligned: {
      type: "boolean",
      description: "Each image is one already-cropped face (FER2013/CK+48 style): no detection",
    },
    json: { type: "boolean", description: "Print the results as JSON" },
    out: {
      type: "string",
      placeholder: "DIR",
      description: "Write a copy of each image with the boxes and labels drawn into DIR " +
        "(a video: the annotated video, its timeline CSV, summary JSON and emotion figure)",
    },
    fps: {
      type: "string",
      default: String(DEFAULT_VIDEO_FPS),
      placeholder: "N|all",
      description: "Video: frames per second to sample, or 'all'",
    },
    smooth: {
      type: "number",
      min: 0,
      default: 0,
      placeholder: "SECONDS",
      description: "Video: smooth each face's probabilities over this many seconds (0: none)",
    },
    csv: {
      type: "boolean",
      description: "Video: print the timeline as CSV (time, face id, box, every class)",
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
    backend: { ...backendOption("Compute backend"), default: "auto" },
    precision: { ...precisionOption(), default: "fp32" },
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
    "  fer predict clip.mp4 --fps 10 --smooth 0.5 --out results/   # a video (needs ffmpeg)",
    "  fer predict photos/ --backend onednn --precision bf16   # bf16 convolutions (avx512_bf16)",
  ].join("\n"),
  async run({ options, positionals }) {
    if (isVideoFile(positionals[0])) return await predictOneVideo(positionals[0], options);
    const videoOnly = [
      options.csv && "--csv",
      options.smooth > 0 && "--smooth",
      options.fps !== String(DEFAULT_VIDEO_FPS) && "--fps",
    ].filter(Boolean);
    if (videoOnly.length > 0) {
      throw new UsageError(
        `${videoOnly.join(", ")}: for videos only (${positionals[0]} is not one; videos end in ` +
          `${VIDEO_EXTENSIONS.join(" ")})`,
      );
    }
    const files = await listImageFiles(positionals[0]);
    if (files.length === 0) {
      throw new FerError(`${positionals[0]}: no PNG, JPEG or BMP images in it`);
    }
    if (options.out !== undefined) checkOutKeepsInputs(options.out, files, options.overwrite);
    const { model, detector, tta } = await startPredictor(options, !options.aligned);
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

/** The options that say which model runs, where, and how. */
interface PredictorOptions {
  readonly model: string;
  readonly backend: BackendChoice;
  readonly precision: PrecisionChoice;
  readonly tta?: TtaChoice;
}

/**
 * Starts the backend in the precision asked for, loads the model (and the face detector when
 * `detect`) and picks the test-time augmentation: --tta, else the model's recipe's. Says which
 * on stderr; whatever was loaded is disposed of again when a later step fails.
 */
async function startPredictor(
  options: PredictorOptions,
  detect: true,
): Promise<{ model: ExpressionModel; detector: FaceDetector; tta: TtaChoice }>;
async function startPredictor(
  options: PredictorOptions,
  detect: boolean,
): Promise<{ model: ExpressionModel; detector?: FaceDetector; tta: TtaChoice }>;
async function startPredictor(options: PredictorOptions, detect: boolean) {
  const backend = await initBackend(options.backend, { precision: options.precision });
  console.error(`Backend: ${backend.description}; precision ${backend.precision}`);
  const model = await loadExpressionModel(options.model);
  try {
    const tta = options.tta ?? model.defaultTta;
    checkTtaFits(model.layout, tta);
    const detector = detect ? await FaceDetector.load() : undefined;
    console.error(
      `Model: ${model.name} (${model.source}), test-time augmentation: ${tta}` +
        (options.tta === undefined ? " (its recipe's)" : ""),
    );
    return { model, detector, tta };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** The video branch of `fer predict`: the same model and detector set-up, then predict_video.ts. */
async function predictOneVideo(
  video: string,
  options: VideoCommandOptions & PredictorOptions & { readonly aligned: boolean },
): Promise<number> {
  if (options.aligned) throw new FerError("--aligned is for images of one face, not videos");
  const { model, detector, tta } = await startPredictor(options, true);
  try {
    return await runVideoPredict(video, options, { model, detector, tta });
  } finally {
    model.dispose();
    detector.dispose();
  }
}
