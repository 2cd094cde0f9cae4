/**
 * Downloads an official CIFAR-10 archive from the University of Toronto,
 * checks its md5 and unpacks it, all inside a temporary folder that is
 * renamed into place only once complete, so a failure leaves nothing.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { BATCH_FOLDER_NAMES, type BatchFormat } from "./_folder.ts";
import { pathKind } from "./_path_kind.ts";
import { progressReporter } from "../plot/progress.ts";
import { extractTarGz } from "./_tar_gz.ts";

/** One official archive: where it is and what it must hash to. */
interface Archive {
  url: string;
  md5: string;
}

/**
 * The official archives (REFERENCE.md: md5 and sizes as published).
 *
 * @example
 * ```ts
 * import { CIFAR10_ARCHIVES } from "./download.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(CIFAR10_ARCHIVES.binary.md5, "c32a1d4ab5d03f1284b67883e8d87530");
 * ```
 */
export const CIFAR10_ARCHIVES: Readonly<Record<BatchFormat, Archive>> = {
  binary: {
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    md5: "c32a1d4ab5d03f1284b67883e8d87530",
  },
  python: {
    url: "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
    md5: "c58f30108f718f92721af3b95e74349a",
  },
};

/** Options of {@linkcode downloadCifar10}. */
export interface Cifar10DownloadOptions {
  /** Which archive: the binary batches (default) or the Python pickles. */
  format?: BatchFormat;
  /** Folder that receives `cifar-10-batches-bin` or `-py`; default `data`. */
  dataDir?: string;
  /** Archive URL; defaults to the official one for `format`. */
  url?: string;
  /** Expected md5 (hex) of the archive; defaults to the official one. */
  md5?: string;
  /** Show download progress (see `progressReporter`); default: when stderr
   * is a terminal. */
  progress?: boolean;
}

/**
 * Makes sure `dataDir` holds the batches of one official archive,
 * downloading, verifying and unpacking it when absent. Returns the batches
 * folder. Needs `--allow-net` for the archive's host.
 *
 * @throws {Error} when the download fails or is cut off, when the md5 does
 *   not match, or when the archive lacks the batches folder; nothing is
 *   left behind in `dataDir`.
 *
 * @example An existing folder is kept as it is (no network)
 * ```ts
 * import { downloadCifar10 } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * const dataDir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dataDir}/cifar-10-batches-bin`);
 * const folder = await downloadCifar10({ dataDir });
 * assert.equal(folder, `${dataDir}/cifar-10-batches-bin`);
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function downloadCifar10(
  options: Cifar10DownloadOptions = {},
): Promise<string> {
  const format = options.format ?? "binary";
  const url = options.url ?? CIFAR10_ARCHIVES[format].url;
  const md5 = options.md5 ?? CIFAR10_ARCHIVES[format].md5;
  const dataDir = options.dataDir ?? "data";
  const folderName = BATCH_FOLDER_NAMES[format];
  const target = join(dataDir, folderName);
  if ((await pathKind(target)) !== undefined) return target;

  const createdDataDir = (await pathKind(dataDir)) === undefined;
  await Deno.mkdir(dataDir, { recursive: true });
  // Inside dataDir so that the final rename stays on one file system.
  const temp = await Deno.makeTempDir({
    dir: dataDir,
    prefix: ".cifar10-download-",
  });
  let complete = false;
  try {
    const archive = join(temp, "archive.tar.gz");
    await fetchArchive(
      url,
      archive,
      md5,
      options.progress ?? Deno.stderr.isTerminal(),
    );
    await extractTarGz(archive, temp);
    if ((await pathKind(join(temp, folderName))) !== "directory") {
      throw new Error(
        `archive ${url} has no ${folderName}/ folder; expected the ` +
          `official ${format} archive`,
      );
    }
    await Deno.rename(join(temp, folderName), target);
    complete = true;
  } finally {
    await Deno.remove(temp, { recursive: true });
    // Not recursive: only the empty folder made above goes.
    if (!complete && createdDataDir) await Deno.remove(dataDir);
  }
  return target;
}

/** Streams `url` into `file`, hashing as it goes, then checks md5 and size. */
async function fetchArchive(
  url: string,
  file: string,
  md5: string,
  progress: boolean,
): Promise<void> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(
      `download of ${url} failed: expected HTTP 200, found ` +
        `${response.status} ${response.statusText}`,
    );
  }
  const total = Number(response.headers.get("content-length") ?? NaN);
  const hash = createHash("md5");
  const bar = progress && total > 0
    ? progressReporter({ total, label: url.slice(url.lastIndexOf("/") + 1) })
    : undefined;
  let received = 0;
  using out = await Deno.open(file, { write: true, createNew: true });
  try {
    for await (const chunk of response.body) {
      hash.update(chunk);
      for (let done = 0; done < chunk.length;) {
        done += await out.write(chunk.subarray(done));
      }
      received += chunk.length;
      bar?.update(received, `${(received / 1e6).toFixed(1)} MB`);
    }
  } catch (error) {
    throw new Error(
      `download of ${url} was cut off after ${received} of ` +
        `${Number.isNaN(total) ? "?" : total} bytes: ${
          (error as Error).message
        }`,
    );
  } finally {
    bar?.finish(undefined, received);
  }
  if (!Number.isNaN(total) && received !== total) {
    throw new Error(
      `download of ${url} was cut off: expected ${total} bytes, ` +
        `found ${received}`,
    );
  }
  const digest = hash.digest("hex");
  if (digest !== md5) {
    throw new Error(
      `download of ${url} fails its checksum: expected md5 ${md5}, ` +
        `found ${digest}`,
    );
  }
}
