import assert from "node:assert/strict";
import { Image } from "imagescript";
import { applyOrientation, jpegOrientation, type RgbaImage } from "../lib/data/mod.ts";
import { readImage } from "../lib/predict/mod.ts";

/** A w×h image whose pixel (x, y) has red = x, green = y. */
function coordinates(w: number, h: number): RgbaImage {
  const rgba = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rgba.set([x, y, 0, 255], (y * w + x) * 4);
  }
  return { width: w, height: h, rgba };
}

const pixel = (
  image: RgbaImage,
  x: number,
  y: number,
) => [...image.rgba.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 2)];

/** A JPEG with an EXIF block holding `orientation`, in Intel or Motorola byte order. */
function withExif(jpeg: Uint8Array, orientation: number, little: boolean): Uint8Array {
  const u16 = (v: number) => little ? [v & 255, v >> 8] : [v >> 8, v & 255];
  const u32 = (v: number) => little ? [...u16(v & 0xffff), 0, 0] : [0, 0, ...u16(v & 0xffff)];
  const tiff = [
    ...(little ? [0x49, 0x49] : [0x4d, 0x4d]),
    ...u16(42),
    ...u32(8),
    ...u16(1),
    ...u16(0x0112),
    ...u16(3),
    ...u32(1),
    ...u16(orientation),
    0,
    0,
    ...u32(0),
  ];
  const body = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const segment = [0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
  return Uint8Array.from([...jpeg.subarray(0, 2), ...segment, ...jpeg.subarray(2)]);
}

Deno.test("EXIF orientations turn an image upright as Pillow's exif_transpose does", () => {
  const image = coordinates(3, 2);
  // What lands in the top-left corner: the stored corner each orientation brings there.
  const corner = {
    1: [0, 0],
    2: [2, 0],
    3: [2, 1],
    4: [0, 1],
    5: [0, 0],
    6: [0, 1],
    7: [2, 1],
    8: [2, 0],
  };
  for (const [orientation, expected] of Object.entries(corner)) {
    const upright = applyOrientation(image, Number(orientation));
    assert.deepEqual(pixel(upright, 0, 0), expected, `orientation ${orientation}`);
    assert.equal(upright.width, Number(orientation) >= 5 ? 2 : 3);
  }
  // 6 turns clockwise and 8 counter-clockwise: one undoes the other.
  assert.deepEqual(applyOrientation(applyOrientation(image, 6), 8), image);
});

Deno.test("a JPEG's EXIF orientation is read in either byte order, and applied by readImage", async () => {
  // Stored on its side, 2 wide and 4 high: the photo is 4 wide and 2 high once turned clockwise.
  const stored = new Image(2, 4).fill(Image.rgbaToColor(0, 0, 255, 255));
  stored.drawBox(1, 1, 2, 1, Image.rgbaToColor(255, 0, 0, 255)); // the top-left pixel (1-based)
  const jpeg = await stored.encodeJPEG(100);
  assert.equal(jpegOrientation(jpeg), 1);
  assert.equal(jpegOrientation(await stored.encode()), 1, "a PNG has none");
  for (const little of [true, false]) {
    assert.equal(jpegOrientation(withExif(jpeg, 6, little)), 6);
  }
  const upright = await readImage(withExif(jpeg, 6, true));
  assert.deepEqual([upright.width, upright.height], [4, 2]);
  // Turned clockwise, the stored top-left pixel is the top-right one.
  assert.ok(upright.rgba[(3) * 4] > 200 && upright.rgba[0] < 60, "red went to the top right");
});
