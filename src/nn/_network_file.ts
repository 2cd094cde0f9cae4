/**
 * A network's parameters, loss, training settings and mean image in a file:
 * safetensors (the native format) or numpy's `.npz`, chosen by extension.
 * Reads are bounded and checked; writes go to a temporary file renamed into
 * place, so a failed save leaves nothing behind.
 *
 * @module
 */

import { readBounded } from "../core/read_bounded.ts";
import { removeOnInterrupt } from "../core/interrupt.ts";
import { basename, dirname, extname, join } from "pathe";
import {
  type DType,
  dtypeOf,
  type FloatArray,
  Matrix,
} from "../core/matrix.ts";
import { firstNonFinite } from "../kernels/elementwise.ts";
import type { LossName } from "./losses.ts";
import type { Params } from "./params.ts";
import {
  decodeNpy,
  encodeNpy,
  isNpyText,
  type NpyArray,
  readNpyHeader,
} from "./_npy.ts";
import {
  decodeSafetensors,
  encodeSafetensors,
  type Tensor,
} from "./_safetensors.ts";
import type { TrainSettings } from "./trainer.ts";
import { readZip, writeZip } from "./_zip.ts";

/** What a network file holds. */
export interface NetworkContents {
  /** W1 (H x D), b1, W2 (C x H), b2, all of one dtype. */
  params: Params;
  /** The data loss, when the file names it (numpy's own files do not). */
  loss?: LossName;
  /** Mean training image (D values) to subtract from raw inputs. */
  meanImage?: Float64Array;
  /** Settings of the training run that produced the parameters. */
  training?: TrainSettings;
}

/** Largest network file read by default (512 MiB). */
export const DEFAULT_MAX_NETWORK_BYTES = 512 * 1024 * 1024;

/** Names of the optional arrays, as the numpy workbook would call them. */
const MEAN_IMAGE = "mean_image";
const LOSSES_KNOWN = ["mse", "softmax"];
/** The text members of an `.npz`: read when they hold one string. */
const TEXT_MEMBERS = ["loss", "training"];
/** The only `.npz` members read; any other is skipped unread. */
const NPZ_MEMBERS = new Set([
  "W1",
  "b1",
  "W2",
  "b2",
  MEAN_IMAGE,
  ...TEXT_MEMBERS,
]);
/** Longest file name (bytes) on Linux, macOS and Windows file systems. */
const NAME_MAX = 255;

/**
 * The safetensors bytes of a network: F64 or F32 tensors `W1`, `b1`, `W2`,
 * `b2` (and `mean_image`, F64), with the loss, dtype and training settings
 * (JSON) in `__metadata__`.
 *
 * @example
 * ```ts
 * import { networkFromSafetensors, networkToSafetensors } from "./_network_file.ts";
 * import { Matrix } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const params = {
 *   W1: Matrix.fromRows([[1, 2]]), b1: new Float64Array([3]),
 *   W2: Matrix.fromRows([[4], [5]]), b2: new Float64Array([6, 7]),
 * };
 * const bytes = networkToSafetensors({ params, loss: "softmax" });
 * const back = networkFromSafetensors(bytes, "net.safetensors");
 * assert.deepEqual(back.params, params);
 * assert.equal(back.loss, "softmax");
 * ```
 */
export function networkToSafetensors(contents: NetworkContents): Uint8Array {
  checkSavable(contents);
  const { params, loss, meanImage, training } = contents;
  const tensors: Record<string, Tensor> = {
    W1: { shape: params.W1.shape, data: params.W1.data },
    b1: { shape: [params.b1.length], data: params.b1 },
    W2: { shape: params.W2.shape, data: params.W2.data },
    b2: { shape: [params.b2.length], data: params.b2 },
  };
  if (meanImage) {
    tensors[MEAN_IMAGE] = { shape: [meanImage.length], data: meanImage };
  }
  const metadata: Record<string, string> = {
    format: "twolayer",
    dtype: dtypeOf(params.W1.data),
  };
  if (loss) metadata.loss = loss;
  if (training) metadata.training = JSON.stringify(training);
  return encodeSafetensors(tensors, metadata);
}

/**
 * Reads a network from safetensors bytes, such as Python's
 * `safetensors.numpy.save_file` writes.
 *
 * @param source names the file in error messages.
 * @throws {Error} naming `source` for a corrupt file, a missing tensor, a
 *   wrong shape or dtype, or bad metadata.
 *
 * @example A tensor missing
 * ```ts
 * import { networkFromSafetensors } from "./_network_file.ts";
 * import { encodeSafetensors } from "./_safetensors.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = encodeSafetensors({ W1: { shape: [1, 1], data: new Float64Array(1) } });
 * assert.throws(() => networkFromSafetensors(bytes, "a.safetensors"), /a\.safetensors: .*b1/);
 * ```
 */
export function networkFromSafetensors(
  bytes: Uint8Array,
  source: string,
): NetworkContents {
  const { tensors, metadata, dtypes } = decodeSafetensors(bytes, source);
  const { contents, dtype } = assemble(tensors, dtypes, source);
  if (metadata.dtype !== undefined && metadata.dtype !== dtype) {
    fail(
      source,
      `__metadata__ says dtype ${metadata.dtype} but the tensors are ${dtype}`,
    );
  }
  return finish(contents, metadata.loss, metadata.training, source);
}

/**
 * The `.npz` bytes of a network, as `np.savez` would write them: `W1`,
 * `b1`, `W2`, `b2` (and `mean_image`) with the workbook's shapes and the
 * network's dtype, plus 0-d strings `loss` and `training` (JSON).
 *
 * @example
 * ```ts
 * import { networkFromNpz, networkToNpz } from "./_network_file.ts";
 * import { Matrix } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const params = {
 *   W1: Matrix.fromRows([[1, 2]]), b1: new Float64Array([3]),
 *   W2: Matrix.fromRows([[4], [5]]), b2: new Float64Array([6, 7]),
 * };
 * const back = await networkFromNpz(networkToNpz({ params }), "net.npz");
 * assert.deepEqual(back.params, params);
 * ```
 */
export function networkToNpz(contents: NetworkContents): Uint8Array {
  checkSavable(contents);
  const { params, loss, meanImage, training } = contents;
  const arrays: [string, NpyArray][] = [
    ["W1", { shape: params.W1.shape, data: params.W1.data }],
    ["b1", { shape: [params.b1.length], data: params.b1 }],
    ["W2", { shape: params.W2.shape, data: params.W2.data }],
    ["b2", { shape: [params.b2.length], data: params.b2 }],
  ];
  if (meanImage) {
    arrays.push([MEAN_IMAGE, { shape: [meanImage.length], data: meanImage }]);
  }
  if (loss) arrays.push(["loss", { shape: [], data: loss }]);
  if (training) {
    arrays.push(["training", { shape: [], data: JSON.stringify(training) }]);
  }
  return writeZip(arrays.map(([name, a]) => [`${name}.npy`, encodeNpy(a)]));
}

/**
 * Reads a network from `.npz` bytes, ours or numpy's (`np.savez` or
 * `np.savez_compressed` of `W1`, `b1`, `W2`, `b2`, optionally
 * `mean_image`, and `loss` and `training` as strings). Only those members
 * are read: any other (arrays of any dtype, text files) is skipped without
 * being inflated, and so is a `loss` or `training` that is not one string
 * (a loss history, say).
 *
 * @param source names the file in error messages.
 * @param maxBytes largest total size of the members read, once inflated.
 * @throws {Error} naming `source` for a corrupt archive or array, members
 *   past `maxBytes`, a missing array, a wrong shape or dtype, or weights
 *   that are not finite.
 *
 * @example
 * ```ts
 * import { networkFromNpz } from "./_network_file.ts";
 * import { writeZip } from "./_zip.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(networkFromNpz(writeZip([]), "empty.npz"), /empty\.npz: .*W1/);
 * ```
 */
export async function networkFromNpz(
  bytes: Uint8Array,
  source: string,
  maxBytes: number = DEFAULT_MAX_NETWORK_BYTES,
): Promise<NetworkContents> {
  const arrayName = (file: string) =>
    file.endsWith(".npy") ? file.slice(0, -4) : file;
  const members = await readZip(bytes, source, {
    wanted: (file) => NPZ_MEMBERS.has(arrayName(file)),
    maxBytes,
  });
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, string> = {};
  const strings: Record<string, string> = {};
  for (const [file, data] of members) {
    const name = arrayName(file);
    const where = `${source}: member ${file}`;
    if (TEXT_MEMBERS.includes(name)) {
      if (isNpyText(readNpyHeader(data, where))) {
        strings[name] = decodeNpy(data, where).data as string;
      }
      continue;
    }
    const array = decodeNpy(data, where);
    if (typeof array.data === "string") {
      dtypes[name] = readNpyHeader(data, where).descr;
    } else {
      tensors[name] = array as Tensor;
      dtypes[name] = array.data instanceof Float32Array ? "F32" : "F64";
    }
  }
  return finish(
    assemble(tensors, dtypes, source).contents,
    strings.loss,
    strings.training,
    source,
  );
}

/**
 * Writes a network to `path`, in the format its extension names
 * (`.safetensors` or `.npz`), through a temporary file in the same folder
 * renamed into place: on failure, or an interrupt (SIGINT, SIGTERM, which
 * then end the process), no file is left behind. A file saved over keeps
 * its permissions.
 *
 * @throws {Error} naming `path` for another extension, contents that would
 *   not load back (weights that are not finite, a mean image that is not
 *   D finite values in a `Float64Array`), or when writing fails.
 *
 * @example
 * ```ts
 * import { readNetworkFile, writeNetworkFile } from "./_network_file.ts";
 * import { Matrix } from "../core/matrix.ts";
 * import assert from "node:assert/strict";
 *
 * const params = {
 *   W1: Matrix.fromRows([[1, 2]]), b1: new Float64Array([3]),
 *   W2: Matrix.fromRows([[4], [5]]), b2: new Float64Array([6, 7]),
 * };
 * const dir = await Deno.makeTempDir();
 * await writeNetworkFile(`${dir}/net.npz`, { params });
 * assert.deepEqual((await readNetworkFile(`${dir}/net.npz`)).params, params);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeNetworkFile(
  path: string,
  contents: NetworkContents,
): Promise<void> {
  const fail = (error: unknown): never => {
    throw new Error(
      `${path}: could not save the network: ${(error as Error).message}`,
      { cause: error },
    );
  };
  const format = encoderFor(path);
  let bytes: Uint8Array;
  try {
    bytes = format.encode(contents);
  } catch (error) {
    return fail(error);
  }
  // A file saved over keeps its permissions (where the system has them).
  const mode = await Deno.stat(path).then(
    (info) => info.isFile && info.mode !== null ? info.mode & 0o7777 : null,
    () => null,
  );
  const temp = join(dirname(path), temporaryName(basename(path)));
  const cleanup = removeOnInterrupt(temp);
  try {
    await Deno.writeFile(temp, bytes, {
      createNew: true,
      ...(mode !== null && { mode }),
    });
    // The mode given at creation is masked by the umask; this one is not.
    if (mode !== null) await Deno.chmod(temp, mode);
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    fail(error);
  } finally {
    // As `using` would dispose of it (Node 20 cannot parse `using`).
    cleanup[Symbol.dispose]();
  }
}

/**
 * `.name.<uuid>.tmp`, with `name` cut (at a character boundary) so the
 * whole stays within {@linkcode NAME_MAX} bytes.
 */
function temporaryName(name: string): string {
  const suffix = `.${crypto.randomUUID()}.tmp`;
  const room = NAME_MAX - 1 - suffix.length;
  const encoder = new TextEncoder();
  let kept = "";
  let length = 0;
  for (const char of name) {
    length += encoder.encode(char).length;
    if (length > room) break;
    kept += char;
  }
  return `.${kept}${suffix}`;
}

/**
 * Reads a network file written by {@linkcode writeNetworkFile}, Python's
 * safetensors or numpy, by its extension. The file must be a regular file
 * of at most `maxBytes` bytes, and the members an `.npz` inflates to are
 * at most `maxBytes` bytes in all.
 *
 * @throws {Error} naming `path`: missing, not a regular file, too large,
 *   another extension, or any problem with its contents.
 *
 * @example
 * ```ts
 * import { readNetworkFile } from "./_network_file.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(readNetworkFile("missing.safetensors"), /missing\.safetensors: no such file/);
 * ```
 */
export async function readNetworkFile(
  path: string,
  maxBytes: number = DEFAULT_MAX_NETWORK_BYTES,
): Promise<NetworkContents> {
  const format = encoderFor(path);
  return await format.decode(
    await readBounded(
      path,
      maxBytes,
      `a network file of at most ${maxBytes} bytes`,
    ),
    path,
    maxBytes,
  );
}

const FORMATS = {
  ".safetensors": {
    encode: networkToSafetensors,
    decode: networkFromSafetensors,
  },
  ".npz": { encode: networkToNpz, decode: networkFromNpz },
};

function encoderFor(path: string) {
  const extension = extname(path).toLowerCase();
  if (!(extension in FORMATS)) {
    throw new Error(
      `${path}: unknown network file extension "${extension}"; expected .safetensors or .npz`,
    );
  }
  return FORMATS[extension as keyof typeof FORMATS];
}

/** Parameters and mean image checked against each other, before metadata. */
function assemble(
  tensors: Record<string, Tensor>,
  dtypes: Record<string, string>,
  source: string,
): { contents: NetworkContents; dtype: DType } {
  const get = (name: string, rank: number): Tensor => {
    const tensor = tensors[name];
    if (!tensor) {
      fail(
        source,
        dtypes[name] === undefined
          ? `tensor ${name} is missing; a network needs W1, b1, W2 and b2`
          : `tensor ${name} has dtype ${dtypes[name]}; expected F64 or F32`,
      );
    }
    if (tensor.shape.length !== rank) {
      fail(
        source,
        `tensor ${name} must have ${rank} dimension${
          rank > 1 ? "s" : ""
        }, found shape [${tensor.shape}]`,
      );
    }
    return tensor;
  };
  const W1 = get("W1", 2), b1 = get("b1", 1), W2 = get("W2", 2);
  const b2 = get("b2", 1);
  const [H, D] = W1.shape, [C] = W2.shape;
  const expected: [string, Tensor, number[]][] = [
    ["b1", b1, [H]],
    ["W2", W2, [C, H]],
    ["b2", b2, [C]],
  ];
  for (const [name, tensor, shape] of expected) {
    if (tensor.shape.join() !== shape.join()) {
      fail(
        source,
        `tensor ${name} has shape [${tensor.shape}]; W1 is [${W1.shape}] (H x D), so expected [${shape}]`,
      );
    }
  }
  const dtype = dtypeOf(W1.data);
  for (const [name, tensor] of [["b1", b1], ["W2", W2], ["b2", b2]] as const) {
    if (dtypeOf(tensor.data) !== dtype) {
      fail(
        source,
        `tensor ${name} is ${
          dtypeOf(tensor.data)
        } but W1 is ${dtype}; all parameters need one dtype`,
      );
    }
  }
  if (H === 0 || D === 0 || C === 0) {
    fail(source, `W1 [${W1.shape}] and W2 [${W2.shape}] must not be empty`);
  }
  for (
    const [name, tensor] of [["W1", W1], ["b1", b1], ["W2", W2], [
      "b2",
      b2,
    ]] as const
  ) {
    const problem = nonFinite(name, tensor.data, tensor.shape[1] ?? 0);
    if (problem) fail(source, `${problem}; a network's weights must be finite`);
  }
  const contents: NetworkContents = {
    params: {
      W1: new Matrix(H, D, W1.data),
      b1: b1.data,
      W2: new Matrix(C, H, W2.data),
      b2: b2.data,
    },
  };
  if (MEAN_IMAGE in dtypes) {
    const mean = get(MEAN_IMAGE, 1);
    if (mean.shape[0] !== D) {
      fail(
        source,
        `tensor ${MEAN_IMAGE} has shape [${mean.shape}]; expected [${D}], one value per input`,
      );
    }
    const problem = nonFinite(MEAN_IMAGE, mean.data, 0);
    if (problem) fail(source, `${problem}; a mean image must be finite`);
    contents.meanImage = Float64Array.from(mean.data);
  }
  return { contents, dtype };
}

/** Adds the loss and training settings, checked. */
function finish(
  contents: NetworkContents,
  loss: string | undefined,
  training: string | undefined,
  source: string,
): NetworkContents {
  if (loss !== undefined) {
    if (!LOSSES_KNOWN.includes(loss)) {
      fail(source, `loss must be "mse" or "softmax", found "${loss}"`);
    }
    contents.loss = loss as LossName;
  }
  if (training !== undefined) {
    let settings: unknown;
    try {
      settings = JSON.parse(training);
    } catch (error) {
      fail(
        source,
        `training settings are not valid JSON (${(error as Error).message})`,
      );
    }
    if (
      typeof settings !== "object" || settings === null ||
      Array.isArray(settings)
    ) {
      fail(
        source,
        `training settings must be a JSON object, found ${training}`,
      );
    }
    contents.training = settings as TrainSettings;
  }
  return contents;
}

/**
 * What is wrong with `data` if it holds a value that is not finite (at
 * (row, column) of a matrix `cols` wide, or at an index when `cols` is 0),
 * else `undefined`.
 */
function nonFinite(
  name: string,
  data: FloatArray,
  cols: number,
): string | undefined {
  const at = firstNonFinite(data, 0, data.length);
  if (at < 0) return undefined;
  const where = cols > 0 ? `(${Math.floor(at / cols)}, ${at % cols})` : `${at}`;
  return `${name} holds ${data[at]} at ${where}`;
}

/**
 * Throws a `RangeError` unless `contents` would load back: finite
 * parameters, and a mean image that is a `Float64Array` of D finite
 * values.
 */
function checkSavable(contents: NetworkContents): void {
  const { params, meanImage } = contents;
  for (const name of ["W1", "b1", "W2", "b2"] as const) {
    const p = params[name];
    const data = "data" in p ? p.data : p;
    const problem = nonFinite(name, data, "data" in p ? p.cols : 0);
    if (problem) {
      throw new RangeError(
        `${problem}; only finite weights can be saved (did training diverge?)`,
      );
    }
  }
  if (meanImage === undefined) return;
  const D = params.W1.cols;
  if (!(meanImage instanceof Float64Array) || meanImage.length !== D) {
    const value: unknown = meanImage;
    const convert = "; convert it with Float64Array.from(meanImage)";
    const found = value instanceof Float64Array
      ? `${value.length} values`
      : Array.isArray(value)
      ? `an Array${convert}`
      : ArrayBuffer.isView(value)
      ? `a ${value.constructor.name}${convert}`
      : String(value);
    throw new RangeError(
      `meanImage must be a Float64Array of ${D} values, one per input (D), got ${found}`,
    );
  }
  const problem = nonFinite("meanImage", meanImage, 0);
  if (problem) throw new RangeError(`${problem}; it must be finite`);
}

function fail(source: string, problem: string): never {
  throw new Error(`${source}: ${problem}`);
}
