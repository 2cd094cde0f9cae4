import { fileURLToPath } from "node:url";
/**
 * Horizontal metrics of a TrueType font, read from its `head`, `hhea`,
 * `hmtx`, `cmap` (format 4), `loca` and `glyf` tables: each character's
 * advance width and the vertical extent of its outline. The chart tests
 * measure text with it, and `deno run --allow-read --allow-write
 * tools/font_metrics.ts` writes the table the charts fit their text with
 * (src/plot/_font_metrics.ts) from DejaVu Sans.
 *
 * @module
 */

/** One character's metrics, in font units. */
export interface GlyphMetrics {
  /** Horizontal advance. */
  advance: number;
  /** Lowest point of the outline (negative below the baseline). */
  yMin: number;
  /** Highest point of the outline. */
  yMax: number;
}

/** What {@linkcode readFontMetrics} reads. */
export interface FontMetrics {
  /** Font units per em (2048 for DejaVu Sans). */
  unitsPerEm: number;
  /** `hhea` ascender and descender (the descender is negative). */
  ascender: number;
  descender: number;
  /** The metrics of a code point, or undefined when the font lacks it. */
  glyph(codePoint: number): GlyphMetrics | undefined;
}

/**
 * Parses the tables of a TrueType font that give advance widths.
 *
 * @throws {Error} when a table is missing or the file is not TrueType.
 */
export function readFontMetrics(bytes: Uint8Array): FontMetrics {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(0);
  if (version !== 0x00010000 && version !== 0x74727565) {
    throw new Error(
      `not a TrueType font: version 0x${version.toString(16)}`,
    );
  }
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(record, record + 4));
    tables.set(tag, view.getUint32(record + 8));
  }
  const table = (tag: string) => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`font has no ${tag} table`);
    return offset;
  };
  const head = table("head"), hhea = table("hhea"), hmtx = table("hmtx");
  const loca = table("loca"), glyf = table("glyf"), cmap = table("cmap");
  const unitsPerEm = view.getUint16(head + 18);
  const longLoca = view.getInt16(head + 50) === 1;
  const ascender = view.getInt16(hhea + 4);
  const descender = view.getInt16(hhea + 6);
  const numberOfHMetrics = view.getUint16(hhea + 34);

  // The Windows Unicode BMP subtable (platform 3, encoding 1), format 4.
  let subtable = -1;
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const record = cmap + 4 + 8 * i;
    if (view.getUint16(record) === 3 && view.getUint16(record + 2) === 1) {
      subtable = cmap + view.getUint32(record + 4);
    }
  }
  if (subtable < 0 || view.getUint16(subtable) !== 4) {
    throw new Error("font has no format 4 Unicode cmap subtable");
  }
  const segments = view.getUint16(subtable + 6) / 2;
  const ends = subtable + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;

  const glyphIndex = (c: number): number => {
    for (let s = 0; s < segments; s++) {
      if (c > view.getUint16(ends + 2 * s)) continue;
      const start = view.getUint16(starts + 2 * s);
      if (c < start) return 0;
      const delta = view.getUint16(deltas + 2 * s);
      const rangeAt = rangeOffsets + 2 * s;
      const rangeOffset = view.getUint16(rangeAt);
      if (rangeOffset === 0) return (c + delta) & 0xffff;
      const id = view.getUint16(rangeAt + rangeOffset + 2 * (c - start));
      return id === 0 ? 0 : (id + delta) & 0xffff;
    }
    return 0;
  };
  const glyphOffset = (g: number) =>
    longLoca ? view.getUint32(loca + 4 * g) : 2 * view.getUint16(loca + 2 * g);

  return {
    unitsPerEm,
    ascender,
    descender,
    glyph(codePoint) {
      const g = codePoint > 0xffff ? 0 : glyphIndex(codePoint);
      if (g === 0) return undefined;
      const advance = view.getUint16(
        hmtx + 4 * Math.min(g, numberOfHMetrics - 1),
      );
      const start = glyphOffset(g), end = glyphOffset(g + 1);
      // An empty outline (a space) has no extent.
      if (end === start) return { advance, yMin: 0, yMax: 0 };
      return {
        advance,
        yMin: view.getInt16(glyf + start + 4),
        yMax: view.getInt16(glyf + start + 8),
      };
    },
  };
}

/** DejaVu Sans as Debian's fonts-dejavu-core installs it. */
export const DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

/**
 * The characters src/plot/_font_metrics.ts holds: printable ASCII and the
 * symbols Plot and d3 write (arrows on axis labels, the minus sign of
 * negative ticks) or chart labels use.
 */
export const TABLE_CHARACTERS: string = Array.from(
  { length: 95 },
  (_, i) => String.fromCharCode(32 + i),
).join("") + "←↑→↓−–—…·×°µ±≤≥";

if (import.meta.main) {
  const font = readFontMetrics(await Deno.readFile(DEJAVU_SANS));
  const rows = [...TABLE_CHARACTERS].map((char) => {
    const g = font.glyph(char.codePointAt(0)!);
    if (!g) throw new Error(`DejaVu Sans lacks ${char}`);
    return `  [${JSON.stringify(char)}, ${g.advance}, ${g.yMin}, ${g.yMax}],`;
  });
  const target = new URL("../src/plot/_font_metrics.ts", import.meta.url);
  await Deno.writeTextFile(
    target,
    [
      "// Generated by tools/font_metrics.ts from DejaVu Sans (fonts-dejavu-core):",
      "// [character, advance, yMin, yMax] in font units. Do not edit.",
      "",
      "/** Font units per em of the table. */",
      `export const UNITS_PER_EM = ${font.unitsPerEm};`,
      "",
      "/** Metrics of the characters charts write. */",
      "export const GLYPHS: readonly (readonly [string, number, number, number])[] = [",
      ...rows,
      "];",
      "",
    ].join("\n"),
  );
  console.log(`wrote ${fileURLToPath(target)}`);
}
