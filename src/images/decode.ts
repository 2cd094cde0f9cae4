/**
 * PNG and JPEG files as 8-bit RGB pixels: the header is read first, so a
 * file that is empty, truncated, of another format, too large, CMYK or of
 * 16 bits per channel is refused with a message before any pixel is
 * decoded. PNG pixels are decoded by the library itself, every CRC and
 * the Adler-32 checked and the image data inflated (by fflate) no further
 * than the header's size calls for; JPEG pixels come from jpeg-js. Bytes
 * after a file's end marker are ignored, as PIL ignores them.
 *
 * @module
 */

import { decode as decodeJpeg } from "jpeg-js";
import type { RasterImage } from "../plot/display.ts";
import { checkOptionNames } from "../core/options.ts";
import { pngPixels } from "./_png.ts";

/** What {@linkcode readImageHeader} finds before any pixel is decoded. */
export interface ImageHeader {
  /** The file format. */
  format: "png" | "jpeg";
  /** Width in pixels, as stored (before any EXIF rotation). */
  width: number;
  /** Height in pixels, as stored. */
  height: number;
  /** Bits per channel (PNG: 1, 2, 4, 8 or 16; JPEG: 8 or 12). */
  bitDepth: number;
  /** Colour channels: 1 grey, 3 colour, 4 CMYK (JPEG), with alpha counted for PNG. */
  channels: number;
  /**
   * EXIF orientation of a JPEG (1 to 8, 1 upright): how the camera held
   * it; applied when decoding.
   */
  orientation: number;
}

/** Options of {@linkcode decodeImage}. */
export interface DecodeImageOptions {
  /** The file's name, to start error messages with (default `"image"`). */
  name?: string;
  /**
   * Most pixels (width x height) decoded (default
   * {@linkcode DEFAULT_MAX_PIXELS}); a larger image is refused from its
   * header.
   */
  maxPixels?: number;
}

/**
 * The most pixels {@linkcode decodeImage} decodes by default: 50
 * megapixels, a large camera photo (its RGBA pixels take 200 MB).
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Signatures of formats we name when refusing them. */
const OTHER_FORMATS: [string, number[]][] = [
  ["GIF", [0x47, 0x49, 0x46, 0x38]],
  ["BMP", [0x42, 0x4d]],
  ["TIFF", [0x49, 0x49, 0x2a, 0x00]],
  ["TIFF", [0x4d, 0x4d, 0x00, 0x2a]],
  ["WebP", [0x52, 0x49, 0x46, 0x46]],
];

/**
 * Reads the header of a PNG or JPEG file: format, size, bit depth,
 * channels and (JPEG) EXIF orientation, without decoding pixels.
 *
 * @throws {RangeError} starting with `name`: an empty file, another
 *   format, a header cut short, or a zero width or height.
 *
 * @example
 * ```ts
 * import { readImageHeader } from "@twolayer/net/images";
 * import { encode } from "fast-png";
 * import assert from "node:assert/strict";
 *
 * const png = encode({
 *   width: 3, height: 2, channels: 3, depth: 8, data: new Uint8Array(18),
 * });
 * assert.deepEqual(readImageHeader(png), {
 *   format: "png", width: 3, height: 2, bitDepth: 8, channels: 3, orientation: 1,
 * });
 * ```
 */
export function readImageHeader(
  bytes: Uint8Array,
  name = "image",
): ImageHeader {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `${name}: expected the file's bytes as a Uint8Array, got ${
        bytes === null ? "null" : typeof bytes
      }`,
    );
  }
  if (bytes.length === 0) {
    throw new RangeError(
      `${name}: empty file (0 bytes), expected a PNG or JPEG image`,
    );
  }
  const header = startsWith(bytes, PNG_SIGNATURE)
    ? pngHeader(bytes, name)
    : startsWith(bytes, [0xff, 0xd8, 0xff])
    ? jpegHeader(bytes, name)
    : undefined;
  if (!header) {
    const other = OTHER_FORMATS.find(([, signature]) =>
      startsWith(bytes, signature)
    );
    const start = [...bytes.subarray(0, 4)]
      .map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new RangeError(
      other
        ? `${name}: a ${other[0]} image; expected a PNG or JPEG image`
        : `${name}: not a PNG or JPEG image (it starts with bytes ${start})`,
    );
  }
  if (header.width === 0 || header.height === 0) {
    throw new RangeError(
      `${name}: the image is ${header.width} x ${header.height} pixels; expected at least 1 x 1`,
    );
  }
  return header;
}

/**
 * Decodes a PNG or JPEG file into 8-bit RGB pixels (3 channels, row by
 * row), upright as an EXIF orientation says. Grey images become three
 * equal channels; a palette is looked up; transparent pixels (an alpha
 * channel, a palette's alpha, or a PNG's transparent colour key) are laid
 * over white, as a web page shows them.
 *
 * @throws {RangeError} starting with the file's `name`: everything
 *   {@linkcode readImageHeader} refuses, and an image of more than
 *   `maxPixels` pixels, 16 bits per channel (PNG) or 12 (JPEG), CMYK
 *   colour (JPEG), or data that is truncated or corrupt: a PNG chunk whose
 *   CRC or image data whose Adler-32 does not match, image data that
 *   inflates to more or fewer bytes than the header calls for, a palette
 *   index past the palette.
 *
 * @example
 * ```ts
 * import { decodeImage } from "@twolayer/net/images";
 * import { encode } from "fast-png";
 * import assert from "node:assert/strict";
 *
 * // One opaque red pixel and one fully transparent one.
 * const png = encode({
 *   width: 2, height: 1, channels: 4, depth: 8,
 *   data: new Uint8Array([255, 0, 0, 255, 0, 0, 0, 0]),
 * });
 * const image = decodeImage(png, { name: "two.png" });
 * assert.deepEqual([...image.data], [255, 0, 0, 255, 255, 255]);
 * ```
 */
export function decodeImage(
  bytes: Uint8Array,
  options: DecodeImageOptions = {},
): RasterImage {
  checkOptionNames("decodeImage", options, ["name", "maxPixels"]);
  const { name = "image", maxPixels = DEFAULT_MAX_PIXELS } = options;
  if (!(maxPixels >= 1)) {
    throw new RangeError(`maxPixels must be at least 1, got ${maxPixels}`);
  }
  const header = readImageHeader(bytes, name);
  const { format, width, height, bitDepth, channels } = header;
  if (width * height > maxPixels) {
    throw new RangeError(
      `${name}: ${width} x ${height} pixels is more than the ${maxPixels} read; expected a smaller image`,
    );
  }
  if (format === "png" && bitDepth === 16) {
    throw new RangeError(
      `${name}: a 16-bit PNG (16 bits per channel); expected 8 bits per channel or fewer`,
    );
  }
  if (format === "jpeg" && bitDepth !== 8) {
    throw new RangeError(
      `${name}: a ${bitDepth}-bit JPEG; expected 8 bits per channel`,
    );
  }
  if (format === "jpeg" && channels === 4) {
    throw new RangeError(
      `${name}: a CMYK JPEG (4 colour channels); expected RGB or grey`,
    );
  }
  if (format === "jpeg" && channels !== 1 && channels !== 3) {
    throw new RangeError(
      `${name}: a JPEG of ${channels} colour channels; expected 3 (RGB) or 1 (grey)`,
    );
  }
  const rgb = format === "png"
    ? pngPixels(bytes, name)
    : jpegPixels(bytes, header, name, maxPixels);
  return orient(rgb, header.orientation);
}

function pngHeader(bytes: Uint8Array, name: string): ImageHeader {
  // Signature, then the IHDR chunk: length, "IHDR", 13 bytes, CRC.
  if (bytes.length < 33 || ascii(bytes, 12, 4) !== "IHDR") {
    throw new RangeError(
      `${name}: a truncated PNG (no complete IHDR header in ${bytes.length} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const colorType = bytes[25];
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (channels === undefined) {
    throw new RangeError(
      `${name}: a PNG of unknown colour type ${colorType}; expected 0, 2, 3, 4 or 6`,
    );
  }
  return {
    format: "png",
    width: view.getUint32(16),
    height: view.getUint32(20),
    bitDepth: bytes[24],
    channels,
    orientation: 1,
  };
}

function jpegHeader(bytes: Uint8Array, name: string): ImageHeader {
  let orientation = 1;
  // Segments after SOI (FFD8): FF, marker, 2-byte length, data.
  for (let at = 2; at + 4 <= bytes.length;) {
    if (bytes[at] !== 0xff) {
      throw new RangeError(
        `${name}: a corrupt JPEG (no segment marker at byte ${at})`,
      );
    }
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    const data = at + 4;
    if (marker === 0xe1 && ascii(bytes, data, 6) === "Exif\0\0") {
      orientation = exifOrientation(bytes.subarray(data + 6, at + 2 + length));
    }
    // Start of frame: every SOFn but DHT (C4), JPG (C8) and DAC (CC).
    if (
      marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 &&
      marker !== 0xc8 && marker !== 0xcc
    ) {
      if (data + 6 > bytes.length) break;
      return {
        format: "jpeg",
        bitDepth: bytes[data],
        height: (bytes[data + 1] << 8) | bytes[data + 2],
        width: (bytes[data + 3] << 8) | bytes[data + 4],
        channels: bytes[data + 5],
        orientation,
      };
    }
    if (marker === 0xd9 || marker === 0xda) break; // end, or scan before frame
    at += 2 + length;
  }
  throw new RangeError(
    `${name}: a truncated JPEG (no frame header in ${bytes.length} bytes)`,
  );
}

/** The orientation tag (0x0112) of an EXIF TIFF block, 1 when absent. */
function exifOrientation(tiff: Uint8Array): number {
  if (tiff.length < 8) return 1;
  const little = tiff[0] === 0x49;
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return 1;
  const entries = u16(ifd);
  for (let k = 0; k < entries; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > tiff.length) break;
    if (u16(entry) === 0x0112) {
      const value = u16(entry + 8);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}

function jpegPixels(
  bytes: Uint8Array,
  header: ImageHeader,
  name: string,
  maxPixels: number,
): RasterImage {
  const end = jpegEnd(bytes);
  if (end < 0) {
    throw new RangeError(
      `${name}: a truncated JPEG (it has no end-of-image marker; the file ends after ${bytes.length} bytes)`,
    );
  }
  let jpeg: { width: number; height: number; data: Uint8Array };
  try {
    jpeg = decodeJpeg(bytes.subarray(0, end), {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: Math.ceil(maxPixels / 1e6),
      maxMemoryUsageInMB: 1024,
    });
  } catch (error) {
    throw new RangeError(
      `${name}: a corrupt or unsupported JPEG (${(error as Error).message})`,
    );
  }
  if (jpeg.width !== header.width || jpeg.height !== header.height) {
    throw new RangeError(
      `${name}: a corrupt JPEG (decoded ${jpeg.width} x ${jpeg.height}, its header says ${header.width} x ${header.height})`,
    );
  }
  // jpeg-js gives RGB for grey pictures too.
  const { width, height, data } = jpeg;
  return {
    width,
    height,
    channels: 3,
    data: new Uint8ClampedArray(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * The image turned upright for an EXIF orientation: 2 mirror, 3 rotate
 * 180°, 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8
 * rotate 90° counter-clockwise.
 */
function orient(image: RasterImage, orientation: number): RasterImage {
  if (orientation === 1) return image;
  const { width: w, height: h, data } = image;
  const swap = orientation >= 5;
  const width = swap ? h : w, height = swap ? w : h;
  const out = new Uint8ClampedArray(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // The stored pixel shown at (x, y).
      let sx: number, sy: number;
      switch (orientation) {
        case 2:
          [sx, sy] = [w - 1 - x, y];
          break;
        case 3:
          [sx, sy] = [w - 1 - x, h - 1 - y];
          break;
        case 4:
          [sx, sy] = [x, h - 1 - y];
          break;
        case 5:
          [sx, sy] = [y, x];
          break;
        case 6:
          [sx, sy] = [y, h - 1 - x];
          break;
        case 7:
          [sx, sy] = [w - 1 - y, h - 1 - x];
          break;
        default: // 8
          [sx, sy] = [w - 1 - y, x];
      }
      const from = 3 * (sy * w + sx), to = 3 * (y * width + x);
      out[to] = data[from];
      out[to + 1] = data[from + 1];
      out[to + 2] = data[from + 2];
    }
  }
  return { width, height, channels: 3, data: out };
}

/**
 * Where a JPEG ends: the index just past its end-of-image marker, found by
 * walking its segments and scans (so a marker inside a segment, such as an
 * EXIF thumbnail's, is passed over), or -1 when the file ends first.
 */
function jpegEnd(bytes: Uint8Array): number {
  let at = 2;
  while (at + 1 < bytes.length) {
    if (bytes[at] !== 0xff) return -1;
    const marker = bytes[at + 1];
    if (marker === 0xd9) return at + 2;
    // Fill bytes, and markers without a length (TEM, RSTn).
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (at + 3 >= bytes.length) return -1;
    at += 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker other than a stuffed
      // zero (FF 00) or a restart marker.
      while (
        at + 1 < bytes.length &&
        !(bytes[at] === 0xff && bytes[at + 1] !== 0 &&
          !(bytes[at + 1] >= 0xd0 && bytes[at + 1] <= 0xd7))
      ) at++;
    }
  }
  return -1;
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return bytes.length >= prefix.length &&
    prefix.every((b, i) => bytes[i] === b);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}
