/**
 * From a photo to emotions: find every face, crop it square with a margin, and classify each crop
 * with an expression model. `aligned` skips detection for images that already are one face.
 */
import type { TtaChoice } from "../train/config.ts";
import type { ExpressionModel } from "./expression_model.ts";
import { type CropFraming, cropImage, faceCropBox } from "./face_crop.ts";
import { type DetectOptions, type FaceDetector, sharedFaceDetector } from "./face_detector.ts";
import { readImage } from "./read_image.ts";
import type { Box, ImageInput } from "./types.ts";

/** Options of `predict`. */
export interface PredictOptions extends DetectOptions, CropFraming {
  /** The expression model, from loadExpressionModel. */
  readonly model: ExpressionModel;
  /** Treat the whole image as one already-cropped face (FER2013 / CK+48 style): no detection. */
  readonly aligned?: boolean;
  /** The detector to use; default the one `detectFaces` shares. */
  readonly detector?: FaceDetector;
  /**
   * Test-time augmentation of each face crop, as `fer eval --tta`. Default: the model's
   * `defaultTta` (flip for the shipped default model).
   */
  readonly tta?: TtaChoice;
  /** Names the image in errors when `image` is bytes or pixels. */
  readonly name?: string;
}

/** What the model says about one face. */
export interface FacePrediction {
  /** The face as the detector found it (the whole image when aligned), in image pixels. */
  readonly box: Box;
  /** The square the expression model was shown. */
  readonly crop: Box;
  /** The detector's score (0..1); null when aligned, as nothing was detected. */
  readonly detectorScore: number | null;
  /** The most probable class. */
  readonly emotion: string;
  /** Its probability. */
  readonly confidence: number;
  /** Every class's probability, in the model's class order. */
  readonly probabilities: Record<string, number>;
}

/** The faces of one image, best detector score first (empty when no face was found). */
export interface ImagePrediction {
  readonly width: number;
  readonly height: number;
  readonly faces: FacePrediction[];
}

/**
 * Every face in `image` (a path, file bytes or RGBA pixels; PNG, JPEG or BMP, any size, colour or
 * grey) with its box, top emotion, all class probabilities and the detector's score.
 */
export async function predict(
  image: ImageInput,
  options: PredictOptions,
): Promise<ImagePrediction> {
  const pixels = await readImage(image, options.name);
  const { width, height } = pixels;
  const whole: Box = { x: 0, y: 0, width, height };
  const found = options.aligned
    ? [{ box: whole, crop: whole, detectorScore: null }]
    : (await (options.detector ?? await sharedFaceDetector()).detect(pixels, options)).map((
      face,
    ) => ({
      box: face.box,
      crop: faceCropBox(face.box, width, height, options),
      detectorScore: face.score,
    }));
  const model = options.model;
  const probabilities = await model.classify(
    found.map(({ crop }) => cropImage(pixels, crop)),
    options.tta,
  );
  const k = model.classNames.length;
  const faces = found.map((face, i) => {
    const row = probabilities.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
    return {
      ...face,
      emotion: model.classNames[best],
      confidence: row[best],
      probabilities: Object.fromEntries(model.classNames.map((name, c) => [name, row[c]])),
    };
  });
  return { width, height, faces };
}
