/**
 * Writes notebooks/pictures/airplane.jpg, the picture the second notebook
 * classifies, from its drawing notebooks/pictures/airplane.svg: rendered
 * with resvg (as charts are), encoded with jpeg-js at quality 90.
 *
 * Usage: `deno run --allow-read --allow-write tools/make_picture.ts`
 *
 * @module
 */

import { decode } from "fast-png";
import { encode } from "jpeg-js";
import { Figure } from "../src/plot/mod.ts";

const folder = new URL("../notebooks/pictures/", import.meta.url);
const svg = await Deno.readTextFile(new URL("airplane.svg", folder));
const png = decode(await new Figure(svg).png({ scale: 1 }));
const rgba = new Uint8Array(png.width * png.height * 4);
for (let p = 0; p < png.width * png.height; p++) {
  for (let k = 0; k < 3; k++) rgba[4 * p + k] = png.data[png.channels * p + k];
  rgba[4 * p + 3] = 255;
}
const jpeg = encode({ width: png.width, height: png.height, data: rgba }, 90);
await Deno.writeFile(new URL("airplane.jpg", folder), jpeg.data);
console.log(
  `wrote airplane.jpg: ${png.width} x ${png.height}, ${jpeg.data.length} bytes`,
);
