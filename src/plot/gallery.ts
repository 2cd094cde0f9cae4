/**
 * Small images side by side with captions, as one SVG {@linkcode Figure}:
 * CIFAR-10 test images with their true and predicted classes, training
 * images as augmentation changes them.
 *
 * @module
 */

import { Figure, imageToPng, type RasterImage } from "./display.ts";
import { checkOptionNames } from "../core/options.ts";
import { escapeXml, textWidth } from "./_text_fit.ts";

/** One picture of a {@linkcode pictureGallery} and the lines under it. */
export interface GalleryItem {
  /** The image (8-bit, 1 to 4 channels). */
  image: RasterImage;
  /** Lines of text under the image (none by default). */
  caption?: readonly string[];
}

/** Options of {@linkcode pictureGallery}. */
export interface GalleryOptions {
  /** Pictures per row (default 8). */
  columns?: number;
  /** Screen pixels per image pixel, drawn as sharp squares (default 3). */
  scale?: number;
}

const FONT_SIZE = 11;
const GAP = 10;

/**
 * Lays out images in rows, each enlarged `scale` times with its pixels kept
 * sharp, its caption lines centred below it; each column is as wide as its
 * widest image or caption, so no caption is cut or runs into the next.
 *
 * @throws {RangeError} when there are no items or an option is not a
 *   positive integer.
 *
 * @example Two 2 x 2 images with captions
 * ```ts
 * import { pictureGallery } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const image = { width: 2, height: 2, channels: 1, data: new Uint8ClampedArray(4) };
 * const figure = pictureGallery([
 *   { image, caption: ["true cat", "predicted dog"] },
 *   { image, caption: ["true ship"] },
 * ]);
 * assert.equal(figure.svg.match(/<image /g)?.length, 2);
 * assert.ok(figure.svg.includes(">predicted dog</text>"));
 * ```
 */
export function pictureGallery(
  items: readonly GalleryItem[],
  options: GalleryOptions = {},
): Figure {
  checkOptionNames("pictureGallery", options, ["columns", "scale"]);
  const { columns = 8, scale = 3 } = options;
  for (const [name, value] of [["columns", columns], ["scale", scale]]) {
    if (!Number.isInteger(value) || (value as number) < 1) {
      throw new RangeError(
        `pictureGallery ${name} must be a positive integer, got ${value}`,
      );
    }
  }
  if (items.length === 0) {
    throw new RangeError("pictureGallery needs at least 1 item, got 0");
  }
  const perRow = Math.min(columns, items.length);
  const cellWidth = Math.ceil(Math.max(
    ...items.flatMap(({ image, caption = [] }) => [
      image.width * scale,
      ...caption.map((line) => textWidth(line, FONT_SIZE)),
    ]),
  ));
  const lines = Math.max(...items.map(({ caption = [] }) => caption.length));
  const imageHeight = Math.max(...items.map(({ image }) => image.height)) *
    scale;
  const cellHeight = imageHeight + lines * (FONT_SIZE + 3) + 4;
  const rows = Math.ceil(items.length / perRow);
  const width = perRow * cellWidth + (perRow + 1) * GAP;
  const height = rows * cellHeight + (rows + 1) * GAP;
  const parts = items.map(({ image, caption = [] }, n) => {
    const x = GAP + (n % perRow) * (cellWidth + GAP);
    const y = GAP + Math.floor(n / perRow) * (cellHeight + GAP);
    const w = image.width * scale, h = image.height * scale;
    // Enlarged here, pixel by pixel: renderers smooth a scaled <image>.
    const png = imageToPng(enlarge(image, scale)).toBase64();
    const centre = x + cellWidth / 2;
    const text = caption.map((line, k) =>
      `<text x="${centre}" y="${y + imageHeight + (k + 1) * (FONT_SIZE + 3)}">${
        escapeXml(line)
      }</text>`
    ).join("");
    return `<image x="${centre - w / 2}" y="${y}" width="${w}" height="${h}" ` +
      `href="data:image/png;base64,${png}"/>${text}`;
  });
  return new Figure(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" ` +
      `font-size="${FONT_SIZE}" text-anchor="middle" fill="currentColor">` +
      `${parts.join("")}</svg>`,
  );
}

/** `image` with each pixel repeated `scale` x `scale` times. */
function enlarge(image: RasterImage, scale: number): RasterImage {
  if (scale === 1) return image;
  const { width, height, channels, data } = image;
  const w = width * scale, h = height * scale;
  const out = new Uint8ClampedArray(w * h * channels);
  for (let y = 0; y < h; y++) {
    const from = Math.floor(y / scale) * width;
    for (let x = 0; x < w; x++) {
      const source = (from + Math.floor(x / scale)) * channels;
      out.set(data.subarray(source, source + channels), (y * w + x) * channels);
    }
  }
  return { width: w, height: h, channels, data: out };
}
