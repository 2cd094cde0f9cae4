import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { encode as encodePng } from "fast-png";
import { encode as encodeJpeg } from "jpeg-js";
import { zlibSync } from "fflate";
import { CIFAR10_CLASSES, Matrix, RandomState, TwoLayerNet } from "../mod.ts";
import {
  checkClassifier,
  classifyImage,
  classifyImageFile,
  decodeImage,
  readImageHeader,
  scaleToCifar,
} from "../src/images/mod.ts";

const png = (
  width: number,
  height: number,
  channels: number,
  data: ArrayLike<number>,
  extra: Record<string, unknown> = {},
) =>
  encodePng({
    width,
    height,
    channels,
    depth: 8,
    data: Uint8Array.from(data),
    ...extra,
  });

/** A JPEG of `width` x `height` from an RGB function, quality 95. */
function jpeg(
  width: number,
  height: number,
  color: (x: number, y: number) => [number, number, number],
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data.set([...color(x, y), 255], 4 * (y * width + x));
    }
  }
  return new Uint8Array(encodeJpeg({ width, height, data }, 95).data);
}

/** `bytes` with an EXIF APP1 segment saying `orientation` after SOI. */
function withOrientation(bytes: Uint8Array, orientation: number): Uint8Array {
  // "Exif\0\0", then a big-endian TIFF header and one IFD entry 0x0112.
  const tiff = [
    0x4d,
    0x4d,
    0,
    42,
    0,
    0,
    0,
    8, // MM, 42, IFD at 8
    0,
    1, // one entry
    0x01,
    0x12,
    0,
    3,
    0,
    0,
    0,
    1,
    0,
    orientation,
    0,
    0, // SHORT
    0,
    0,
    0,
    0, // no next IFD
  ];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const length = payload.length + 2;
  const segment = [0xff, 0xe1, length >> 8, length & 0xff, ...payload];
  return Uint8Array.from([
    ...bytes.subarray(0, 2),
    ...segment,
    ...bytes.subarray(2),
  ]);
}

Deno.test("PNGs of every colour type decode to RGB, alpha over white", () => {
  const cases: [Uint8Array, number[]][] = [
    [png(2, 1, 3, [10, 20, 30, 40, 50, 60]), [10, 20, 30, 40, 50, 60]],
    // Half-transparent black over white is mid grey.
    [
      png(2, 1, 4, [0, 0, 0, 128, 200, 100, 0, 255]),
      [127, 127, 127, 200, 100, 0],
    ],
    [png(2, 1, 1, [0, 77]), [0, 0, 0, 77, 77, 77]],
    [png(2, 1, 2, [60, 255, 0, 0]), [60, 60, 60, 255, 255, 255]],
    [
      png(3, 1, 1, [1, 0, 1], { palette: [[255, 0, 0], [0, 0, 255]] }),
      [0, 0, 255, 255, 0, 0, 0, 0, 255],
    ],
    // 1-bit grey: rows "101" and "010".
    [
      encodePng({
        width: 3,
        height: 2,
        channels: 1,
        depth: 1,
        data: new Uint8Array([0b10100000, 0b01000000]),
      }),
      [
        ...[255, 255, 255, 0, 0, 0, 255, 255, 255],
        ...[0, 0, 0, 255, 255, 255, 0, 0, 0],
      ],
    ],
    [
      encodePng(
        {
          width: 2,
          height: 2,
          channels: 3,
          depth: 8,
          data: Uint8Array.from({ length: 12 }, (_, i) => 20 * i),
        },
        { interlace: "Adam7" },
      ),
      Array.from({ length: 12 }, (_, i) => 20 * i),
    ],
  ];
  for (const [bytes, expected] of cases) {
    const image = decodeImage(bytes);
    assert.equal(image.channels, 3);
    assert.deepEqual([...image.data], expected);
  }
});

Deno.test("JPEGs decode from jpeg-js, grey ones to three channels", () => {
  const colour = decodeImage(
    jpeg(16, 8, (x) => x < 8 ? [200, 30, 30] : [20, 40, 220]),
  );
  assert.deepEqual([colour.width, colour.height], [16, 8]);
  const at = (
    x: number,
    y: number,
  ) => [...colour.data.subarray(3 * (y * 16 + x), 3 * (y * 16 + x) + 3)];
  for (
    const [got, want] of [[at(2, 4), [200, 30, 30]], [at(13, 4), [20, 40, 220]]]
  ) {
    got.forEach((v, k) => assert.ok(Math.abs(v - want[k]) <= 4, `${got}`));
  }
  assert.deepEqual(readImageHeader(jpeg(5, 3, () => [0, 0, 0])), {
    format: "jpeg",
    width: 5,
    height: 3,
    bitDepth: 8,
    channels: 3,
    orientation: 1,
  });
});

Deno.test("EXIF orientation turns a JPEG upright", () => {
  // Stored 8 x 4: the left half red, the right half blue.
  const stored = jpeg(8, 4, (x) => x < 4 ? [255, 0, 0] : [0, 0, 255]);
  const red = (v: ArrayLike<number>) => v[0] > 200 && v[2] < 60;
  const pixel = (image: ReturnType<typeof decodeImage>, x: number, y: number) =>
    image.data.subarray(
      3 * (y * image.width + x),
      3 * (y * image.width + x) + 3,
    );
  // 6: rotate 90° clockwise to show it: 4 x 8, red on top.
  const turned = decodeImage(withOrientation(stored, 6));
  assert.deepEqual([turned.width, turned.height], [4, 8]);
  assert.ok(red(pixel(turned, 1, 1)) && !red(pixel(turned, 1, 6)));
  // 8: rotate counter-clockwise: red at the bottom.
  const back = decodeImage(withOrientation(stored, 8));
  assert.ok(!red(pixel(back, 1, 1)) && red(pixel(back, 1, 6)));
  // 3: upside down: red on the right.
  const flipped = decodeImage(withOrientation(stored, 3));
  assert.deepEqual([flipped.width, flipped.height], [8, 4]);
  assert.ok(!red(pixel(flipped, 1, 1)) && red(pixel(flipped, 6, 1)));
  assert.equal(readImageHeader(withOrientation(stored, 6)).orientation, 6);
});

/** A PNG signature and an IHDR chunk (CRC left zero), and nothing else. */
function pngHeaderOnly(width: number, height: number, depth = 8, type = 2) {
  const bytes = new Uint8Array(33);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  bytes.set([0x49, 0x48, 0x44, 0x52], 12);
  const view = new DataView(bytes.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([depth, type, 0, 0, 0], 24);
  return bytes;
}

/** SOI and a baseline frame header, and nothing else. */
function jpegHeaderOnly(
  width: number,
  height: number,
  components: number,
  precision = 8,
) {
  const length = 8 + 3 * components;
  return Uint8Array.from([
    0xff,
    0xd8,
    0xff,
    0xc0,
    length >> 8,
    length & 0xff,
    precision,
    height >> 8,
    height & 0xff,
    width >> 8,
    width & 0xff,
    components,
    ...Array(3 * components).fill(1),
  ]);
}

Deno.test("bad pictures are refused with a message naming the file", () => {
  const good = png(4, 4, 3, new Uint8Array(48).fill(9));
  const goodJpeg = jpeg(16, 16, () => [9, 9, 9]);
  const bad: [Uint8Array, RegExp][] = [
    [
      new TextEncoder().encode("hello, world"),
      /^x\.img: not a PNG or JPEG image \(it starts with bytes 68 65 6c 6c\)$/,
    ],
    [
      new Uint8Array(0),
      /^x\.img: empty file \(0 bytes\), expected a PNG or JPEG image$/,
    ],
    [
      Uint8Array.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]),
      /^x\.img: a GIF image; expected a PNG or JPEG image$/,
    ],
    [
      good.subarray(0, 20),
      /^x\.img: a truncated PNG \(no complete IHDR header in 20 bytes\)$/,
    ],
    [
      good.subarray(0, good.length - 20),
      /^x\.img: a truncated PNG \(it has no IEND chunk; the file ends after \d+ bytes\)$/,
    ],
    [
      goodJpeg.subarray(0, goodJpeg.length - 40),
      /^x\.img: a truncated JPEG \(it has no end-of-image marker; the file ends after \d+ bytes\)$/,
    ],
    [
      goodJpeg.subarray(0, 12),
      /^x\.img: a truncated JPEG \(no frame header in 12 bytes\)$/,
    ],
    [
      pngHeaderOnly(20000, 20000),
      /^x\.img: 20000 x 20000 pixels is more than the 50000000 read; expected a smaller image$/,
    ],
    [
      jpegHeaderOnly(20000, 20000, 3),
      /^x\.img: 20000 x 20000 pixels is more than the 50000000 read/,
    ],
    [
      jpegHeaderOnly(64, 64, 4),
      /^x\.img: a CMYK JPEG \(4 colour channels\); expected RGB or grey$/,
    ],
    [
      jpegHeaderOnly(64, 64, 3, 12),
      /^x\.img: a 12-bit JPEG; expected 8 bits per channel$/,
    ],
    [
      encodePng({
        width: 2,
        height: 1,
        channels: 3,
        depth: 16,
        data: new Uint16Array(6).fill(40000),
      }),
      /^x\.img: a 16-bit PNG \(16 bits per channel\); expected 8 bits per channel or fewer$/,
    ],
    [
      pngHeaderOnly(0, 10),
      /^x\.img: the image is 0 x 10 pixels; expected at least 1 x 1$/,
    ],
    [pngHeaderOnly(4, 4, 8, 5), /^x\.img: a PNG of unknown colour type 5/],
  ];
  for (const [bytes, message] of bad) {
    assert.throws(() => decodeImage(bytes, { name: "x.img" }), (error) => {
      assert.match((error as Error).message, message);
      return true;
    });
  }
  // A corrupt body behind a whole header and end marker.
  const corrupt = good.slice();
  corrupt.fill(0x55, 41, good.length - 12);
  assert.throws(
    () => decodeImage(corrupt, { name: "x.png" }),
    {
      name: "RangeError",
      message:
        "x.png: a corrupt PNG (the CRC of its IDAT chunk at byte 33 does not match its data)",
    },
  );
  // The limit is an option.
  assert.throws(
    () => decodeImage(good, { name: "x.png", maxPixels: 15 }),
    /4 x 4 pixels is more than the 15 read/,
  );
});

Deno.test("scaling averages the area each new pixel covers", () => {
  // 3 x 3 grey values 0..8 to 2 x 2: each new pixel covers 1.5 x 1.5 old
  // ones, weights 1, 0.5, 0.5, 0.25 over 2.25.
  const data = new Uint8ClampedArray(27);
  for (let p = 0; p < 9; p++) data.fill(10 * p, 3 * p, 3 * p + 3);
  const small = scaleToCifar({ width: 3, height: 3, channels: 3, data }, {
    size: 2,
  });
  const v = (a: number, b: number, c: number, d: number) =>
    Math.round((a + 0.5 * b + 0.5 * c + 0.25 * d) / 2.25);
  const expected = [
    v(0, 10, 30, 40),
    v(20, 10, 50, 40),
    v(60, 30, 70, 40),
    v(80, 50, 70, 40),
  ];
  assert.deepEqual(
    [0, 1, 2, 3].map((p) => small.data[3 * p]),
    expected,
  );
  // 64 x 64 of constant 2 x 2 blocks: exactly those blocks at 32 x 32.
  const big = new Uint8ClampedArray(64 * 64 * 3);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      big.fill((x >> 1) * 7 + (y >> 1), 3 * (y * 64 + x), 3 * (y * 64 + x) + 3);
    }
  }
  const cifar = scaleToCifar({ width: 64, height: 64, channels: 3, data: big });
  assert.deepEqual([cifar.width, cifar.height, cifar.channels], [32, 32, 3]);
  assert.equal(cifar.data[3 * (5 * 32 + 9)], 9 * 7 + 5);
  // A wide picture: the centred square by default, all of it stretched.
  const wide = new Uint8ClampedArray(4 * 1 * 3);
  wide.fill(255, 0, 3); // the leftmost pixel white
  const picture = { width: 4, height: 1, channels: 3, data: wide };
  assert.equal(scaleToCifar(picture, { size: 1 }).data[0], 0);
  assert.equal(
    scaleToCifar(picture, { size: 1, fit: "stretch" }).data[0],
    64,
  );
  assert.throws(
    () => scaleToCifar(picture, { fit: "pad" as "crop" }),
    /fit must be "crop" or "stretch", got "pad"/,
  );
  assert.throws(
    () => scaleToCifar({ ...picture, channels: 4 }),
    /needs an RGB picture/,
  );
});

/** A random network on CIFAR rows with a mean image. */
function network(): TwoLayerNet {
  const rng = new RandomState(3);
  const net = new TwoLayerNet(3072, 16, 10, {
    std: 1e-2,
    rng,
    loss: "softmax",
  });
  net.meanImage = Float64Array.from({ length: 3072 }, (_, i) => 100 + (i % 7));
  return net;
}

Deno.test("classifyImage ranks the softmax of the scores of the mean-subtracted 32 x 32 picture", () => {
  const net = network();
  const rng = new RandomState(4);
  // 64 x 64 of 2 x 2 blocks: the 32 x 32 picture is exactly the blocks.
  const blocks = rng.randint(0, 256, 32 * 32 * 3);
  const data = new Uint8Array(64 * 64 * 3);
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      for (let k = 0; k < 3; k++) {
        data[3 * (y * 64 + x) + k] = blocks[3 * ((y >> 1) * 32 + (x >> 1)) + k];
      }
    }
  }
  const { ranked, image } = classifyImage(net, png(64, 64, 3, data));
  assert.deepEqual([...image.data], [...blocks]);
  const row = Float64Array.from(blocks, (v, i) => v - net.meanImage![i]);
  const scores = [...net.scores(new Matrix(1, 3072, row)).data];
  const exps = scores.map((s) => Math.exp(s));
  const total = exps.reduce((a, b) => a + b);
  const expected = exps.map((e, k) => ({
    className: CIFAR10_CLASSES[k],
    classIndex: k,
    probability: e / total,
  })).sort((a, b) => b.probability - a.probability);
  assert.equal(ranked.length, 10);
  ranked.forEach((c, k) => {
    assert.equal(c.classIndex, expected[k].classIndex);
    assert.equal(c.className, expected[k].className);
    assert.ok(Math.abs(c.probability - expected[k].probability) < 1e-12);
  });
  // Another mean image moves the answer; class names can be given.
  const other = classifyImage(net, png(64, 64, 3, data), {
    meanImage: new Float64Array(3072),
    classNames: "abcdefghij".split(""),
  });
  assert.notDeepEqual(
    other.ranked.map((c) => c.probability),
    ranked.map((c) => c.probability),
  );
  assert.equal(
    other.ranked[0].className,
    "abcdefghij"[other.ranked[0].classIndex],
  );
});

Deno.test("classifyImage says what it needs", async () => {
  const picture = png(4, 4, 3, new Uint8Array(48));
  const bare = new TwoLayerNet(3072, 4, 10);
  assert.throws(
    () => classifyImage(bare, picture),
    /needs the mean training image: pass meanImage/,
  );
  assert.throws(
    () => classifyImage(new TwoLayerNet(12, 4, 10), picture),
    /needs a network that takes 32 x 32 x 3 = 3072 values, got one that takes 12/,
  );
  const three = new TwoLayerNet(3072, 4, 3);
  three.meanImage = new Float64Array(3072);
  assert.throws(
    () => classifyImage(three, picture),
    /one class name per class \(3\), got none/,
  );
  assert.throws(
    () => classifyImage(network(), picture, { meanImage: [1, 2] }),
    /meanImage must have 3072 values, got 2/,
  );
  assert.throws(
    () => classifyImage(network(), picture, { mean: 1 } as never),
    /classifyImage has no option "mean"/,
  );
  await assert.rejects(
    () => classifyImageFile(network(), "/no/such/picture.png"),
    /^Error: \/no\/such\/picture\.png: no such file; expected a PNG or JPEG image$/,
  );
});

Deno.test("deno task classify prints the top three and names bad files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const net = network();
    await net.save(`${dir}/net.safetensors`);
    await Deno.writeFile(
      `${dir}/grey.png`,
      png(40, 30, 3, new Uint8Array(3600).fill(90)),
    );
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a picture");
    const run = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        new URL("../tools/classify.ts", import.meta.url).pathname,
        "--net",
        `${dir}/net.safetensors`,
        `${dir}/grey.png`,
        `${dir}/notes.txt`,
      ],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const out = new TextDecoder().decode(run.stdout);
    const err = new TextDecoder().decode(run.stderr);
    assert.equal(run.code, 1);
    const { ranked } = await classifyImageFile(net, `${dir}/grey.png`);
    assert.equal(
      out,
      `${dir}/grey.png: ${
        ranked.slice(0, 3).map((c) =>
          `${c.className} ${(100 * c.probability).toFixed(1)}%`
        ).join(", ")
      }\n`,
    );
    assert.equal(
      err,
      `error: ${dir}/notes.txt: not a PNG or JPEG image (it starts with bytes 6e 6f 74 20)\n`,
    );
    const missing = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-read",
        "--allow-env",
        new URL("../tools/classify.ts", import.meta.url).pathname,
        "--net",
        `${dir}/none.safetensors`,
        `${dir}/grey.png`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(missing.code, 1);
    const line = new TextDecoder().decode(missing.stderr);
    assert.match(line, /^error: .*none\.safetensors.*\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// PNGs written chunk by chunk, their CRCs from node:zlib (not the decoder's).

/** A PNG chunk: length, type, body and CRC-32. */
function chunk(type: string, body: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(12 + body.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, body.length);
  bytes.set(new TextEncoder().encode(type), 4);
  bytes.set(body, 8);
  view.setUint32(8 + body.length, crc32(bytes.subarray(4, 8 + body.length)));
  return bytes;
}

/** Concatenated byte arrays. */
function concat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const text = (s: string) => new TextEncoder().encode(s);

/**
 * A PNG: signature, IHDR, `before` (chunks between IHDR and IDAT), one
 * IDAT of the zlib stream `data`, IEND, then `after`.
 */
function pngOf(options: {
  width: number;
  height: number;
  depth?: number;
  type?: number;
  before?: Uint8Array[];
  data: Uint8Array;
  after?: ArrayLike<number>;
}): Uint8Array {
  const { width, height, depth = 8, type = 2, before = [], data } = options;
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([depth, type, 0, 0, 0], 8);
  return concat(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    chunk("IHDR", ihdr),
    ...before,
    chunk("IDAT", data),
    chunk("IEND", []),
    options.after ?? [],
  );
}

/** What decodeImage(bytes, { name: "x.png" }) throws. */
function refusal(bytes: Uint8Array): string {
  try {
    decodeImage(bytes, { name: "x.png" });
  } catch (error) {
    assert.ok(error instanceof RangeError);
    return error.message;
  }
  return "decoded";
}

/** tests/fixtures/pictures: each picture's bytes, and its pixels as PIL reads them. */
async function pilPictures() {
  // Written by tools/make_picture_fixtures.py, transparency laid over white.
  const dir = new URL("./fixtures/pictures/", import.meta.url);
  const { pictures } = JSON.parse(
    await Deno.readTextFile(new URL("expected.json", dir)),
  ) as {
    pictures: Record<string, { width: number; height: number; rgb: string }>;
  };
  return await Promise.all(
    Object.entries(pictures).map(async ([name, { width, height, rgb }]) => ({
      name,
      bytes: await Deno.readFile(
        new URL(`${name}.${name.startsWith("jpeg_") ? "jpg" : "png"}`, dir),
      ),
      width,
      height,
      rgb: Uint8Array.from(atob(rgb), (c) => c.charCodeAt(0)),
    })),
  );
}

Deno.test("PNGs of every colour type, depth, filter and interlacing match PIL pixel for pixel", async () => {
  const pngs = (await pilPictures()).filter((p) => !p.name.startsWith("jpeg_"));
  assert.equal(pngs.length, 35);
  for (const { name, bytes, width, height, rgb } of pngs) {
    const image = decodeImage(bytes);
    assert.deepEqual([image.width, image.height], [width, height]);
    const wrong = rgb.findIndex((v, i) => image.data[i] !== v);
    assert.equal(
      wrong,
      -1,
      `${name}: value ${wrong} is ${image.data[wrong]}, PIL's ${rgb[wrong]}`,
    );
  }
});

Deno.test("progressive JPEGs and JPEGs with restart markers decode, with bytes after their end", async () => {
  const jpegs = (await pilPictures()).filter((p) => p.name.startsWith("jpeg_"));
  assert.equal(jpegs.length, 2);
  for (const { name, bytes, width, height, rgb } of jpegs) {
    const image = decodeImage(bytes);
    assert.deepEqual([image.width, image.height], [width, height]);
    // jpeg-js upsamples colour unlike libjpeg (PIL): close, not equal.
    const worst = Math.max(...rgb.map((v, i) => Math.abs(image.data[i] - v)));
    assert.ok(worst <= 16, `${name}: off by ${worst} from PIL`);
    const after = concat(bytes, new Uint8Array(200).fill(0x42));
    assert.deepEqual(decodeImage(after), image);
  }
});

Deno.test("a grey PNG's transparent colour key is laid over white", () => {
  // Grey 77, 10, 77 with tRNS saying 77 is transparent.
  const png = pngOf({
    width: 3,
    height: 1,
    type: 0,
    before: [chunk("tRNS", [0, 77])],
    data: zlibSync(Uint8Array.of(0, 77, 10, 77)),
  });
  assert.deepEqual(
    [...decodeImage(png).data],
    [255, 255, 255, 10, 10, 10, 255, 255, 255],
  );
  // An RGB key likewise; a wrong-sized key is refused.
  const rgb = pngOf({
    width: 2,
    height: 1,
    before: [chunk("tRNS", [0, 1, 0, 2, 0, 3])],
    data: zlibSync(Uint8Array.of(0, 1, 2, 3, 1, 2, 4)),
  });
  assert.deepEqual([...decodeImage(rgb).data], [255, 255, 255, 1, 2, 4]);
  assert.equal(
    refusal(pngOf({
      width: 1,
      height: 1,
      type: 0,
      before: [chunk("tRNS", [77])],
      data: zlibSync(Uint8Array.of(0, 77)),
    })),
    "x.png: a corrupt PNG (a tRNS chunk of 1 bytes for colour type 0; expected 2)",
  );
});

Deno.test("a PNG whose image data inflates past its size is refused as soon as it passes", () => {
  // 16 MiB of zeros in about 16 KB: a zlib bomb for a 1 x 1 picture,
  // which needs 4 bytes (a filter byte and RGB). The 1 GiB one of the
  // issue is refused the same way, after inflating at most 17 MB.
  const bomb = zlibSync(new Uint8Array(16 << 20), { level: 9 });
  assert.ok(bomb.length < 20_000);
  assert.equal(
    refusal(pngOf({ width: 1, height: 1, data: bomb })),
    "x.png: a corrupt PNG (its image data inflates to more than the 4 bytes its 1 x 1 pixels need)",
  );
  // Too little is refused too, and data that is not zlib at all.
  assert.equal(
    refusal(
      pngOf({ width: 2, height: 1, data: zlibSync(Uint8Array.of(0, 1)) }),
    ),
    "x.png: a corrupt or truncated PNG (its image data inflates to 2 bytes; its 2 x 1 pixels need 7)",
  );
  assert.equal(
    refusal(pngOf({ width: 1, height: 1, data: text("not zlib") })),
    "x.png: a corrupt PNG (its image data is not a zlib stream: it starts with bytes 6e 6f)",
  );
  const cut = zlibSync(new Uint8Array(4000).map((_, i) => i * 7));
  assert.match(
    refusal(pngOf({ width: 1, height: 1000, data: cut.subarray(0, 40) })),
    /^x\.png: a corrupt or truncated PNG \(its image data does not inflate: /,
  );
});

Deno.test("ICC profiles and compressed text are skipped, never inflated", () => {
  // 8 x 8 grey pixels, and a bomb in each of iCCP, zTXt and iTXt; then the
  // same chunks holding bytes that do not inflate at all.
  const rows = new Uint8Array(8 * 9).map((_, i) => i % 9 === 0 ? 0 : i);
  const data = zlibSync(rows);
  const expected = decodeImage(pngOf({ width: 8, height: 8, type: 0, data }));
  const bomb = zlibSync(new Uint8Array(16 << 20), { level: 9 });
  for (const inside of [bomb, text("not zlib data")]) {
    const before = [
      chunk("iCCP", concat(text("icc\0\0"), inside)),
      chunk("zTXt", concat(text("Comment\0\0"), inside)),
      chunk("iTXt", concat(text("Title\0\x01\0en\0Title\0"), inside)),
    ];
    const image = decodeImage(
      pngOf({ width: 8, height: 8, type: 0, before, data }),
    );
    assert.deepEqual(image, expected);
  }
});

Deno.test("a PNG's CRCs and Adler-32 are checked, as PIL checks them", () => {
  // Stored (level 0) deflate: the pixel bytes appear as they are.
  const data = zlibSync(Uint8Array.of(0, 10, 20, 30, 40, 50, 60), { level: 0 });
  const good = pngOf({ width: 2, height: 1, data });
  assert.deepEqual([...decodeImage(good).data], [10, 20, 30, 40, 50, 60]);
  // One pixel byte changed by 55, the CRC left as it was.
  const at = good.indexOf(40);
  const flipped = good.slice();
  flipped[at] += 55;
  assert.equal(
    refusal(flipped),
    "x.png: a corrupt PNG (the CRC of its IDAT chunk at byte 33 does not match its data)",
  );
  // The same change with the CRC made to fit: the Adler-32 still tells.
  const changed = data.slice();
  changed[changed.indexOf(40)] += 55;
  assert.equal(
    refusal(pngOf({ width: 2, height: 1, data: changed })),
    "x.png: a corrupt PNG (the Adler-32 checksum of its image data does not match)",
  );
  // An ancillary chunk's CRC counts too, and so does IHDR's.
  const text = chunk("tEXt", [0x41, 0, 0x42]);
  text[text.length - 1] ^= 1;
  assert.equal(
    refusal(pngOf({ width: 2, height: 1, before: [text], data })),
    "x.png: a corrupt PNG (the CRC of its tEXt chunk at byte 33 does not match its data)",
  );
  const header = good.slice();
  header[29] ^= 1;
  assert.equal(
    refusal(header),
    "x.png: a corrupt PNG (the CRC of its IHDR chunk at byte 8 does not match its data)",
  );
  // A file from fast-png with one byte of its IDAT changed.
  const encoded = png(4, 4, 3, new Uint8Array(48).map((_, i) => i));
  encoded[45] ^= 0x20;
  assert.equal(
    refusal(encoded),
    "x.png: a corrupt PNG (the CRC of its IDAT chunk at byte 33 does not match its data)",
  );
});

Deno.test("other corrupt PNGs are refused with the file's name", () => {
  const data = (...bytes: number[]) => zlibSync(Uint8Array.from(bytes));
  const cases: [Uint8Array, string][] = [
    // Index 3 of a palette of 2 colours.
    [
      pngOf({
        width: 2,
        height: 1,
        type: 3,
        before: [chunk("PLTE", [255, 0, 0, 0, 0, 255])],
        data: data(0, 1, 3),
      }),
      "x.png: a corrupt PNG (a pixel has palette index 3; the palette has 2 colours)",
    ],
    [
      pngOf({ width: 2, height: 1, type: 3, data: data(0, 1, 0) }),
      "x.png: a corrupt PNG (a palette image without a PLTE chunk)",
    ],
    [
      pngOf({ width: 1, height: 1, data: data(7, 1, 2, 3) }),
      "x.png: a corrupt PNG (a row of its image data has filter type 7; expected 0 to 4)",
    ],
    [
      pngOf({ width: 1, height: 1, depth: 4, data: data(0, 1, 2) }),
      "x.png: a corrupt PNG (bit depth 4 with colour type 2; expected 8)",
    ],
    [
      pngOf({
        width: 1,
        height: 1,
        before: [chunk("ABCD", [1])],
        data: data(0, 1, 2, 3),
      }),
      "x.png: an unsupported PNG (it has a critical chunk ABCD at byte 33)",
    ],
  ];
  for (const [bytes, message] of cases) assert.equal(refusal(bytes), message);
});

Deno.test("bytes after a PNG's IEND or a JPEG's end marker are ignored, as PIL ignores them", () => {
  const tail = new Uint8Array(100).fill(0x41);
  const picture = png(3, 2, 3, new Uint8Array(18).map((_, i) => 14 * i));
  assert.deepEqual(
    decodeImage(concat(picture, tail)),
    decodeImage(picture),
  );
  const photo = jpeg(16, 8, (x, y) => [16 * x, 30 * y, 100]);
  // Trailing bytes that look like markers, too.
  for (const after of [tail, Uint8Array.of(0xff, 0xd8, 0xff, 0xd9)]) {
    assert.deepEqual(decodeImage(concat(photo, after)), decodeImage(photo));
  }
  // A JPEG cut anywhere before its end marker is still truncated, even
  // when an end marker of an EXIF thumbnail lies in its first segment.
  const thumb = [0xff, 0xd8, 0xff, 0xd9];
  const exif = Uint8Array.from([
    0xff,
    0xe1,
    0,
    2 + 6 + thumb.length,
    ...text("Exif\0\0"),
    ...thumb,
  ]);
  const withThumb = concat(photo.subarray(0, 2), exif, photo.subarray(2));
  assert.deepEqual(decodeImage(withThumb), decodeImage(photo));
  const cut = withThumb.subarray(0, withThumb.length - 30);
  assert.throws(
    () => decodeImage(cut, { name: "x.jpg" }),
    {
      name: "RangeError",
      message:
        `x.jpg: a truncated JPEG (it has no end-of-image marker; the file ends after ${cut.length} bytes)`,
    },
  );
});

Deno.test("scaleToCifar refuses a picture of no pixels", () => {
  for (const [width, height] of [[0, 5], [5, 0]]) {
    assert.throws(
      () =>
        scaleToCifar({
          width,
          height,
          channels: 3,
          data: new Uint8ClampedArray(0),
        }),
      {
        name: "RangeError",
        message:
          `scaleToCifar needs a picture of at least 1 x 1 pixels, got ${width} x ${height}`,
      },
    );
  }
});

Deno.test("a mean image that is not finite is named, not the network's input", () => {
  const net = network();
  net.meanImage![5] = NaN;
  const picture = png(4, 4, 3, new Uint8Array(48));
  assert.throws(() => classifyImage(net, picture), {
    name: "RangeError",
    message:
      "meanImage must hold finite numbers (pixel values), got NaN at index 5",
  });
  assert.throws(
    () =>
      checkClassifier(network(), {
        meanImage: new Float64Array(3072).fill(Infinity),
      }),
    /got Infinity at index 0/,
  );
});

/** `deno run tools/classify.ts` (or `tool`) with `args`: code, stdout, stderr. */
async function classifyTool(args: string[], tool?: string) {
  const run = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-env",
      tool ?? fileURLToPath(new URL("../tools/classify.ts", import.meta.url)),
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return [run.code, decode(run.stdout), decode(run.stderr)] as const;
}

Deno.test("deno task classify checks its network once, at load, naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pictures = [`${dir}/a.png`, `${dir}/b.png`];
    for (const picture of pictures) {
      await Deno.writeFile(picture, png(8, 8, 3, new Uint8Array(192)));
    }
    const small = new TwoLayerNet(12, 4, 10);
    small.meanImage = new Float64Array(12);
    const five = new TwoLayerNet(3072, 4, 5);
    five.meanImage = new Float64Array(3072);
    const cases: [TwoLayerNet, string][] = [
      [
        small,
        "classifyImage needs a network that takes 32 x 32 x 3 = 3072 values, got one that takes 12",
      ],
      [
        five,
        "classifyImage needs one class name per class (5), got none: pass classNames",
      ],
      [
        new TwoLayerNet(3072, 4, 10),
        "classifyImage needs the mean training image: pass meanImage (getCifar10Data's) or use a network saved with one (set net.meanImage before net.save)",
      ],
    ];
    for (const [net, message] of cases) {
      const file = `${dir}/net.safetensors`;
      await net.save(file);
      const [code, out, err] = await classifyTool(["--net", file, ...pictures]);
      assert.deepEqual(
        [code, out, err],
        [1, "", `error: ${file} cannot classify pictures: ${message}\n`],
      );
    }
    assert.deepEqual(await classifyTool(["--net=", ...pictures]), [
      2,
      "",
      "error: --net needs a network file (.safetensors or .npz), got an empty name\n" +
      "usage: deno task classify [--net FILE] PICTURE...\n",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task classify finds its default network under a path with a space and a non-ASCII letter", async () => {
  // A copy of what the tool loads, in a folder whose URL escapes its name.
  const root = await Deno.makeTempDir();
  const copy = `${root}/with space ü`;
  try {
    const checkout = fileURLToPath(new URL("..", import.meta.url));
    await Deno.mkdir(`${copy}/tools`, { recursive: true });
    await Deno.mkdir(`${copy}/out/networks`, { recursive: true });
    for (
      const file of ["mod.ts", "deno.json", "deno.lock", "tools/classify.ts"]
    ) {
      await Deno.copyFile(`${checkout}/${file}`, `${copy}/${file}`);
    }
    await copyFolder(`${checkout}/src`, `${copy}/src`);
    await Deno.symlink(`${checkout}/node_modules`, `${copy}/node_modules`);
    await network().save(`${copy}/out/networks/beyond.safetensors`);
    const picture = `${copy}/grey picture.png`;
    await Deno.writeFile(picture, png(8, 8, 3, new Uint8Array(192).fill(90)));
    const [code, out, err] = await classifyTool(
      [picture],
      `${copy}/tools/classify.ts`,
    );
    assert.equal(err, "");
    assert.equal(code, 0);
    assert.match(out, /^.*with space ü\/grey picture\.png: \w+ \d+\.\d%, /);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function copyFolder(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (entry.isDirectory) {
      await copyFolder(`${from}/${entry.name}`, `${to}/${entry.name}`);
    } else {
      await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  }
}
