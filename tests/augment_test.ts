import assert from "node:assert/strict";
import { Matrix, RandomState, TwoLayerNet } from "../mod.ts";
import { augmenter, type AugmentOptions } from "../src/nn/augment.ts";

/** Three 4 x 5 x 2 images whose values are their flat indices. */
function batch(): Matrix<Float64Array> {
  return new Matrix(3, 40, Float64Array.from({ length: 120 }, (_, i) => i));
}

Deno.test("flips then shifts match numpy's draws and padding", () => {
  const augment = augmenter(
    { flipHorizontal: true, shift: 2, imageShape: [4, 5, 2] },
    40,
  )!;
  const images = batch();
  augment.augment(images, new RandomState(5));
  // numpy: r = RandomState(5); flips = r.rand(3) < 0.5 (yes, no, yes);
  // dx = r.randint(-2, 3, 3) = [-2 -1 -2]; dy = r.randint(-2, 3, 3) =
  // [2 1 -2]; image i, zero-padded by 2, cropped at (2 - dy, 2 - dx).
  const expected = [
    [
      ...Array(20).fill(0),
      ...[4, 5, 2, 3, 0, 1, 0, 0, 0, 0],
      ...[14, 15, 12, 13, 10, 11, 0, 0, 0, 0],
    ],
    [
      ...Array(10).fill(0),
      ...[42, 43, 44, 45, 46, 47, 48, 49, 0, 0],
      ...[52, 53, 54, 55, 56, 57, 58, 59, 0, 0],
      ...[62, 63, 64, 65, 66, 67, 68, 69, 0, 0],
    ],
    [
      ...[104, 105, 102, 103, 100, 101, 0, 0, 0, 0],
      ...[114, 115, 112, 113, 110, 111, 0, 0, 0, 0],
      ...Array(20).fill(0),
    ],
  ];
  assert.deepEqual(
    [0, 1, 2].map((i) => [...images.data.subarray(40 * i, 40 * i + 40)]),
    expected,
  );
});

Deno.test("shifts alone draw two offsets per row and nothing else", () => {
  const augment = augmenter({ shift: 1, imageShape: [4, 5, 2] }, 40)!;
  const rng = new RandomState(3);
  augment.augment(batch(), rng);
  const reference = new RandomState(3);
  reference.randint(-1, 2, 3);
  reference.randint(-1, 2, 3);
  assert.deepEqual(rng.rand(4), reference.rand(4));
});

Deno.test("float32 batches shift like float64 ones", () => {
  const options = { shift: 3 } as const;
  const a = Matrix.zeros(2, 3072, "float64");
  a.data.forEach((_, i) => (a.data[i] = i % 251));
  const b = a.astype("float32");
  augmenter(options, 3072)!.augment(a, new RandomState(7));
  augmenter(options, 3072)!.augment(b, new RandomState(7));
  assert.deepEqual([...b.data], [...a.data]);
  assert.notDeepEqual(
    [...a.data.subarray(0, 3072)],
    Array.from({ length: 3072 }, (_, i) => i % 251),
  );
});

Deno.test("no flips and no shift is no augmentation, and draws nothing", () => {
  for (
    const options of [
      {},
      { flipHorizontal: false },
      { shift: 0 },
      { flipHorizontal: false, shift: 0, imageShape: [32, 32, 3] },
    ] as AugmentOptions[]
  ) {
    assert.equal(augmenter(options, 3072), undefined);
  }
  // Rows that are not 32 x 32 x 3 need no shape when nothing moves.
  assert.equal(augmenter({ flipHorizontal: false }, 6), undefined);
});

Deno.test("augment options are checked, whatever else is asked for", () => {
  const bad: [AugmentOptions, number, RegExp][] = [
    [
      { flipHorizontal: "no" as unknown as boolean },
      3072,
      /augment.flipHorizontal must be true or false, got "no"/,
    ],
    [
      { flipHorizontal: 1 as unknown as boolean },
      3072,
      /augment.flipHorizontal must be true or false, got 1/,
    ],
    // A wrong shape is an error even when nothing would be augmented.
    [
      { flipHorizontal: false, imageShape: [32, 32, 2] },
      3072,
      /imageShape must be 3 positive integers \[height, width, channels\] with product 3072, got \[32,32,2\]/,
    ],
    [
      { imageShape: [2, 2] as unknown as [number, number, number] },
      4,
      /with product 4, got \[2,2\]/,
    ],
    [{ shift: 1 }, 10, /augment needs imageShape .* rows of 10 values/],
    [
      { shift: -1 },
      3072,
      /augment.shift must be an integer from 0 to 31 \(pixels, less than the 32 x 32 image\), got -1/,
    ],
    [{ shift: 1.5 }, 3072, /got 1.5/],
    [{ shift: 32 }, 3072, /from 0 to 31 .*got 32/],
    [{ shift: "2" as unknown as number }, 3072, /got "2"/],
    [
      { shift: 1, flip: true } as AugmentOptions,
      3072,
      /augment has no option "flip"; Known options: flipHorizontal, shift, imageShape/,
    ],
  ];
  for (const [options, inputSize, message] of bad) {
    assert.throws(() => augmenter(options, inputSize), message);
  }
});

Deno.test("training with shifts is reproducible, and records the setting", () => {
  const rng = new RandomState(0);
  const X = new Matrix(20, 3072, rng.randn(20 * 3072));
  const y = Array.from({ length: 20 }, (_, i) => i % 10);
  const run = (augment?: AugmentOptions) => {
    const net = new TwoLayerNet(3072, 8, 10, {
      std: 1e-3,
      loss: "softmax",
      rng: new RandomState(1),
    });
    const stats = net.train(X, y, X, y, {
      numIters: 5,
      batchSize: 10,
      learningRate: 1e-3,
      rng: new RandomState(2),
      ...(augment && { augment }),
    });
    return { losses: stats.lossHistory, settings: net.trainingSettings };
  };
  const shifted = run({ flipHorizontal: true, shift: 3 });
  assert.deepEqual(
    run({ flipHorizontal: true, shift: 3 }).losses,
    shifted.losses,
  );
  assert.notDeepEqual(run({ flipHorizontal: true }).losses, shifted.losses);
  assert.notDeepEqual(run().losses, shifted.losses);
  assert.deepEqual(shifted.settings?.augment, {
    flipHorizontal: true,
    shift: 3,
  });
});
