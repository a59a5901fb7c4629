// @ts-check
/**
 * BlazeFace's geometry, as plain JavaScript so that the Deno detector (face_detector.ts) and the
 * browser page of `fer serve` run the same code: MediaPipe's anchor grid of the 256×256 "back
 * camera" model and the decoding of its raw outputs into boxes and scores.
 */

/** Values per anchor in the regression output: box centre offset, box size, six keypoints. */
export const REGRESSION_WIDTH = 16;

/**
 * The graph's four outputs by name: scores and box regressions of the stride-16 grid (512
 * anchors), then of the stride-32 grid (384 anchors), matching blazeFaceAnchors' order.
 */
export const BLAZEFACE_OUTPUTS = ["Identity", "Identity_2", "Identity_1", "Identity_3"];

/**
 * Anchor centres in input pixels, [x, y] per anchor, in the model's output order: a 16×16 grid
 * with 2 anchors per cell (stride 16) followed by an 8×8 grid with 6 per cell (stride 32), 896 in
 * all, every anchor a unit square at its cell's centre.
 * @param {number} inputSize
 * @returns {Float32Array}
 */
export function blazeFaceAnchors(inputSize) {
  const layers = [{ stride: inputSize / 16, perCell: 2 }, { stride: inputSize / 8, perCell: 6 }];
  /** @type {number[]} */
  const centres = [];
  for (const { stride, perCell } of layers) {
    const cells = Math.ceil(inputSize / stride);
    for (let row = 0; row < cells; row++) {
      for (let column = 0; column < cells; column++) {
        for (let k = 0; k < perCell; k++) {
          centres.push(stride * (column + 0.5), stride * (row + 0.5));
        }
      }
    }
  }
  return Float32Array.from(centres);
}

/**
 * Each anchor's box: its centre is the anchor plus the predicted offset, its size is predicted
 * directly, both in input pixels. Scores are the sigmoid of the logits (clipped as MediaPipe does,
 * so exp cannot overflow).
 * @param {Float32Array} logits one per anchor
 * @param {Float32Array} regressions REGRESSION_WIDTH per anchor
 * @param {Float32Array} anchors from blazeFaceAnchors
 * @returns {{ boxes: { x: number, y: number, width: number, height: number }[], scores: Float32Array }}
 */
export function decodeBoxes(logits, regressions, anchors) {
  const count = logits.length;
  const boxes = [];
  const scores = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const r = i * REGRESSION_WIDTH;
    const centreX = anchors[i * 2] + regressions[r];
    const centreY = anchors[i * 2 + 1] + regressions[r + 1];
    const width = regressions[r + 2];
    const height = regressions[r + 3];
    boxes.push({ x: centreX - width / 2, y: centreY - height / 2, width, height });
    scores[i] = 1 / (1 + Math.exp(-Math.min(100, Math.max(-100, logits[i]))));
  }
  return { boxes, scores };
}
