/**
 * CIFAR-10 batches in a local folder, in either official layout: the
 * Python 2 pickles (`cifar-10-batches-py`) or the binary batches
 * (`cifar-10-batches-bin`).
 *
 * @module
 */

import { join } from "pathe";
import {
  CIFAR10_BATCHES,
  type Cifar10BatchName,
  IMAGE_BYTES,
  labelError,
  RECORD_BYTES,
} from "./batch.ts";
import { pathKind } from "./_path_kind.ts";
import { readBounded } from "../core/read_bounded.ts";
import { type NumpyUint8Array, parsePickle } from "./_pickle.ts";

/** Which official layout a batches folder holds. */
export type BatchFormat = "python" | "binary";

/** A folder of CIFAR-10 batches and its layout. */
export interface BatchFolder {
  /** The batches folder itself (for example `.../cifar-10-batches-py`). */
  path: string;
  /** Its layout. */
  format: BatchFormat;
}

/** The folder each official archive unpacks to. */
export const BATCH_FOLDER_NAMES: Readonly<Record<BatchFormat, string>> = {
  binary: "cifar-10-batches-bin",
  python: "cifar-10-batches-py",
};

const FILE_SUFFIX: Readonly<Record<BatchFormat, string>> = {
  binary: ".bin",
  python: "",
};

/**
 * Finds the batches in `dir`: either `dir` is a batches folder (it holds
 * `data_batch_1.bin`, `test_batch`, ...) or it holds one
 * (`cifar-10-batches-bin` is preferred over `cifar-10-batches-py`: same
 * data, no parsing). Returns `undefined` when there are none.
 *
 * @example
 * ```ts
 * import { findBatchFolder } from "./_folder.ts";
 * import { writeTinyCifar10 } from "./tiny.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeTinyCifar10(dir);
 * const found = await findBatchFolder(dir);
 * assert.equal(found?.format, "binary");
 * assert.match(found!.path, /cifar-10-batches-bin$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function findBatchFolder(
  dir: string,
): Promise<BatchFolder | undefined> {
  for (const format of ["binary", "python"] as const) {
    for (const name of CIFAR10_BATCHES) {
      if ((await pathKind(join(dir, name + FILE_SUFFIX[format]))) === "file") {
        return { path: dir, format };
      }
    }
  }
  for (const format of ["binary", "python"] as const) {
    const path = join(dir, BATCH_FOLDER_NAMES[format]);
    if ((await pathKind(path)) === "directory") return { path, format };
  }
  return undefined;
}

/**
 * Describes a batches folder for messages.
 *
 * @example
 * ```ts
 * import { describeFolder } from "./_folder.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   describeFolder({ path: "data/cifar-10-batches-py", format: "python" }),
 *   "folder data/cifar-10-batches-py (Python 2 pickles)",
 * );
 * ```
 */
export function describeFolder(folder: BatchFolder): string {
  const layout = folder.format === "python"
    ? "Python 2 pickles"
    : "binary batches";
  return `folder ${folder.path} (${layout})`;
}

/**
 * Reads one batch of `imagesPerBatch` images from a batches folder, in the
 * binary layout (not yet verified: the caller checks it). The file is
 * read only if it is a regular file of at most the size such a batch has
 * (a binary batch exactly `imagesPerBatch * 3073` bytes; a pickle that
 * plus its labels, file names and opcodes), and never past that.
 *
 * @throws {Error} for a missing batch file, one that is not a regular file
 *   or is too large (naming the file and the size expected), or a pickle
 *   that is not a CIFAR-10 batch (naming expected vs found).
 *
 * @example
 * ```ts
 * import { readFolderBatch } from "./_folder.ts";
 * import { writeTinyCifar10 } from "./tiny.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeTinyCifar10(dir);
 * const path = `${dir}/cifar-10-batches-bin`;
 * const batch = await readFolderBatch({ path, format: "binary" }, "test_batch", 4);
 * assert.equal(batch.length, 4 * 3073);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readFolderBatch(
  folder: BatchFolder,
  name: Cifar10BatchName,
  imagesPerBatch: number,
): Promise<Uint8Array> {
  const file = join(folder.path, name + FILE_SUFFIX[folder.format]);
  if ((await pathKind(file)) === undefined) {
    throw new Error(
      `missing batch ${name}: expected ${file} in ${describeFolder(folder)}`,
    );
  }
  const records = imagesPerBatch * RECORD_BYTES;
  const bytes = folder.format === "binary"
    ? await readBounded(
      file,
      records,
      `${records} bytes (a binary batch of ${imagesPerBatch} images)`,
    )
    // Beyond the pixels and labels, a pickle holds about 30 bytes of file
    // name and opcodes per image; 100 leaves room for any pickler.
    : await readBounded(
      file,
      imagesPerBatch * (RECORD_BYTES + 100) + 4096,
      `a pickled batch of ${imagesPerBatch} images (about ${records} bytes)`,
    );
  return folder.format === "binary"
    ? bytes
    : pickledBatchToBinary(bytes, name, describeFolder(folder));
}

/** Turns a Python batch's `data` array and `labels` list into records. */
function pickledBatchToBinary(
  bytes: Uint8Array,
  name: Cifar10BatchName,
  source: string,
): Uint8Array {
  let batch;
  try {
    batch = parsePickle(bytes);
  } catch (error) {
    throw new Error(`${name} from ${source}: ${(error as Error).message}`);
  }
  const data = batch instanceof Map ? batch.get("data") : undefined;
  const labels = batch instanceof Map ? batch.get("labels") : undefined;
  const array = data as NumpyUint8Array | undefined;
  if (array?.kind !== "ndarray" || !Array.isArray(labels)) {
    throw new Error(
      `${name} from ${source}: expected a dict with a numpy 'data' array ` +
        `and a 'labels' list`,
    );
  }
  const [rows, cols] = array.shape;
  if (array.shape.length !== 2 || cols !== IMAGE_BYTES) {
    throw new Error(
      `${name} from ${source}: expected data of shape N x ${IMAGE_BYTES}, ` +
        `found ${array.shape.join(" x ")}`,
    );
  }
  if (labels.length !== rows) {
    throw new Error(
      `${name} from ${source}: expected ${rows} labels (one per image), ` +
        `found ${labels.length}`,
    );
  }
  const records = new Uint8Array(rows * RECORD_BYTES);
  for (let i = 0; i < rows; i++) {
    const label = labels[i];
    // Checked here: a label above 255 would wrap in the label byte.
    if (
      !Number.isInteger(label) || (label as number) < 0 || label as number > 9
    ) {
      throw labelError(name, source, i, label);
    }
    records[i * RECORD_BYTES] = label as number;
    records.set(
      array.data.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES),
      i * RECORD_BYTES + 1,
    );
  }
  return records;
}
