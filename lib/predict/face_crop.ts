/**
 * From a detector box to the square the expression model sees. BlazeFace boxes run from the brows
 * to the chin, while FER2013 and CK+48 faces are framed looser and higher (forehead included).
 * Measured on 120 CK+48 faces pasted at 64, 96 and 160 px onto 400×300 canvases, the pasted square
 * is 1.15× the detector's box (range 1.04–1.38) and its centre sits 0.15 box sides higher; the
 * defaults below reproduce that framing, a little looser (tests/predict_detect_test.ts checks it).
 */
import type { Box, RgbaImage } from "./types.ts";

/** How a face box becomes a crop. */
export interface CropFraming {
  /** The crop's side is the box's longer side × (1 + margin). Default DEFAULT_MARGIN. */
  readonly margin?: number;
  /** The crop's centre moves up by this many box sides. Default DEFAULT_RAISE. */
  readonly raise?: number;
}

export { DEFAULT_MARGIN, DEFAULT_RAISE, faceCropBox } from "./portable/face_crop.js";

/** The pixels of `box` (whole pixels, inside the image) as a new RGBA image. */
export function cropImage(image: RgbaImage, box: Box): RgbaImage {
  const { x, y, width, height } = box;
  const rgba = new Uint8Array(width * height * 4);
  for (let row = 0; row < height; row++) {
    const from = ((y + row) * image.width + x) * 4;
    rgba.set(image.rgba.subarray(from, from + width * 4), row * width * 4);
  }
  return { width, height, rgba };
}
