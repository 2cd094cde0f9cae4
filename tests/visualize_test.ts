import assert from "node:assert/strict";
import { Matrix } from "../src/core/matrix.ts";
import { netWeightsImage, visualizeGrid } from "../src/plot/visualize.ts";

// Three 2 x 2 x 3 images: mixed signs, a shifted ramp, and tiny values.
const STACK = {
  data: [
    0.3,
    -1.2,
    2.5,
    0.7,
    1.1,
    -0.4,
    0.05,
    3.3,
    -2.2,
    1.9,
    0.0,
    -0.6,
    10,
    11,
    12,
    13,
    14,
    15,
    16,
    17,
    18,
    19,
    20,
    21.5,
    -0.001,
    0.002,
    0.0005,
    -0.0007,
    0.0013,
    0.0,
    0.0009,
    -0.0002,
    0.0011,
    0.0004,
    -0.0015,
    0.0021,
  ],
  count: 3,
  height: 2,
  width: 2,
  channels: 3,
};

Deno.test("visualizeGrid matches cs231n visualize_grid(...).astype('uint8')", () => {
  // numpy: visualize_grid(X.reshape(3, 2, 2, 3), padding=1).astype('uint8')
  const grid = visualizeGrid(STACK, { padding: 1 });
  assert.deepEqual([grid.height, grid.width, grid.channels], [5, 5, 3]);
  assert.deepEqual([...grid.data], [
    115,
    46,
    217,
    134,
    153,
    83,
    0,
    0,
    0,
    0,
    22,
    44,
    66,
    88,
    110,
    104,
    255,
    0,
    190,
    102,
    74,
    0,
    0,
    0,
    133,
    155,
    177,
    199,
    221,
    255,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    35,
    247,
    141,
    56,
    198,
    106,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    170,
    92,
    184,
    134,
    0,
    255,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
});

Deno.test("visualizeGrid honours padding and ubound like numpy", () => {
  // numpy: visualize_grid(X, padding=2, ubound=100.0).astype('uint8')
  const grid = visualizeGrid(STACK, { padding: 2, ubound: 100 });
  assert.deepEqual([grid.height, grid.width], [6, 6]);
  const pixel = (
    r: number,
    c: number,
  ) => [...grid.data.subarray((r * 6 + c) * 3, (r * 6 + c) * 3 + 3)];
  assert.deepEqual(pixel(0, 0), [45, 18, 85]);
  assert.deepEqual(pixel(0, 4), [0, 8, 17]);
  assert.deepEqual(pixel(1, 5), [78, 86, 100]);
  assert.deepEqual(pixel(2, 2), [0, 0, 0]); // padding
  assert.deepEqual(pixel(4, 0), [13, 97, 55]);
  assert.deepEqual(pixel(5, 1), [52, 0, 100]);
  assert.deepEqual(pixel(5, 5), [0, 0, 0]); // unused tile
});

Deno.test("visualizeGrid defaults to the workbook's padding of 3", () => {
  const grid = visualizeGrid(STACK);
  assert.deepEqual([grid.height, grid.width], [7, 7]);
});

Deno.test("visualizeGrid draws a constant tile black, as numpy's NaN cast does", () => {
  const data = [7, 7, 7, 7, 1, 2, 3, 4];
  const grid = visualizeGrid(
    { data, count: 2, height: 2, width: 2, channels: 1 },
    { padding: 1 },
  );
  assert.deepEqual([...grid.data], [
    0,
    0,
    0,
    0,
    85,
    0,
    0,
    0,
    170,
    255,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
  ]);
});

Deno.test("visualizeGrid truncates instead of rounding", () => {
  // 255 * 2 / 3 = 170.0, 255 * 1 / 3 = 85.0, 255 * 0.998 / 3 = 84.83 -> 84
  const grid = visualizeGrid(
    { data: [0, 0.998, 2, 3], count: 1, height: 1, width: 4, channels: 1 },
  );
  assert.deepEqual([...grid.data], [0, 84, 170, 255]);
});

Deno.test("visualizeGrid rejects bad shapes and options, naming the values", () => {
  assert.throws(
    () => visualizeGrid({ ...STACK, count: 4 }),
    /4 x 2 x 2 x 3 images need 48 values, got 36/,
  );
  assert.throws(
    () => visualizeGrid({ ...STACK, data: [], count: 0 }),
    /count must be an integer >= 1, got 0/,
  );
  assert.throws(
    () => visualizeGrid(STACK, { padding: -1 }),
    /padding must be an integer >= 0, got -1/,
  );
  assert.throws(
    () => visualizeGrid(STACK, { ubound: 256 }),
    /ubound must be in \(0, 255\], got 256/,
  );
  assert.throws(
    () => visualizeGrid({ ...STACK, channels: 5, data: new Array(60).fill(0) }),
    /channels must be 1, 2, 3 or 4, got 5/,
  );
});

Deno.test("netWeightsImage lays out W1 like W1.T.reshape(32, 32, 3, -1)", () => {
  // W1[h, k] = (7k + 13h) % 101 for 3 hidden units; expected pixels from
  // numpy: visualize_grid(W1.T.reshape(32, 32, 3, -1).transpose(3, 0, 1, 2),
  // padding=3).astype('uint8')
  const w1 = new Matrix(3, 3072);
  for (let h = 0; h < 3; h++) {
    for (let k = 0; k < 3072; k++) w1.set(h, k, (k * 7 + h * 13) % 101);
  }
  const picture = netWeightsImage(w1);
  assert.deepEqual(
    [picture.height, picture.width, picture.channels],
    [67, 67, 3],
  );
  const expected: [number, number, number[]][] = [
    [0, 0, [0, 17, 35]],
    [0, 1, [53, 71, 89]],
    [5, 7, [186, 204, 221]],
    [31, 31, [181, 198, 216]],
    [0, 35, [33, 51, 68]],
    [10, 40, [181, 198, 216]],
    [35, 0, [66, 84, 102]],
    [40, 20, [175, 193, 211]],
    [32, 32, [0, 0, 0]],
    [40, 40, [0, 0, 0]],
    [66, 66, [0, 0, 0]],
  ];
  for (const [r, c, rgb] of expected) {
    const at = (r * 67 + c) * 3;
    assert.deepEqual(
      [...picture.data.subarray(at, at + 3)],
      rgb,
      `(${r}, ${c})`,
    );
  }
  // numpy: int(G.astype(np.int64).sum())
  assert.equal(picture.data.reduce((sum, v) => sum + v, 0), 1170670);
});

Deno.test("netWeightsImage accepts float32 weights", () => {
  const w1 = Matrix.zeros(1, 3072, "float32");
  w1.data[3071] = 1;
  const picture = netWeightsImage(w1);
  assert.deepEqual([picture.width, picture.height], [32, 32]);
  assert.equal(picture.data[3071], 255);
  assert.equal(picture.data[0], 0);
});

Deno.test("netWeightsImage rejects a W1 that is not H x 3072", () => {
  assert.throws(
    () => netWeightsImage(new Matrix(3072, 10)),
    /needs W1 of shape H x 3072, got 3072 x 10/,
  );
});
