// @ts-check
/**
 * From a detector box to the square the expression model sees, as plain JavaScript shared by
 * lib/predict (face_crop.ts) and the browser page of `fer serve`. BlazeFace boxes run from the
 * brows to the chin, while FER2013 and CK+48 faces are framed looser and higher (forehead
 * included). Measured on 120 CK+48 faces pasted at 64, 96 and 160 px onto 400×300 canvases, the
 * pasted square is 1.15× the detector's box (range 1.04–1.38) and its centre sits 0.15 box sides
 * higher; the defaults below reproduce that framing, a little looser
 * (tests/predict_detect_test.ts checks it).
 */

/** 20 %: the crop is 1.2× the detector's box, between CK+48's tight and FER2013's loose framing. */
export const DEFAULT_MARGIN = 0.2;
/** The crop's centre moves up 0.15 box sides, where CK+48 and FER2013 centre their faces. */
export const DEFAULT_RAISE = 0.15;

/**
 * The square crop around `box` in an image of imageWidth×imageHeight, whole pixels. Near an edge
 * the square slides inside the image; a square larger than the image shrinks to its shorter side,
 * so the crop is always square and never needs padding.
 * @param {{ x: number, y: number, width: number, height: number }} box
 * @param {number} imageWidth
 * @param {number} imageHeight
 * @param {{ margin?: number, raise?: number }} [framing] margin: the crop's side is the box's
 *   longer side × (1 + margin); raise: the crop's centre moves up by this many box sides
 * @returns {{ x: number, y: number, width: number, height: number }}
 */
export function faceCropBox(box, imageWidth, imageHeight, framing = {}) {
  const longer = Math.max(box.width, box.height);
  const wanted = longer * (1 + (framing.margin ?? DEFAULT_MARGIN));
  const side = Math.max(1, Math.min(Math.round(wanted), imageWidth, imageHeight));
  const centreX = box.x + box.width / 2;
  const centreY = box.y + box.height / 2 - longer * (framing.raise ?? DEFAULT_RAISE);
  const x = Math.min(imageWidth - side, Math.max(0, Math.round(centreX - side / 2)));
  const y = Math.min(imageHeight - side, Math.max(0, Math.round(centreY - side / 2)));
  return { x, y, width: side, height: side };
}
