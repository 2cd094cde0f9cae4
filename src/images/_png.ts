/**
 * PNG pixels, bounded: every chunk's CRC-32 is checked, the image data is
 * inflated (by fflate) in small pieces into a buffer of exactly the size
 * the header calls for, so data that inflates to more is refused as soon
 * as it passes that size, and its Adler-32 is checked. Ancillary chunks
 * (ICC profiles, compressed text) are skipped without being inflated, and
 * bytes after IEND are ignored, as PIL does.
 *
 * @module
 */

import { crc32 } from "../core/crc32.ts";
import { Inflate } from "fflate";
import type { RasterImage } from "../plot/display.ts";

/**
 * Most compressed bytes handed to the inflater at a time: deflate inflates
 * at most 1032-fold, so one piece makes at most about 17 MB. Near the end
 * of the expected size pieces shrink to what could just fill it (down to
 * {@linkcode MIN_PIECE}), so a bomb overshoots by about 1 MB at most;
 * smaller pieces throughout would cost time in fflate's per-call copies.
 */
const PIECE = 16 * 1024;
const MIN_PIECE = 1024;
/** The most bytes one byte of deflate data inflates to. */
const MAX_RATIO = 1032;

/** Adam7's passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Samples per pixel of each colour type. */
const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bit depths each colour type allows (16 is refused before we get here). */
const DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8],
  2: [8],
  3: [1, 2, 4, 8],
  4: [8],
  6: [8],
};

/**
 * The 8-bit RGB pixels of a PNG whose signature and IHDR `readImageHeader`
 * has read, transparency laid over white. Every error starts with `name`.
 */
export function pngPixels(bytes: Uint8Array, name: string): RasterImage {
  const fail = (why: string) => new RangeError(`${name}: ${why}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16), height = view.getUint32(20);
  const [depth, type, compression, filter, interlace] = bytes.subarray(24, 29);
  if (!DEPTHS[type].includes(depth)) {
    throw fail(
      `a corrupt PNG (bit depth ${depth} with colour type ${type}; expected ${
        DEPTHS[type].join(", ")
      })`,
    );
  }
  if (compression !== 0 || filter !== 0 || interlace > 1) {
    throw fail(
      `a corrupt PNG (compression ${compression}, filter ${filter}, interlace ${interlace} in IHDR; expected 0, 0 and 0 or 1)`,
    );
  }

  // The chunks, up to IEND: every CRC, the palette, tRNS, how much image
  // data there is (read in a second walk, so a file of millions of tiny
  // IDAT chunks holds no list of them).
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  let total = 0;
  for (const { code, at, body } of chunksOf(bytes, fail)) {
    const end = body.byteOffset - bytes.byteOffset + body.length;
    if (crc32(bytes.subarray(at + 4, end)) !== view.getUint32(end)) {
      throw fail(
        `a corrupt PNG (the CRC of its ${
          typeName(code)
        } chunk at byte ${at} does not match its data)`,
      );
    }
    if (code === IHDR && (at !== 8 || body.length !== 13)) {
      throw fail(
        `a corrupt PNG (an IHDR chunk of ${body.length} bytes at byte ${at}; expected one of 13 bytes, first)`,
      );
    }
    if (code === IDAT) {
      total += body.length;
    } else if (code === PLTE) {
      if (body.length % 3 !== 0 || body.length === 0 || body.length > 768) {
        throw fail(
          `a corrupt PNG (a PLTE chunk of ${body.length} bytes; expected 1 to 256 colours of 3 bytes)`,
        );
      }
      palette = body;
    } else if (code === TRNS) {
      transparency = body;
    } else if (code !== IHDR && code !== IEND && !(code & 0x20000000)) {
      // A critical chunk (upper-case first letter) we do not know changes
      // how the pixels read.
      throw fail(
        `an unsupported PNG (it has a critical chunk ${
          typeName(code)
        } at byte ${at})`,
      );
    }
  }

  if (type === 3 && !palette) {
    throw fail("a corrupt PNG (a palette image without a PLTE chunk)");
  }
  // A colour key: one 2-byte grey value, or three for RGB. (Images with an
  // alpha channel have no use for tRNS; like PIL, we ignore it there.)
  const keyBytes = type === 0 ? 2 : type === 2 ? 6 : undefined;
  if (transparency && keyBytes && transparency.length !== keyBytes) {
    throw fail(
      `a corrupt PNG (a tRNS chunk of ${transparency.length} bytes for colour type ${type}; expected ${keyBytes})`,
    );
  }
  const key = transparency && keyBytes
    ? Array.from(
      { length: keyBytes / 2 },
      (_, k) => transparency[2 * k] * 256 + transparency[2 * k + 1],
    )
    : undefined;
  const alphas = type === 3 ? transparency : undefined;

  const samples = SAMPLES[type];
  const passes = (interlace ? ADAM7 : [[0, 0, 1, 1]]).map(
    ([x0, y0, dx, dy]) => {
      const w = width > x0 ? Math.ceil((width - x0) / dx) : 0;
      const h = height > y0 ? Math.ceil((height - y0) / dy) : 0;
      const rowBytes = Math.ceil(w * samples * depth / 8);
      return { x0, y0, dx, dy, w, h, rowBytes };
    },
  ).filter((pass) => pass.w > 0 && pass.h > 0);
  const size = passes.reduce((sum, p) => sum + p.h * (1 + p.rowBytes), 0);
  const idat = function* () {
    for (const chunk of chunksOf(bytes, fail)) {
      if (chunk.code === IDAT) yield chunk.body;
    }
  };
  const raw = inflateImageData(
    idat(),
    total,
    size,
    `${width} x ${height}`,
    fail,
  );

  // Each pass: unfilter its rows in place, then write its pixels.
  const out = new Uint8ClampedArray(3 * width * height);
  const pixel = pixelWriter(type, depth, out, palette, alphas, key, fail);
  const bpp = Math.max(1, samples * depth / 8);
  let start = 0;
  for (const pass of passes) {
    const { w, h, rowBytes } = pass;
    for (let r = 0; r < h; r++) {
      const row = start + r * (rowBytes + 1);
      unfilter(raw, row, rowBytes, r > 0 ? rowBytes + 1 : 0, bpp, fail);
      const y = pass.y0 + r * pass.dy;
      for (let c = 0; c < w; c++) {
        pixel(raw, row + 1, c, y * width + pass.x0 + c * pass.dx);
      }
    }
    start += h * (rowBytes + 1);
  }
  return { width, height, channels: 3, data: out };
}

// Chunk types as the big-endian numbers of their four letters.
const IHDR = 0x49484452, PLTE = 0x504c5445, IDAT = 0x49444154;
const IEND = 0x49454e44, TRNS = 0x74524e53;

/** A chunk type's four letters. */
function typeName(code: number): string {
  return String.fromCharCode(
    code >>> 24,
    (code >> 16) & 255,
    (code >> 8) & 255,
    code & 255,
  );
}

/**
 * A PNG's chunks from IHDR to IEND, IEND included: type (as a number),
 * where the chunk starts and its data (its CRC follows the data). Throws
 * when the file ends first or a chunk has no type.
 */
function* chunksOf(
  bytes: Uint8Array,
  fail: (why: string) => RangeError,
): Generator<{ code: number; at: number; body: Uint8Array }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = () =>
    fail(
      `a truncated PNG (it has no IEND chunk; the file ends after ${bytes.length} bytes)`,
    );
  for (let at = 8;;) {
    if (at + 12 > bytes.length) throw truncated();
    for (let k = at + 4; k < at + 8; k++) {
      const letter = bytes[k] | 0x20; // lower case
      if (letter < 0x61 || letter > 0x7a) {
        throw fail(
          `a corrupt PNG (no chunk type at byte ${at + 4}, found bytes ${
            hex(bytes.subarray(at + 4, at + 8))
          })`,
        );
      }
    }
    const code = view.getUint32(at + 4);
    const end = at + 8 + view.getUint32(at);
    if (end + 4 > bytes.length) throw truncated();
    yield { code, at, body: bytes.subarray(at + 8, end) };
    if (code === IEND) return;
    at = end + 4;
  }
}

/**
 * The zlib stream of `total` bytes split over the `chunks` inflated into
 * exactly `size` bytes; refused once it passes that size, when it falls
 * short, or when its Adler-32 differs. The deflate data goes to fflate in
 * pieces (of {@linkcode PIECE} bytes or fewer), however the chunks split
 * it.
 */
function inflateImageData(
  chunks: Iterable<Uint8Array>,
  total: number,
  size: number,
  pixels: string,
  fail: (why: string) => RangeError,
): Uint8Array {
  if (total < 6) {
    throw fail(
      `a truncated PNG (its image data holds ${total} bytes, too few for a zlib stream)`,
    );
  }
  const raw = new Uint8Array(size);
  let filled = 0;
  let tooLong: RangeError | undefined;
  const inflater = new Inflate((piece) => {
    if (filled + piece.length > size) {
      // Stops the inflater: a bomb ends here, one piece past the size.
      throw tooLong = fail(
        `a corrupt PNG (its image data inflates to more than the ${size} bytes its ${pixels} pixels need)`,
      );
    }
    raw.set(piece, filled);
    filled += piece.length;
  });
  // The stream: a 2-byte header, deflate data, then a 4-byte Adler-32.
  const header = new Uint8Array(2), trailer = new Uint8Array(4);
  const stage = new Uint8Array(PIECE);
  let staged = 0;
  // Near the end, a piece that could just fill the rest.
  const pieceSize = () =>
    clamp(Math.ceil((size - filled) / MAX_RATIO), MIN_PIECE, PIECE);
  let offset = 0;
  try {
    for (const chunk of chunks) {
      for (let i = 0; i < chunk.length;) {
        const at = offset + i;
        if (at < 2 || at >= total - 4) {
          if (at < 2) header[at] = chunk[i];
          else trailer[at - (total - 4)] = chunk[i];
          if (at === 1) checkZlibHeader(header, fail);
          i++;
          continue;
        }
        const n = Math.min(
          chunk.length - i,
          total - 4 - at,
          pieceSize() - staged,
        );
        stage.set(chunk.subarray(i, i + n), staged);
        staged += n;
        i += n;
        if (staged >= pieceSize()) {
          inflater.push(stage.slice(0, staged));
          staged = 0;
        }
      }
      offset += chunk.length;
    }
    inflater.push(stage.slice(0, staged), true);
  } catch (error) {
    if (error === tooLong || !(error instanceof Error) || !("code" in error)) {
      throw error;
    }
    throw fail(
      `a corrupt or truncated PNG (its image data does not inflate: ${error.message})`,
    );
  }
  if (filled < size) {
    throw fail(
      `a corrupt or truncated PNG (its image data inflates to ${filled} bytes; its ${pixels} pixels need ${size})`,
    );
  }
  const stored = trailer.reduce((sum, byte) => sum * 256 + byte, 0);
  if (adler32(raw) !== stored) {
    throw fail(
      "a corrupt PNG (the Adler-32 checksum of its image data does not match)",
    );
  }
  return raw;
}

/** Throws unless `header` starts a zlib stream PNG allows. */
function checkZlibHeader(
  header: Uint8Array,
  fail: (why: string) => RangeError,
): void {
  const [cmf, flg] = header;
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0) {
    throw fail(
      `a corrupt PNG (its image data is not a zlib stream: it starts with bytes ${
        hex(header)
      })`,
    );
  }
  if (flg & 32) {
    throw fail("a corrupt PNG (its image data asks for a preset dictionary)");
  }
}

/**
 * Undoes the filter of the row whose filter byte is at `raw[row]`, in
 * place; the row above starts `up` bytes earlier (0: there is none).
 */
function unfilter(
  raw: Uint8Array,
  row: number,
  rowBytes: number,
  up: number,
  bpp: number,
  fail: (why: string) => RangeError,
): void {
  const kind = raw[row];
  const s = row + 1;
  switch (kind) {
    case 0:
      return;
    case 1: // Sub
      for (let i = bpp; i < rowBytes; i++) raw[s + i] += raw[s + i - bpp];
      return;
    case 2: // Up
      if (up) {
        for (let i = 0; i < rowBytes; i++) {
          raw[s + i] += raw[s + i - up];
        }
      }
      return;
    case 3: // Average
      for (let i = 0; i < rowBytes; i++) {
        const left = i >= bpp ? raw[s + i - bpp] : 0;
        const above = up ? raw[s + i - up] : 0;
        raw[s + i] += (left + above) >> 1;
      }
      return;
    case 4: // Paeth
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? raw[s + i - bpp] : 0;
        const b = up ? raw[s + i - up] : 0;
        const c = up && i >= bpp ? raw[s + i - up - bpp] : 0;
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        raw[s + i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      return;
    default:
      throw fail(
        `a corrupt PNG (a row of its image data has filter type ${kind}; expected 0 to 4)`,
      );
  }
}

/**
 * A function writing pixel `c` of an unfiltered row (starting at
 * `raw[row]`) as RGB at pixel `p` of `out`, laid over white where the
 * palette's `alphas` or an alpha channel say, or white where it matches
 * the colour `key`.
 */
function pixelWriter(
  type: number,
  depth: number,
  out: Uint8ClampedArray,
  palette: Uint8Array | undefined,
  alphas: Uint8Array | undefined,
  key: number[] | undefined,
  fail: (why: string) => RangeError,
): (raw: Uint8Array, row: number, c: number, p: number) => void {
  const max = (1 << depth) - 1;
  // A sample of 1, 2, 4 or 8 bits, packed from the high bit.
  const sample = depth === 8
    ? (raw: Uint8Array, row: number, c: number) => raw[row + c]
    : (raw: Uint8Array, row: number, c: number) => {
      const bit = c * depth;
      return (raw[row + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
    };
  const over = (v: number, alpha: number) =>
    Math.round(alpha / 255 * v + (1 - alpha / 255) * 255);
  switch (type) {
    case 0: // grey, perhaps one value transparent
      return (raw, row, c, p) => {
        const v = sample(raw, row, c);
        out.fill(
          key && v === key[0] ? 255 : Math.round(v * 255 / max),
          3 * p,
          3 * p + 3,
        );
      };
    case 2: // RGB, perhaps one colour transparent
      return (raw, row, c, p) => {
        const r = raw[row + 3 * c], g = raw[row + 3 * c + 1];
        const b = raw[row + 3 * c + 2];
        const clear = key && r === key[0] && g === key[1] && b === key[2];
        out[3 * p] = clear ? 255 : r;
        out[3 * p + 1] = clear ? 255 : g;
        out[3 * p + 2] = clear ? 255 : b;
      };
    case 3: { // palette, with an alpha per entry from tRNS
      const colours = palette!.length / 3;
      return (raw, row, c, p) => {
        const index = sample(raw, row, c);
        if (index >= colours) {
          throw fail(
            `a corrupt PNG (a pixel has palette index ${index}; the palette has ${colours} colours)`,
          );
        }
        const alpha = alphas && index < alphas.length ? alphas[index] : 255;
        for (let k = 0; k < 3; k++) {
          out[3 * p + k] = over(palette![3 * index + k], alpha);
        }
      };
    }
    case 4: // grey and alpha
      return (raw, row, c, p) => {
        const v = over(raw[row + 2 * c], raw[row + 2 * c + 1]);
        out.fill(v, 3 * p, 3 * p + 3);
      };
    default: // 6: RGB and alpha
      return (raw, row, c, p) => {
        const alpha = raw[row + 4 * c + 3];
        for (let k = 0; k < 3; k++) {
          out[3 * p + k] = over(raw[row + 4 * c + k], alpha);
        }
      };
  }
}

function clamp(x: number, low: number, high: number): number {
  return Math.min(Math.max(x, low), high);
}

/** The Adler-32 of `bytes` (zlib's). */
function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  // Reduced every 5552 bytes, as zlib does: the sums stay below 2^32.
  for (let start = 0; start < bytes.length; start += 5552) {
    const end = Math.min(start + 5552, bytes.length);
    for (let i = start; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return b * 65536 + a;
}

function hex(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}
