/**
 * From photo to emotion: face detection (BlazeFace, weights from an npm package, run on this
 * project's tfjs), loading a trained expression model, and predicting the expression of every
 * face in an image; plus drawing the results and the comparison with npm expression models.
 *
 * @example
 * ```ts
 * import { loadExpressionModel, predict } from "./lib/predict/mod.ts";
 * const model = await loadExpressionModel("runs/mondal-shallow-fer2013-2024…"); // or "default"
 * const { faces } = await predict("photo.jpg", { model });
 * for (const face of faces) console.log(face.box, face.emotion, face.confidence);
 * model.dispose();
 * ```
 * @module
 */
export type { Box, DetectedFace, ImageInput, RgbaImage } from "./types.ts";
export { readImage } from "./read_image.ts";
export {
  BLAZEFACE_PACKAGE_PATH,
  DEFAULT_SCORE_THRESHOLD,
  detectFaces,
  type DetectOptions,
  FaceDetector,
  sharedFaceDetector,
} from "./face_detector.ts";
export {
  type CropFraming,
  cropImage,
  DEFAULT_MARGIN,
  DEFAULT_RAISE,
  faceCropBox,
} from "./face_crop.ts";
export {
  DATASET_IMAGE_SIZE,
  DEFAULT_MODEL,
  DEFAULT_MODEL_PATH,
  defaultModelFolder,
  type ExpressionModel,
  loadExpressionModel,
} from "./expression_model.ts";
export {
  type FacePrediction,
  type ImagePrediction,
  predict,
  type PredictOptions,
} from "./predict.ts";
export {
  type AnnotatedFace,
  annotatedFileName,
  annotateImage,
  type AnnotateOptions,
  encodeAnnotated,
  LABEL_FONT_PATH,
} from "./annotate.ts";
export { clipBox, crossesInnerEdge, tileBoxes } from "./tiles.ts";
export { type ImageFileEntry, listImageFiles } from "./image_files.ts";
export { formatPredictionLines, predictionJson } from "./format.ts";
export {
  isVideoFile,
  probeVideo,
  readFrames,
  VIDEO_EXTENSIONS,
  type VideoFrame,
  type VideoInfo,
  VideoWriter,
} from "./ffmpeg.ts";
export {
  DEFAULT_VIDEO_FPS,
  type FaceSeries,
  type FaceSummary,
  predictVideo,
  type TimelineRow,
  type VideoPrediction,
  type VideoPredictOptions,
} from "./video.ts";
export { boxIou, FaceTracker } from "./portable/tracking.js";
export { findUpwards } from "./locate.ts";
export type { NpmExpressionModel } from "./npm_models/types.ts";
export { FACEAPI_EXPRESSION_PATH, loadFaceApiExpression } from "./npm_models/faceapi_expression.ts";
export { HUMAN_EMOTION_PATH, loadHumanEmotion } from "./npm_models/human_emotion.ts";
export { reorderClasses } from "./npm_models/class_order.ts";
export {
  compareExpressionModels,
  type Comparison,
  type ComparisonRow,
  type ExpressionComparisonOptions,
} from "./npm_models/compare.ts";
export { expressionComparisonTable } from "./npm_models/format.ts";
