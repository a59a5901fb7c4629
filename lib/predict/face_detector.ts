/**
 * Face detection with MediaPipe's BlazeFace (the 256×256 "back camera" model, for faces that are
 * small in the frame), whose converted tfjs graph ships inside the `@vladmandic/human` npm package
 * (MIT; the weights are Google's, Apache-2.0). Only the weight files are used: the graph runs on
 * this project's own tfjs, and the pre- and post-processing (letterbox, anchors, box decoding,
 * non-max suppression) are here, so nothing is downloaded and no second tfjs is loaded.
 */
import * as tf from "@tensorflow/tfjs";
import { ensureBackend } from "../backend/mod.ts";
import { FerError } from "../errors.ts";
import { fileSystemHandler } from "../models/mod.ts";
import {
  BLAZEFACE_OUTPUTS,
  blazeFaceAnchors,
  decodeBoxes,
  REGRESSION_WIDTH,
} from "./portable/blazeface.js";
import { cropImage } from "./face_crop.ts";
import { letterbox, unletterboxBox } from "./letterbox.ts";
import { findUpwards } from "./locate.ts";
import { readImage } from "./read_image.ts";
import { clipBox, crossesInnerEdge, tileBoxes } from "./tiles.ts";
import type { Box, DetectedFace, ImageInput, RgbaImage } from "./types.ts";

/** Where the BlazeFace graph lives in node_modules. */
export const BLAZEFACE_PACKAGE_PATH = "node_modules/@vladmandic/human/models/blazeface.json";

/** Options of FaceDetector.detect and detectFaces. */
export interface DetectOptions {
  /** Faces scoring below this are dropped (0..1). Default DEFAULT_SCORE_THRESHOLD. */
  readonly scoreThreshold?: number;
  /** Of two boxes overlapping more than this (IoU), the lower-scoring one is dropped. Default 0.3. */
  readonly iouThreshold?: number;
  /** At most this many faces, best first. Default 100. */
  readonly maxFaces?: number;
  /**
   * Also detect on an N×N grid of overlapping tiles (see tiles.ts), for faces smaller than about
   * a tenth of the image's longer side; costs N²+1 detector runs. Default 1: the whole image only.
   */
  readonly tiles?: number;
}

/**
 * The default score threshold, MediaPipe's for this model. On our composites of CK+48 faces, real
 * faces score 0.64–0.93 and empty backgrounds (flat, gradient, checkerboard, noise) at most 0.18.
 */
export const DEFAULT_SCORE_THRESHOLD = 0.5;

/** A loaded BlazeFace model; reuse one for many images and dispose it when done. */
export class FaceDetector {
  readonly inputSize: number;
  readonly #anchors: Float32Array;

  private constructor(readonly model: tf.GraphModel, readonly source: string) {
    this.inputSize = model.inputs[0].shape?.[1] ?? 256;
    this.#anchors = blazeFaceAnchors(this.inputSize);
  }

  /**
   * Loads the BlazeFace graph from `path` (its .json file), by default the copy inside
   * node_modules/@vladmandic/human. FerError when it cannot be found or read.
   */
  static async load(path?: string): Promise<FaceDetector> {
    const source = path ?? findUpwards(BLAZEFACE_PACKAGE_PATH);
    if (source === undefined) {
      throw new FerError(
        `the face detector's weights (${BLAZEFACE_PACKAGE_PATH}) were not found: run 'npm install'`,
      );
    }
    await ensureBackend();
    return new FaceDetector(await tf.loadGraphModel(fileSystemHandler(source)), source);
  }

  /** Every face in `image`, best first, with boxes in the image's pixels. */
  async detect(input: ImageInput, options: DetectOptions = {}): Promise<DetectedFace[]> {
    const image = await readImage(input);
    const { width, height } = image;
    const whole: Box = { x: 0, y: 0, width, height };
    const grid = options.tiles ?? 1;
    if (!Number.isInteger(grid) || grid < 1) {
      throw new FerError(`tiles must be a positive integer, got ${grid}`);
    }
    const frames = grid > 1 ? [whole, ...tileBoxes(width, height, grid)] : [whole];
    const boxes: Box[] = [];
    const scores: number[] = [];
    for (const frame of frames) {
      const found = await this.#candidates(frame === whole ? image : cropImage(image, frame));
      found.boxes.forEach((box, i) => {
        const placed = { ...box, x: box.x + frame.x, y: box.y + frame.y };
        if (frame !== whole && crossesInnerEdge(placed, frame, width, height)) return;
        boxes.push(clipBox(placed, width, height));
        scores.push(found.scores[i]);
      });
    }
    const kept = await nonMaxSuppression({ boxes, scores: Float32Array.from(scores) }, options);
    return kept.filter(({ box }) => box.width >= 1 && box.height >= 1);
  }

  /** Every anchor's box (in `image`'s pixels, unclipped) and score. */
  async #candidates(image: RgbaImage): Promise<Candidates> {
    const frame = letterbox(image, this.inputSize);
    const size = this.inputSize;
    const raw = tf.tidy(() => {
      const pixels = tf.tensor4d(frame.rgb, [1, size, size, 3], "float32");
      const input = pixels.div(127.5).sub(1);
      const [scores16, boxes16, scores32, boxes32] = this.model.execute(
        input,
        BLAZEFACE_OUTPUTS,
      ) as tf.Tensor[];
      return [
        tf.concat([scores16, scores32], 1).reshape([-1]),
        tf.concat([boxes16, boxes32], 1).reshape([-1, REGRESSION_WIDTH]),
      ];
    });
    const [logits, regressions] = await Promise.all(
      raw.map((t) => t.data() as Promise<Float32Array>),
    );
    tf.dispose(raw);
    const decoded = decodeBoxes(logits, regressions, this.#anchors);
    return {
      boxes: decoded.boxes.map((box) => unletterboxBox(box, frame)),
      scores: decoded.scores,
    };
  }

  /** Frees the model's weights. */
  dispose(): void {
    this.model.dispose();
  }
}

/** Boxes and scores of every anchor. */
interface Candidates {
  readonly boxes: Box[];
  readonly scores: Float32Array;
}

/** The candidates tf.image.nonMaxSuppression keeps, best first. */
async function nonMaxSuppression(
  { boxes, scores }: Candidates,
  options: DetectOptions,
): Promise<DetectedFace[]> {
  const corners = tf.tensor2d(
    boxes.flatMap((b) => [b.y, b.x, b.y + b.height, b.x + b.width]),
    [boxes.length, 4],
  );
  const scoreTensor = tf.tensor1d(scores);
  const selected = await tf.image.nonMaxSuppressionAsync(
    corners,
    scoreTensor,
    options.maxFaces ?? 100,
    options.iouThreshold ?? 0.3,
    options.scoreThreshold ?? DEFAULT_SCORE_THRESHOLD,
  );
  const indices = await selected.data();
  tf.dispose([corners, scoreTensor, selected]);
  return Array.from(indices, (i) => ({ box: boxes[i], score: scores[i] }));
}

let shared: Promise<FaceDetector> | undefined;

/** The detector `detectFaces` uses, loaded on first use and kept for the process. */
export function sharedFaceDetector(): Promise<FaceDetector> {
  shared ??= FaceDetector.load().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Every face in `image` (a path, file bytes or RGBA pixels; any size, colour or grey), best first:
 * `[{box: {x, y, width, height}, score}]` in the image's pixels. Uses a BlazeFace model loaded
 * once per process; see FaceDetector for control over loading and freeing it.
 */
export async function detectFaces(
  image: ImageInput,
  options?: DetectOptions,
): Promise<DetectedFace[]> {
  return (await sharedFaceDetector()).detect(image, options);
}
