/**
 * Drawing predictions onto a copy of the image: a rectangle per face and a label with the top
 * emotion and its probability, so a person can check at a glance what was found where. Text is
 * rendered with imagescript from the DejaVu Sans font shipped in the `dejavu-fonts-ttf` npm
 * package (imagescript has no built-in font).
 */
import { Image } from "imagescript";
import { FerError } from "../errors.ts";
import { findUpwards } from "./locate.ts";
import type { FacePrediction } from "./predict.ts";
import type { Box, RgbaImage } from "./types.ts";

/** Where the label font lives in node_modules. */
export const LABEL_FONT_PATH = "node_modules/dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf";

/** One colour per class index (Okabe–Ito, readable by colour-blind people), repeating. */
const PALETTE: readonly [number, number, number][] = [
  [213, 94, 0],
  [0, 158, 115],
  [86, 180, 233],
  [230, 159, 0],
  [0, 114, 178],
  [204, 121, 167],
  [240, 228, 66],
];

let font: Promise<Uint8Array> | undefined;

function labelFont(): Promise<Uint8Array> {
  font ??= (async () => {
    const path = findUpwards(LABEL_FONT_PATH);
    if (path === undefined) {
      throw new FerError(`the label font (${LABEL_FONT_PATH}) was not found: run 'npm install'`);
    }
    return await Deno.readFile(path);
  })();
  return font;
}

/** How annotateImage labels a face; by default "happy 0.87". */
export interface AnnotateOptions {
  readonly label?: (face: AnnotatedFace, index: number) => string;
}

/** What annotateImage needs of a face: where it is, its top emotion and its probability. */
export type AnnotatedFace = Pick<FacePrediction, "box" | "emotion" | "confidence">;

/**
 * A copy of `image` with each face's box and "emotion 0.87" label drawn, as an imagescript Image
 * of the same size. `classNames` fixes each emotion's colour (its index in the model's classes).
 */
export async function annotateImage(
  image: RgbaImage,
  faces: readonly AnnotatedFace[],
  classNames: readonly string[],
  options: AnnotateOptions = {},
): Promise<Image> {
  const canvas = new Image(image.width, image.height);
  canvas.bitmap.set(image.rgba);
  const fontBytes = await labelFont();
  for (const [index, face] of faces.entries()) {
    const [r, g, b] = PALETTE[Math.max(0, classNames.indexOf(face.emotion)) % PALETTE.length];
    const colour = Image.rgbaToColor(r, g, b, 255);
    const box = roundBox(face.box, image.width, image.height);
    const thickness = Math.max(2, Math.round(Math.min(image.width, image.height) / 150));
    drawFrame(canvas, box, thickness, colour);
    const textSize = Math.max(11, Math.round(Math.min(image.width, image.height) / 30));
    const text = await renderText(
      fontBytes,
      textSize,
      options.label?.(face, index) ?? `${face.emotion} ${face.confidence.toFixed(2)}`,
    );
    // The label sits on a filled tab above the box, or inside it when the box touches the top.
    const pad = Math.max(1, Math.round(textSize / 6));
    const tabWidth = Math.min(image.width, text.width + 2 * pad);
    const tabHeight = Math.min(image.height, text.height + 2 * pad);
    const tabX = Math.min(box.x, image.width - tabWidth);
    const tabY = box.y - tabHeight >= 0 ? box.y - tabHeight : box.y;
    canvas.drawBox(tabX + 1, tabY + 1, tabWidth, tabHeight, colour);
    canvas.composite(text, tabX + pad, tabY + pad);
  }
  return canvas;
}

/**
 * White text on a transparent image. imagescript 1.3.1's font glue takes its UTF-8 codec from
 * `Deno.core.encode/decode`, which Deno 2 no longer exposes, so TextEncoder-based ones are lent
 * for the duration of the call and removed afterwards.
 */
async function renderText(font: Uint8Array, size: number, text: string): Promise<Image> {
  const deno = Deno as unknown as { core?: unknown };
  const lend = deno.core === undefined;
  if (lend) {
    const encoder = new TextEncoder();
    const decoder = new TextDecoder();
    deno.core = {
      encode: (value: string) => encoder.encode(value),
      decode: (bytes: Uint8Array) => decoder.decode(bytes),
    };
  }
  try {
    return await Image.renderText(font, size, text, Image.rgbaToColor(255, 255, 255, 255));
  } finally {
    if (lend) delete deno.core;
  }
}

/** The box in whole pixels, inside the image. */
function roundBox(box: Box, width: number, height: number): Box {
  const x = Math.max(0, Math.min(width - 1, Math.round(box.x)));
  const y = Math.max(0, Math.min(height - 1, Math.round(box.y)));
  return {
    x,
    y,
    width: Math.max(1, Math.min(width - x, Math.round(box.width))),
    height: Math.max(1, Math.min(height - y, Math.round(box.height))),
  };
}

/** A rectangle outline `thickness` pixels wide, drawn inside `box`. */
function drawFrame(canvas: Image, box: Box, thickness: number, colour: number): void {
  const t = Math.min(thickness, box.width, box.height);
  // imagescript's drawBox takes 1-based coordinates.
  const x = box.x + 1, y = box.y + 1;
  canvas.drawBox(x, y, box.width, t, colour);
  canvas.drawBox(x, y + box.height - t, box.width, t, colour);
  canvas.drawBox(x, y, t, box.height, colour);
  canvas.drawBox(x + box.width - t, y, t, box.height, colour);
}

const isJpeg = (fileName: string) => /\.jpe?g$/i.test(fileName);

/** Where an annotated copy for `fileName` goes: JPEG stays JPEG, anything else gets ".png". */
export function annotatedFileName(fileName: string): string {
  return isJpeg(fileName) || /\.png$/i.test(fileName) ? fileName : `${fileName}.png`;
}

/**
 * Encodes an annotated image for `fileName`'s format: JPEG stays JPEG (quality 90), everything
 * else becomes PNG. Returns the bytes and the file name to write (annotatedFileName).
 */
export async function encodeAnnotated(
  image: Image,
  fileName: string,
): Promise<{ bytes: Uint8Array; fileName: string }> {
  return {
    bytes: isJpeg(fileName) ? await image.encodeJPEG(90) : await image.encode(),
    fileName: annotatedFileName(fileName),
  };
}
