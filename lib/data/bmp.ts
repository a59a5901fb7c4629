/**
 * A small BMP decoder, because imagescript's `decode` reads PNG, JPEG, TIFF and GIF but not BMP.
 * Handles what image tools write in practice: uncompressed 1/4/8-bit (palette), 24-bit and 32-bit
 * pixels, and 16/32-bit BI_BITFIELDS, bottom-up or top-down. RLE compression is refused.
 */

/** A decoded image: `rgba` holds width×height×4 bytes, row-major, top row first. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** True when `bytes` start with the BMP signature "BM". */
export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** Decodes a BMP file. Throws an Error saying what is unsupported or malformed. */
export function decodeBmp(bytes: Uint8Array): RgbaImage {
  if (!isBmp(bytes) || bytes.length < 26) throw new Error("not a BMP file");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (headerSize < 40) {
    throw new Error(`unsupported BMP header (size ${headerSize}; need BITMAPINFOHEADER or later)`);
  }
  if (14 + headerSize > bytes.length) {
    throw new Error(
      `truncated BMP file (${bytes.length} bytes, its header alone needs ${14 + headerSize})`,
    );
  }
  const width = view.getInt32(18, true);
  const rawHeight = view.getInt32(22, true);
  const bitsPerPixel = view.getUint16(28, true);
  const compression = view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  const topDown = rawHeight < 0;
  if (width <= 0 || height === 0 || width * height > 1 << 26) {
    throw new Error(`BMP size ${width}×${height} is not usable`);
  }
  const bitfields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (compression !== BI_RGB && !bitfields) {
    throw new Error(`compressed BMP (compression type ${compression}) is not supported`);
  }
  if (![1, 4, 8, 16, 24, 32].includes(bitsPerPixel)) {
    throw new Error(`${bitsPerPixel}-bit BMP is not supported`);
  }
  const rowBytes = Math.ceil((width * bitsPerPixel) / 32) * 4;
  if (dataOffset + rowBytes * height > bytes.length) throw new Error("BMP pixel data is truncated");

  const readPixel = pixelReader(view, headerSize, bitsPerPixel, bitfields);
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + rowBytes * (topDown ? y : height - 1 - y);
    for (let x = 0; x < width; x++) readPixel(row, x, rgba, (y * width + x) * 4);
  }
  return { width, height, rgba };
}

type PixelReader = (row: number, x: number, out: Uint8Array, at: number) => void;

function pixelReader(
  view: DataView,
  headerSize: number,
  bitsPerPixel: number,
  bitfields: boolean,
): PixelReader {
  if (bitsPerPixel <= 8) {
    const paletteStart = 14 + headerSize;
    const declared = view.getUint32(46, true);
    const colours = declared === 0 ? 1 << bitsPerPixel : declared;
    const perByte = 8 / bitsPerPixel;
    const mask = (1 << bitsPerPixel) - 1;
    return (row, x, out, at) => {
      const byte = view.getUint8(row + Math.floor(x / perByte));
      const shift = 8 - bitsPerPixel * (x % perByte + 1);
      const index = (byte >> shift) & mask;
      if (index >= colours) throw new Error(`BMP palette index ${index} is out of range`);
      const entry = paletteStart + index * 4; // palette entries are B, G, R, reserved
      out[at] = view.getUint8(entry + 2);
      out[at + 1] = view.getUint8(entry + 1);
      out[at + 2] = view.getUint8(entry);
      out[at + 3] = 255;
    };
  }
  if (bitsPerPixel === 24) {
    return (row, x, out, at) => {
      const p = row + x * 3;
      out[at] = view.getUint8(p + 2);
      out[at + 1] = view.getUint8(p + 1);
      out[at + 2] = view.getUint8(p);
      out[at + 3] = 255;
    };
  }
  // 16 and 32 bits: channel masks from the header, or the defaults (5-5-5 and 8-8-8).
  const masks = bitfields
    ? [0, 4, 8, 12].map((i) => (headerSize >= 56 || i < 12 ? view.getUint32(54 + i, true) : 0))
    : bitsPerPixel === 16
    ? [0x7c00, 0x03e0, 0x001f, 0]
    : [0x00ff0000, 0x0000ff00, 0x000000ff, 0];
  const channels = masks.map(maskChannel);
  return (row, x, out, at) => {
    const value = bitsPerPixel === 16
      ? view.getUint16(row + x * 2, true)
      : view.getUint32(row + x * 4, true);
    for (let c = 0; c < 3; c++) out[at + c] = channels[c](value);
    out[at + 3] = masks[3] === 0 ? 255 : channels[3](value);
  };
}

/** Extracts the bits of `mask` from a pixel value and scales them to 0..255. */
function maskChannel(mask: number): (value: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (value) => Math.round((((value & mask) >>> shift) * 255) / max);
}
