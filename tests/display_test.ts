import assert from "node:assert/strict";
import { decode } from "fast-png";
import {
  Figure,
  imageToPng,
  jupyterDisplay,
  Picture,
  type RasterImage,
} from "../src/plot/display.ts";

function image(channels: number, width = 3, height = 2): RasterImage {
  const data = new Uint8ClampedArray(width * height * channels);
  data.forEach((_, i) => (data[i] = (i * 37) % 256));
  return { width, height, channels, data };
}

const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10">' +
  '<rect x="0" y="0" width="10" height="10" fill="black"/></svg>';

Deno.test("imageToPng round-trips every channel count", () => {
  for (const channels of [1, 2, 3, 4]) {
    const original = image(channels);
    const decoded = decode(imageToPng(original));
    assert.deepEqual(
      [decoded.width, decoded.height, decoded.channels, decoded.depth],
      [3, 2, channels, 8],
    );
    assert.deepEqual([...decoded.data], [...original.data]);
  }
});

Deno.test("imageToPng rejects bad images, naming the values", () => {
  assert.throws(
    () => imageToPng({ ...image(3), channels: 5 }),
    /channels must be 1, 2, 3 or 4, got 5/,
  );
  assert.throws(
    () => imageToPng({ ...image(3), width: 4 }),
    /image 2 x 4 x 3 needs 24 values, got 18/,
  );
  assert.throws(
    () => imageToPng({ ...image(3), height: 0 }),
    /height must be a positive integer, got 0/,
  );
});

Deno.test("Picture displays as PNG in Jupyter", () => {
  const picture = new Picture(image(3));
  const bundle = picture[jupyterDisplay]();
  assert.deepEqual(Object.keys(bundle).sort(), ["image/png", "text/plain"]);
  const png = Uint8Array.fromBase64(bundle["image/png"]);
  assert.deepEqual([...decode(png).data], [...image(3).data]);
  assert.equal(bundle["text/plain"], "Picture 3 x 2 x 3");
  assert.equal(jupyterDisplay, Symbol.for("Jupyter.display"));
});

Deno.test("Picture.save writes a PNG, creating folders, leaving no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/out/weights.png`;
    await new Picture(image(1)).save(path);
    assert.deepEqual([...decode(await Deno.readFile(path)).data], [
      ...image(1).data,
    ]);
    const names = [...Deno.readDirSync(`${dir}/out`)].map((e) => e.name);
    assert.deepEqual(names, ["weights.png"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Picture.save refuses other extensions", async () => {
  await assert.rejects(
    () => new Picture(image(3)).save("weights.jpg"),
    /writes \.png files, got "weights\.jpg"/,
  );
});

Deno.test("a failed save leaves neither the file nor a temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The target is an existing folder, so the final rename fails.
    await Deno.mkdir(`${dir}/taken.svg/inside`, { recursive: true });
    await assert.rejects(() => new Figure(SVG).save(`${dir}/taken.svg`));
    const names = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.deepEqual(names, ["taken.svg"]);
    assert.ok(Deno.statSync(`${dir}/taken.svg`).isDirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Figure displays as SVG and as an HTML <img> of the same SVG", () => {
  const bundle = new Figure(SVG)[jupyterDisplay]();
  assert.deepEqual(Object.keys(bundle).sort(), [
    "image/svg+xml",
    "text/html",
    "text/plain",
  ]);
  assert.equal(bundle["image/svg+xml"], SVG);
  const base64 = /^<img alt="chart" src="data:image\/svg\+xml;base64,([^"]+)">$/
    .exec(bundle["text/html"])?.[1];
  assert.equal(new TextDecoder().decode(Uint8Array.fromBase64(base64!)), SVG);
});

Deno.test("Figure rejects text that is not standalone SVG", () => {
  assert.throws(() => new Figure("<figure><svg></svg></figure>"), /<svg>/);
  assert.throws(
    () => new Figure('<svg width="1"></svg>'),
    /xmlns="http:\/\/www.w3.org\/2000\/svg"/,
  );
});

Deno.test("Figure.save writes SVG text and rasterized PNG", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const figure = new Figure(SVG);
    await figure.save(`${dir}/chart.svg`);
    assert.equal(await Deno.readTextFile(`${dir}/chart.svg`), SVG);

    await figure.save(`${dir}/chart.png`, { scale: 1, fonts: [] });
    const png = decode(await Deno.readFile(`${dir}/chart.png`));
    assert.deepEqual([png.width, png.height, png.channels], [20, 10, 4]);
    const pixel = (
      x: number,
      y: number,
    ) => [...png.data.subarray((y * 20 + x) * 4, (y * 20 + x) * 4 + 4)];
    assert.deepEqual(pixel(5, 5), [0, 0, 0, 255]); // the black square
    assert.deepEqual(pixel(15, 5), [255, 255, 255, 255]); // white background

    await assert.rejects(
      () => figure.save(`${dir}/chart.pdf`),
      /writes \.svg or \.png files, got ".*chart\.pdf"/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Figure.png draws text with the default font, scaled", async () => {
  const text = new Figure(
    '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20">' +
      '<text x="2" y="15" font-family="system-ui, sans-serif" ' +
      'font-size="14">Loss</text></svg>',
  );
  const inked = (png: Uint8Array) =>
    decode(png).data.filter((v, i) => i % 4 === 0 && v < 128).length;
  const withFont = await text.png();
  const { width, height } = decode(withFont);
  assert.deepEqual([width, height], [120, 40]);
  assert.ok(inked(withFont) > 50, "the word should leave dark pixels");
  assert.equal(inked(await text.png({ scale: 2, fonts: [] })), 0);
  await assert.rejects(
    () => text.png({ scale: 0 }),
    /scale must be positive, got 0/,
  );
});
