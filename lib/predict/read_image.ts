/**
 * Turning whatever the caller holds (a path, file bytes or decoded pixels) into RGBA pixels, with
 * errors that name the file. Decoding itself is lib/data's, so predict reads exactly the formats
 * the dataset loaders read.
 */
import { applyOrientation, decodeImage, jpegOrientation, type RgbaImage } from "../data/mod.ts";
import { DataError } from "../errors.ts";
import type { ImageInput } from "./types.ts";

/**
 * The decoded image, turned upright as a JPEG's EXIF orientation says. `name` labels errors for
 * bytes and decoded images (a path names itself). Throws DataError naming the file when it cannot
 * be read or is not a PNG/JPEG/BMP/TIFF/GIF.
 */
export async function readImage(input: ImageInput, name = "image"): Promise<RgbaImage> {
  if (typeof input !== "string" && !(input instanceof Uint8Array)) {
    checkRgba(input, name);
    return input;
  }
  const source = typeof input === "string" ? input : name;
  let bytes: Uint8Array;
  if (typeof input === "string") {
    try {
      bytes = await Deno.readFile(input);
    } catch (error) {
      throw new DataError(`cannot read: ${(error as Error).message}`, input);
    }
  } else {
    bytes = input;
  }
  let image: RgbaImage;
  try {
    image = await decodeImage(bytes);
  } catch (error) {
    throw new DataError((error as Error).message, source);
  }
  // A phone photo is stored as the sensor saw it; its EXIF says how to turn it upright.
  return applyOrientation(image, jpegOrientation(bytes));
}

function checkRgba(image: RgbaImage, name: string): void {
  const { width, height, rgba } = image;
  const valid = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 &&
    rgba.length === width * height * 4;
  if (!valid) {
    throw new DataError(`${rgba.length} bytes are not a ${width}×${height} RGBA image`, name);
  }
}
