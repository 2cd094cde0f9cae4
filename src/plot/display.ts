/**
 * Displayable results: {@linkcode Figure} (an SVG chart) and
 * {@linkcode Picture} (a raster image). Both show inline in Deno's Jupyter
 * kernel and save to files from a script.
 *
 * Jupyter display works through the `Symbol.for("Jupyter.display")` method
 * that Deno's kernel looks for on a cell's value; nothing here touches
 * `Deno.jupyter`, so the same objects work in plain scripts and tests.
 *
 * @module
 */

import { encode } from "fast-png";
import { initWasm, Resvg } from "@resvg/resvg-wasm";

/** The symbol Deno's Jupyter kernel calls to get a value's mimebundle. */
export const jupyterDisplay: unique symbol = Symbol.for("Jupyter.display");

/** A Jupyter mimebundle: media type to content (base64 for binary types). */
export type MimeBundle = Record<string, string>;

/**
 * An 8-bit image stored row by row with interleaved channels: pixel (r, c)
 * channel ch is `data[(r * width + c) * channels + ch]`.
 */
export interface RasterImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). */
  readonly channels: number;
  /** `height * width * channels` values. */
  readonly data: Uint8ClampedArray;
}

/**
 * Encodes an image as PNG bytes (8 bits per channel).
 *
 * @throws {RangeError} when the size or channel count is invalid or the data
 *   length does not match.
 *
 * @example A 2 x 1 RGB image
 * ```ts
 * import { imageToPng } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const data = new Uint8ClampedArray([255, 0, 0, 0, 0, 255]);
 * const png = imageToPng({ width: 2, height: 1, channels: 3, data });
 * assert.deepEqual([...png.subarray(1, 4)], [80, 78, 71]); // "PNG"
 * ```
 */
export function imageToPng(image: RasterImage): Uint8Array {
  checkImage(image);
  return encode({
    width: image.width,
    height: image.height,
    channels: image.channels,
    depth: 8,
    data: image.data,
  });
}

function checkImage(image: RasterImage): void {
  const { width, height, channels, data } = image;
  for (const [name, value] of [["width", width], ["height", height]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `image ${name} must be a positive integer, got ${value}`,
      );
    }
  }
  if (![1, 2, 3, 4].includes(channels)) {
    throw new RangeError(
      `image channels must be 1, 2, 3 or 4, got ${channels}`,
    );
  }
  if (data.length !== width * height * channels) {
    throw new RangeError(
      `image ${height} x ${width} x ${channels} needs ${
        width * height * channels
      } values, got ${data.length}`,
    );
  }
}

/**
 * A raster image that displays inline in Jupyter as PNG and saves as a PNG
 * file.
 *
 * @example Display bundle and PNG bytes
 * ```ts
 * import { jupyterDisplay, Picture } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const picture = new Picture({
 *   width: 1,
 *   height: 1,
 *   channels: 1,
 *   data: new Uint8ClampedArray([128]),
 * });
 * const bundle = picture[jupyterDisplay]();
 * assert.deepEqual(Object.keys(bundle), ["image/png", "text/plain"]);
 * assert.equal(picture.png()[0], 0x89);
 * ```
 */
export class Picture implements RasterImage {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Channels per pixel (1 to 4). */
  readonly channels: number;
  /** Row-major interleaved pixel values. */
  readonly data: Uint8ClampedArray;

  /**
   * Wraps an image (its data is not copied).
   *
   * @throws {RangeError} when the image is invalid (see
   *   {@linkcode imageToPng}).
   */
  constructor(image: RasterImage) {
    checkImage(image);
    this.width = image.width;
    this.height = image.height;
    this.channels = image.channels;
    this.data = image.data;
  }

  /** The image as PNG bytes. */
  png(): Uint8Array {
    return imageToPng(this);
  }

  /**
   * Writes the image to a `.png` file, creating missing parent folders. The
   * file appears only once fully written.
   *
   * @throws {TypeError} when the path does not end in `.png`.
   */
  async save(path: string): Promise<void> {
    if (extension(path) !== "png") {
      throw new TypeError(
        `Picture.save writes .png files, got "${path}"`,
      );
    }
    await writeFileAtomic(path, this.png());
  }

  /** Jupyter mimebundle: the PNG, plus a text line for plain frontends. */
  [jupyterDisplay](): MimeBundle {
    return {
      "image/png": this.png().toBase64(),
      "text/plain": `Picture ${this.width} x ${this.height} x ${this.channels}`,
    };
  }
}

/** Options for rasterizing a {@linkcode Figure}. */
export interface PngOptions {
  /** Pixels per SVG unit; 2 gives a sharp picture on most screens. */
  scale?: number;
  /**
   * TrueType/OpenType font files for the chart's text. By default the first
   * of {@linkcode DEFAULT_FONT_FILES} that exists is read.
   */
  fonts?: Uint8Array[];
}

/**
 * Font files tried, in order, when {@linkcode PngOptions.fonts} is not
 * given: DejaVu Sans as Debian (package `fonts-dejavu-core`), Arch and
 * Fedora install it, then Arial on macOS and Windows.
 */
export const DEFAULT_FONT_FILES: readonly string[] = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
  "/System/Library/Fonts/Supplemental/Arial.ttf",
  "C:\\Windows\\Fonts\\arial.ttf",
];

/** An `<svg>` start tag that declares the SVG namespace. */
const STANDALONE_SVG = /^<svg\b[^>]*\sxmlns="http:\/\/www\.w3\.org\/2000\/svg"/;

/**
 * An SVG chart that displays inline in Jupyter and saves as `.svg` or
 * `.png`.
 *
 * @example Display bundle
 * ```ts
 * import { Figure, jupyterDisplay } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const figure = new Figure(
 *   '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>',
 * );
 * const bundle = figure[jupyterDisplay]();
 * assert.equal(bundle["image/svg+xml"], figure.svg);
 * ```
 */
export class Figure {
  /** Standalone SVG text (with its `xmlns` attribute). */
  readonly svg: string;

  /**
   * Wraps SVG text.
   *
   * @throws {TypeError} when the text is not a standalone `<svg>` element
   *   with the SVG namespace.
   */
  constructor(svg: string) {
    if (!STANDALONE_SVG.test(svg)) {
      throw new TypeError(
        `Figure needs an <svg> element with xmlns="http://www.w3.org/2000/svg", got "${
          svg.slice(0, 60)
        }"`,
      );
    }
    this.svg = svg;
  }

  /**
   * Rasterizes the chart on a white background with resvg (WebAssembly,
   * shipped in its npm package).
   *
   * @throws {Error} when no font is given and none of
   *   {@linkcode DEFAULT_FONT_FILES} exists: without one the text would
   *   silently vanish.
   */
  async png(options: PngOptions = {}): Promise<Uint8Array> {
    const { scale = 2 } = options;
    if (!(scale > 0)) {
      throw new RangeError(`PNG scale must be positive, got ${scale}`);
    }
    const fonts = options.fonts ?? [await defaultFont()];
    await resvgReady();
    const resvg = new Resvg(this.svg, {
      background: "white",
      fitTo: { mode: "zoom", value: scale },
      font: { fontBuffers: fonts, loadSystemFonts: false },
    });
    try {
      return resvg.render().asPng();
    } finally {
      resvg.free();
    }
  }

  /**
   * Writes the chart to a `.svg` or `.png` file (chosen by the extension),
   * creating missing parent folders. The file appears only once fully
   * written.
   *
   * @throws {TypeError} when the extension is neither `.svg` nor `.png`.
   */
  async save(path: string, options: PngOptions = {}): Promise<void> {
    const kind = extension(path);
    if (kind === "svg") {
      await writeFileAtomic(path, new TextEncoder().encode(this.svg));
    } else if (kind === "png") {
      await writeFileAtomic(path, await this.png(options));
    } else {
      throw new TypeError(
        `Figure.save writes .svg or .png files, got "${path}"`,
      );
    }
  }

  /**
   * Jupyter mimebundle: the SVG, the same SVG as an HTML `<img>`, and a
   * text line. Frontends and exporters pick HTML first; an `<img>` keeps
   * the chart crisp in JupyterLab and, unlike inline `image/svg+xml`,
   * survives `jupyter nbconvert --to html` (whose sanitiser strips SVG
   * elements). `show` adds a PNG for exporters without HTML.
   */
  [jupyterDisplay](): MimeBundle {
    const base64 = new TextEncoder().encode(this.svg).toBase64();
    return {
      "image/svg+xml": this.svg,
      "text/html":
        `<img alt="chart" src="data:image/svg+xml;base64,${base64}">`,
      "text/plain": "Figure (SVG)",
    };
  }
}

let resvgInit: Promise<void> | undefined;

/** Loads resvg's WebAssembly once per process (again after a failure). */
function resvgReady(): Promise<void> {
  resvgInit ??= Deno.readFile(
    new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm")),
  ).then((bytes) => initWasm(bytes)).catch((error) => {
    resvgInit = undefined;
    throw error;
  });
  return resvgInit;
}

async function defaultFont(): Promise<Uint8Array> {
  for (const path of DEFAULT_FONT_FILES) {
    try {
      return await Deno.readFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Error(
    `no font for the chart's text: expected one of ${
      DEFAULT_FONT_FILES.join(", ")
    }, found none; pass PngOptions.fonts or install fonts-dejavu-core`,
  );
}

function extension(path: string): string {
  const match = /\.([^./\\]+)$/.exec(path);
  return match ? match[1].toLowerCase() : "";
}

/** Writes beside the target, then renames, so no half-written file stays. */
async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (slash > 0) {
    await Deno.mkdir(path.slice(0, slash), { recursive: true });
  }
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(temporary, bytes);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/** Options of {@linkcode Table}. */
export interface TableOptions {
  /** Column keys in order (default: the keys of the rows, first seen first). */
  columns?: readonly string[];
  /**
   * Digits after the point for numbers that are not whole: one count for
   * every column, or counts by column name (default 3).
   */
  digits?: number | Readonly<Record<string, number>>;
}

/**
 * Rows of values as a table: Markdown in Jupyter (and in the reports of
 * the notebook tasks), aligned text in a terminal.
 *
 * @example
 * ```ts
 * import { jupyterDisplay, Table } from "@twolayer/net/plot";
 * import assert from "node:assert/strict";
 *
 * const table = new Table([
 *   { hidden: 50, valAcc: 0.4512 },
 *   { hidden: 1000, valAcc: 0.5 },
 * ]);
 * assert.equal(
 *   table.markdown(),
 *   "| hidden | valAcc |\n| ---: | ---: |\n| 50 | 0.451 |\n| 1000 | 0.500 |",
 * );
 * assert.equal(table[jupyterDisplay]()["text/markdown"], table.markdown());
 * ```
 */
export class Table {
  /** The rows, as given. */
  readonly rows: readonly object[];
  /** The columns shown, in order. */
  readonly columns: readonly string[];
  readonly #digits: (column: string) => number;

  /**
   * A table of `rows`.
   *
   * @throws {RangeError} when there are no rows or `digits` is not an
   *   integer from 0 to 20.
   */
  constructor(rows: readonly object[], options: TableOptions = {}) {
    const { digits = 3 } = options;
    if (rows.length === 0) {
      throw new RangeError("Table needs at least 1 row, got 0");
    }
    const counts = typeof digits === "number" ? { "": digits } : digits;
    for (const [column, count] of Object.entries(counts)) {
      if (!Number.isInteger(count) || count < 0 || count > 20) {
        throw new RangeError(
          `Table digits${
            column ? ` of ${column}` : ""
          } must be an integer from 0 to 20, got ${count}`,
        );
      }
    }
    this.rows = rows;
    this.columns = options.columns ??
      [...new Set(rows.flatMap((row) => Object.keys(row)))];
    this.#digits = (column) =>
      typeof digits === "number" ? digits : digits[column] ?? 3;
  }

  /** The table in Markdown; numbers are right-aligned. */
  markdown(): string {
    const cells = this.#cells();
    const numeric = this.columns.map((key) =>
      this.rows.every((row) => typeof valueOf(row, key) === "number")
    );
    return [
      `| ${this.columns.join(" | ")} |`,
      `| ${numeric.map((n) => (n ? "---:" : "---")).join(" | ")} |`,
      ...cells.map((row) => `| ${row.join(" | ")} |`),
    ].join("\n");
  }

  /** The table as aligned plain text. */
  text(): string {
    const lines = [this.columns as string[], ...this.#cells()];
    const widths = this.columns.map((_, j) =>
      Math.max(...lines.map((line) => line[j].length))
    );
    return lines.map((line) =>
      line.map((cell, j) => cell.padEnd(widths[j])).join("  ").trimEnd()
    ).join("\n");
  }

  /** Jupyter mimebundle: Markdown, and the aligned text. */
  [jupyterDisplay](): MimeBundle {
    return { "text/markdown": this.markdown(), "text/plain": this.text() };
  }

  #cells(): string[][] {
    return this.rows.map((row) =>
      this.columns.map((key) => {
        const value = valueOf(row, key);
        if (typeof value === "number") {
          return Number.isInteger(value)
            ? `${value}`
            : value.toFixed(this.#digits(key));
        }
        if (value === undefined || value === null) return "";
        const text = typeof value === "object"
          ? JSON.stringify(value)
          : `${value}`;
        return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
      })
    );
  }
}

function valueOf(row: object, key: string): unknown {
  return (row as Record<string, unknown>)[key];
}
