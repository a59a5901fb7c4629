/**
 * EXIF orientation of JPEG photos. Cameras and phones store the sensor's pixels as they came and
 * write how to turn them upright into the Orientation tag (0x0112); viewers apply it, decoders
 * (imagescript, like Pillow's Image.open) do not. A face on its side is a face the detector
 * misses, so predict turns photos upright first (Pillow's ImageOps.exif_transpose).
 */
import type { RgbaImage } from "./bmp.ts";

/** The Orientation tag of a JPEG's EXIF block: 1 (upright) to 8; 1 when absent or unreadable. */
export function jpegOrientation(bytes: Uint8Array): number {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    // Start of scan or end of image: no EXIF block before the pixels.
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = view.getUint16(at + 2);
    const start = at + 4;
    if (marker === 0xe1 && isExifHeader(bytes, start)) {
      return orientationInTiff(view, start + 6, Math.min(at + 2 + length, bytes.length));
    }
    at += 2 + length;
  }
  return 1;
}

function isExifHeader(bytes: Uint8Array, at: number): boolean {
  const header = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"
  return header.every((byte, i) => bytes[at + i] === byte);
}

/** Reads tag 0x0112 from IFD0 of the TIFF structure at `tiff`..`end`. */
function orientationInTiff(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const entries = view.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > end) return 1;
    if (view.getUint16(entry, little) === 0x0112) {
      const value = view.getUint16(entry + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

/**
 * `image` turned upright for EXIF `orientation`: 2 mirrors, 3 turns 180°, 4 flips vertically,
 * 5 transposes, 6 turns 90° clockwise, 7 transverses, 8 turns 90° counter-clockwise.
 */
export function applyOrientation(image: RgbaImage, orientation: number): RgbaImage {
  if (orientation <= 1 || orientation > 8) return image;
  const { width: w, height: h, rgba } = image;
  const swaps = orientation >= 5;
  const width = swaps ? h : w;
  const height = swaps ? w : h;
  const out = new Uint8Array(rgba.length);
  // For each output pixel (x, y), the source pixel it shows, by orientation.
  type Source = (x: number, y: number) => readonly [number, number];
  const sources: Record<number, Source> = {
    2: (x, y) => [w - 1 - x, y],
    3: (x, y) => [w - 1 - x, h - 1 - y],
    4: (x, y) => [x, h - 1 - y],
    5: (x, y) => [y, x],
    6: (x, y) => [y, h - 1 - x],
    7: (x, y) => [w - 1 - y, h - 1 - x],
    8: (x, y) => [w - 1 - y, x],
  };
  const source = sources[orientation];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = source(x, y);
      out.set(rgba.subarray((sy * w + sx) * 4, (sy * w + sx) * 4 + 4), (y * width + x) * 4);
    }
  }
  return { width, height, rgba: out };
}
