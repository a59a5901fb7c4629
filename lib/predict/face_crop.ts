/**
 * From a detector box to the square the expression model sees (faceCropBox, shared with the
 * browser page in portable/face_crop.js, which says how its framing was measured) and cutting it
 * out of the image.
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
