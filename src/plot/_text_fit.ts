/**
 * Where a chart's text lands: the box each `<text>` element of an SVG DOM
 * covers, from DejaVu Sans's advance widths and outline heights (one of
 * the widest common sans fonts, and the one PNGs are drawn with), so a
 * chart can grow its box until no label is cut.
 *
 * @module
 */

import { GLYPHS, UNITS_PER_EM } from "./_font_metrics.ts";

/** A rectangle in the SVG's user units. */
export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The DOM surface used here (linkedom's and browsers' elements have it). */
interface Node {
  nodeType: number;
  textContent: string | null;
  childNodes: ArrayLike<Node>;
  tagName?: string;
  getAttribute?(name: string): string | null;
}

/** An affine transform `[a, b, c, d, e, f]`, as SVG's `matrix()`. */
type Matrix = readonly [number, number, number, number, number, number];

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];
const GLYPH = new Map(GLYPHS.map(([char, ...rest]) => [char, rest]));
/** A character missing from the table counts as one em wide and tall. */
const UNKNOWN = [UNITS_PER_EM, -0.25 * UNITS_PER_EM, UNITS_PER_EM] as const;

/**
 * The box around every `<text>` element below `root` (its transforms,
 * font sizes, anchors and `x`/`y`/`dx`/`dy` applied), or undefined when
 * there is no text.
 */
export function textBounds(root: Node): Box | undefined {
  let bounds: Box | undefined;
  const add = (box: Box) => {
    bounds = bounds
      ? {
        left: Math.min(bounds.left, box.left),
        top: Math.min(bounds.top, box.top),
        right: Math.max(bounds.right, box.right),
        bottom: Math.max(bounds.bottom, box.bottom),
      }
      : box;
  };
  const visit = (
    node: Node,
    matrix: Matrix,
    fontSize: number,
    anchor: string,
  ) => {
    if (node.nodeType !== 1 || !node.getAttribute) return;
    const attribute = (name: string) => node.getAttribute!(name);
    const size = Number.parseFloat(attribute("font-size") ?? "");
    if (size > 0) fontSize = size;
    anchor = attribute("text-anchor") ?? anchor;
    const transform = attribute("transform");
    if (transform) matrix = multiply(matrix, parseTransform(transform));
    const tag = node.tagName?.toLowerCase();
    if (tag === "text") {
      for (const box of textBoxes(node, fontSize, anchor)) {
        add(transformBox(matrix, box));
      }
      return;
    }
    if (tag === "title" || tag === "style") return;
    for (const child of Array.from(node.childNodes)) {
      visit(child, matrix, fontSize, anchor);
    }
  };
  visit(root, IDENTITY, 16, "start");
  return bounds;
}

/** Width in user units of `text` at `fontSize`. */
export function textWidth(text: string, fontSize: number): number {
  let units = 0;
  for (const char of text) units += (GLYPH.get(char) ?? UNKNOWN)[0];
  return units * fontSize / UNITS_PER_EM;
}

/** One box per line of a `<text>` element (a line per `<tspan>`, if any). */
function textBoxes(text: Node, fontSize: number, anchor: string): Box[] {
  const length = (name: string, of: Node = text) =>
    parseLength(of.getAttribute!(name), fontSize);
  const x = length("x") + length("dx");
  let y = length("y") + length("dy");
  const spans = Array.from(text.childNodes).filter((node) =>
    node.nodeType === 1 && node.tagName?.toLowerCase() === "tspan"
  );
  const lines = spans.length === 0
    ? [{ x, y, content: text.textContent ?? "" }]
    : spans.map((span) => {
      const spanX = span.getAttribute!("x");
      const spanY = span.getAttribute!("y");
      if (spanY !== null) y = parseLength(spanY, fontSize);
      y += length("dy", span);
      return {
        x: spanX === null
          ? x
          : parseLength(spanX, fontSize) + length("dx", span),
        y,
        content: span.textContent ?? "",
      };
    });
  return lines.filter((line) => line.content.length > 0).map((line) => {
    const width = textWidth(line.content, fontSize);
    let yMin = 0, yMax = 0;
    for (const char of line.content) {
      const [, low, high] = GLYPH.get(char) ?? UNKNOWN;
      yMin = Math.min(yMin, low);
      yMax = Math.max(yMax, high);
    }
    const left = anchor === "middle"
      ? line.x - width / 2
      : anchor === "end"
      ? line.x - width
      : line.x;
    return {
      left,
      right: left + width,
      top: line.y - yMax * fontSize / UNITS_PER_EM,
      bottom: line.y - yMin * fontSize / UNITS_PER_EM,
    };
  });
}

/** A length in user units: plain, `px` or `em` (relative to the font size). */
function parseLength(value: string | null, fontSize: number): number {
  if (value === null) return 0;
  const number = Number.parseFloat(value);
  if (!Number.isFinite(number)) return 0;
  return value.trim().endsWith("em") ? number * fontSize : number;
}

/** SVG's transform list: translate, scale, rotate, skewX/Y and matrix. */
function parseTransform(text: string): Matrix {
  let matrix = IDENTITY;
  for (const [, name, args] of text.matchAll(/(\w+)\s*\(([^)]*)\)/g)) {
    const v = args.split(/[\s,]+/).filter(Boolean).map(Number);
    let step: Matrix;
    switch (name) {
      case "translate":
        step = [1, 0, 0, 1, v[0] ?? 0, v[1] ?? 0];
        break;
      case "scale":
        step = [v[0] ?? 1, 0, 0, v[1] ?? v[0] ?? 1, 0, 0];
        break;
      case "rotate": {
        const r = (v[0] ?? 0) * Math.PI / 180, cx = v[1] ?? 0, cy = v[2] ?? 0;
        const cos = Math.cos(r), sin = Math.sin(r);
        step = [
          cos,
          sin,
          -sin,
          cos,
          cx - cos * cx + sin * cy,
          cy - sin * cx - cos * cy,
        ];
        break;
      }
      case "skewX":
        step = [1, 0, Math.tan((v[0] ?? 0) * Math.PI / 180), 1, 0, 0];
        break;
      case "skewY":
        step = [1, Math.tan((v[0] ?? 0) * Math.PI / 180), 0, 1, 0, 0];
        break;
      case "matrix":
        step = [v[0], v[1], v[2], v[3], v[4], v[5]];
        break;
      default:
        continue;
    }
    matrix = multiply(matrix, step);
  }
  return matrix;
}

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ];
}

/** The axis-aligned box around a box's four corners after `m`. */
function transformBox(m: Matrix, box: Box): Box {
  const xs: number[] = [], ys: number[] = [];
  for (const x of [box.left, box.right]) {
    for (const y of [box.top, box.bottom]) {
      xs.push(m[0] * x + m[2] * y + m[4]);
      ys.push(m[1] * x + m[3] * y + m[5]);
    }
  }
  return {
    left: Math.min(...xs),
    top: Math.min(...ys),
    right: Math.max(...xs),
    bottom: Math.max(...ys),
  };
}

/** Text with `&`, `<` and `>` escaped, for SVG and HTML. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  );
}
