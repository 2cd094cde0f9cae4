/**
 * Any picture as a CIFAR-10 image: 32 x 32 RGB bytes, scaled down by area
 * averaging, as tiny images are made from large ones.
 *
 * @module
 */

import type { RasterImage } from "../plot/display.ts";
import { checkOptionNames } from "../core/options.ts";

/** Options of {@linkcode scaleToCifar}. */
export interface ScaleOptions {
  /**
   * `"crop"` (default): the largest centred square, so shapes keep their
   * proportions (CIFAR-10's objects fill most of a square frame);
   * `"stretch"`: the whole picture, squeezed into the square.
   */
  fit?: "crop" | "stretch";
  /** Side of the result in pixels (default 32, CIFAR-10's). */
  size?: number;
}

/**
 * Scales an RGB picture to a `size` x `size` RGB image (32 x 32 by
 * default) by area averaging: each new pixel is the mean of the part of
 * the picture it covers, each old pixel weighted by how much of it lies
 * inside, averaged on the stored (gamma-encoded) values as most image
 * resizers do, then rounded to bytes as CIFAR-10 stores them. A picture
 * smaller than the result is enlarged the same way.
 *
 * @throws {RangeError} when the picture is empty (0 pixels wide or high)
 *   or not 3-channel RGB, or an option is unknown or out of range.
 *
 * @example A 4 x 2 picture: left half black, right half white
 * ```ts
 * import { scaleToCifar } from "@twolayer/net/images";
 * import assert from "node:assert/strict";
 *
 * const data = new Uint8ClampedArray(4 * 2 * 3);
 * for (const p of [2, 3, 6, 7]) data.fill(255, 3 * p, 3 * p + 3);
 * const picture = { width: 4, height: 2, channels: 3, data };
 * // The centred 2 x 2 square is half black, half white.
 * const tiny = scaleToCifar(picture, { size: 1 });
 * assert.deepEqual([...tiny.data], [128, 128, 128]);
 * const squeezed = scaleToCifar(picture, { size: 2, fit: "stretch" });
 * assert.deepEqual([...squeezed.data], [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
 * ```
 */
export function scaleToCifar(
  picture: RasterImage,
  options: ScaleOptions = {},
): RasterImage {
  checkOptionNames("scaleToCifar", options, ["fit", "size"]);
  const { fit = "crop", size = 32 } = options;
  if (fit !== "crop" && fit !== "stretch") {
    throw new RangeError(
      `fit must be "crop" or "stretch", got ${JSON.stringify(fit)}`,
    );
  }
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`size must be a positive integer, got ${size}`);
  }
  const { width, height, channels, data } = picture;
  if (
    !Number.isInteger(width) || !Number.isInteger(height) || width < 1 ||
    height < 1
  ) {
    throw new RangeError(
      `scaleToCifar needs a picture of at least 1 x 1 pixels, got ${width} x ${height}`,
    );
  }
  if (channels !== 3 || data.length !== width * height * 3) {
    throw new RangeError(
      `scaleToCifar needs an RGB picture (3 channels, width x height x 3 values), got ${channels} channels and ${data.length} values for ${width} x ${height}`,
    );
  }
  const side = Math.min(width, height);
  const [x0, w] = fit === "crop"
    ? [Math.floor((width - side) / 2), side]
    : [0, width];
  const [y0, h] = fit === "crop"
    ? [Math.floor((height - side) / 2), side]
    : [0, height];
  const across = coverage(x0, w, size);
  const down = coverage(y0, h, size);
  // Rows first: each picture row in the square becomes `size` columns.
  const rows = new Float64Array(h * size * 3);
  for (let r = 0; r < h; r++) {
    const from = (y0 + r) * width * 3;
    for (let j = 0; j < size; j++) {
      const to = (r * size + j) * 3;
      for (const [x, weight] of across[j]) {
        for (let k = 0; k < 3; k++) {
          rows[to + k] += weight * data[from + 3 * x + k];
        }
      }
    }
  }
  // Columns: each output row is the weighted sum of the rows it covers.
  const sums = new Float64Array(size * size * 3);
  for (let i = 0; i < size; i++) {
    for (const [y, weight] of down[i]) {
      const from = (y - y0) * size * 3;
      for (let v = 0; v < size * 3; v++) {
        sums[i * size * 3 + v] += weight * rows[from + v];
      }
    }
  }
  const out = new Uint8ClampedArray(size * size * 3);
  for (let v = 0; v < sums.length; v++) out[v] = Math.round(sums[v]);
  return { width: size, height: size, channels: 3, data: out };
}

/**
 * For each of `size` equal parts of the pixels `start .. start + length`,
 * the pixels it covers and the share of the part each one fills.
 */
function coverage(
  start: number,
  length: number,
  size: number,
): [number, number][][] {
  const part = length / size;
  return Array.from({ length: size }, (_, j) => {
    const from = start + j * part, to = from + part;
    const cells: [number, number][] = [];
    for (let x = Math.floor(from); x < to; x++) {
      const overlap = Math.min(x + 1, to) - Math.max(x, from);
      if (overlap > 0) cells.push([x, overlap / part]);
    }
    return cells;
  });
}
