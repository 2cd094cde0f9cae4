/**
 * Downloads an official CIFAR-10 archive from the University of Toronto,
 * checks its md5 and unpacks it, all inside a temporary folder that is
 * renamed into place only once complete, so a failure leaves nothing.
 *
 * @module
 */

import { basename, dirname, join } from "pathe";
import { BATCH_FOLDER_NAMES, type BatchFormat } from "./_folder.ts";
import { pathKind } from "./_path_kind.ts";
import { progressReporter } from "../plot/progress.ts";
import { extractTarGz } from "./_tar_gz.ts";
import { checkOptionNames } from "../core/options.ts";

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
  /**
   * Largest archive accepted, and largest total it may unpack to; default
   * 256 MiB (the official archives are 170 MB and unpack to 185 MB).
   */
  maxBytes?: number;
}

const DOWNLOAD_OPTIONS: readonly (keyof Cifar10DownloadOptions)[] = [
  "format",
  "dataDir",
  "url",
  "md5",
  "progress",
  "maxBytes",
];

/**
 * Throws unless `options` are {@linkcode Cifar10DownloadOptions} with
 * known names and a known `format`.
 *
 * @example
 * ```ts
 * import { checkDownloadOptions } from "./download.ts";
 * import assert from "node:assert/strict";
 *
 * checkDownloadOptions({ format: "python" });
 * assert.throws(() => checkDownloadOptions({ data_dir: "x" } as never), /did you mean "dataDir"/);
 * ```
 */
export function checkDownloadOptions(options: Cifar10DownloadOptions): void {
  checkOptionNames("download", options, DOWNLOAD_OPTIONS);
  const { format, maxBytes } = options ?? {};
  if (format !== undefined && !Object.hasOwn(BATCH_FOLDER_NAMES, format)) {
    throw new RangeError(
      `download format must be "binary" or "python", got ${
        JSON.stringify(format)
      }`,
    );
  }
  if (
    maxBytes !== undefined && !(Number.isSafeInteger(maxBytes) && maxBytes > 0)
  ) {
    throw new RangeError(
      `download maxBytes must be a positive integer, got ${maxBytes}`,
    );
  }
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
  checkDownloadOptions(options);
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const format = options.format ?? "binary";
  const url = options.url ?? CIFAR10_ARCHIVES[format].url;
  const md5 = options.md5 ?? CIFAR10_ARCHIVES[format].md5;
  const dataDir = options.dataDir ?? "data";
  const folderName = BATCH_FOLDER_NAMES[format];
  const target = join(dataDir, folderName);
  if ((await pathKind(target)) !== undefined) return target;

  await fetchArchiveFolder(
    {
      url,
      algorithm: "md5",
      digest: md5,
      folder: folderName,
      what: `the official ${format} archive`,
    },
    target,
    { progress: options.progress ?? Deno.stderr.isTerminal(), maxBytes },
  );
  return target;
}

/**
 * A `.tar.gz` archive to fetch: where it is, the digest it must have, and
 * the folder in it to keep.
 */
export interface ArchiveSource {
  /** Where it is (`https:`, or `file:` for a local copy). */
  url: string;
  /** `md5` with a hex digest, or `sha512` with a base64 one (npm's integrity). */
  algorithm: "md5" | "sha512";
  /** The digest the archive must have. */
  digest: string;
  /** The archive's folder that becomes the target. */
  folder: string;
  /** What the archive is, for messages: "the official binary archive". */
  what: string;
}

/**
 * Downloads the archive `source`, checks its size and digest, unpacks it
 * and renames its `source.folder` to `target`, all inside a temporary
 * folder beside `target`: a failure leaves nothing behind (nor the
 * parent folder, when this made it). Another process that put `target`
 * in place meanwhile is as good.
 *
 * @throws {Error} when the download fails, is cut off or is over
 *   `maxBytes`, when the digest does not match, or when the archive lacks
 *   the folder.
 *
 * @example A local archive (a `file:` URL) with its sha512
 * ```ts
 * import { fetchArchiveFolder } from "./download.ts";
 * import { createHash } from "node:crypto";
 * import assert from "node:assert/strict";
 *
 * // One folder "package" holding "a.txt" ("hi"): tar blocks, gzipped.
 * const header = new Uint8Array(512);
 * const put = (text: string, at: number) =>
 *   header.set(new TextEncoder().encode(text), at);
 * put("package/a.txt", 0);
 * put("00000000002", 124);
 * put("0", 156);
 * put("        ", 148);
 * put(header.reduce((a, b) => a + b).toString(8).padStart(6, "0") + "\0", 148);
 * const data = new Uint8Array(512);
 * data.set(new TextEncoder().encode("hi"));
 * const tar = new Blob([header, data, new Uint8Array(1024)]);
 * const gzip = new Uint8Array(
 *   await new Response(tar.stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
 * );
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/p.tgz`, gzip);
 * const digest = createHash("sha512").update(gzip).digest("base64");
 * const source = {
 *   url: new URL(`file://${dir}/p.tgz`).href,
 *   algorithm: "sha512" as const,
 *   digest,
 *   folder: "package",
 *   what: "a test archive",
 * };
 * await fetchArchiveFolder(source, `${dir}/cache/p`, { progress: false, maxBytes: 1e6 });
 * assert.equal(await Deno.readTextFile(`${dir}/cache/p/a.txt`), "hi");
 * await assert.rejects(
 *   () => fetchArchiveFolder({ ...source, digest: "AAAA" }, `${dir}/other/p`, { progress: false, maxBytes: 1e6 }),
 *   /fails its checksum: expected sha512 AAAA, found /,
 * );
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["cache", "p.tgz"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function fetchArchiveFolder(
  source: ArchiveSource,
  target: string,
  options: { progress: boolean; maxBytes: number },
): Promise<void> {
  const parent = dirname(target);
  const createdParent = (await pathKind(parent)) === undefined;
  await Deno.mkdir(parent, { recursive: true });
  // Beside the target so that the final rename stays on one file system.
  const temp = await Deno.makeTempDir({
    dir: parent,
    prefix: `.${basename(target)}-download-`,
  });
  let complete = false;
  try {
    const archive = join(temp, "archive.tar.gz");
    await fetchArchive(source, archive, options.progress, options.maxBytes);
    await extractTarGz(archive, temp, options.maxBytes);
    if ((await pathKind(join(temp, source.folder))) !== "directory") {
      throw new Error(
        `archive ${source.url} has no ${source.folder}/ folder; expected ` +
          source.what,
      );
    }
    try {
      await Deno.rename(join(temp, source.folder), target);
    } catch (error) {
      if ((await pathKind(target)) !== "directory") throw error;
    }
    complete = true;
  } finally {
    await Deno.remove(temp, { recursive: true });
    // Not recursive: only the empty folder made above goes.
    if (!complete && createdParent) await Deno.remove(parent);
  }
}

/** Streams `source.url` into `file`, hashing as it goes, then checks the
 * digest and size. */
async function fetchArchive(
  source: ArchiveSource,
  file: string,
  progress: boolean,
  maxBytes: number,
): Promise<void> {
  const { url } = source;
  const response = await fetch(url);
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new Error(
      `download of ${url} failed: expected HTTP 200, found ` +
        `${response.status} ${response.statusText}`,
    );
  }
  const total = Number(response.headers.get("content-length") ?? NaN);
  const tooLarge = () =>
    new Error(
      `download of ${url} is over the limit of ${maxBytes} bytes ` +
        `(maxBytes); expected ${source.what}`,
    );
  if (total > maxBytes) {
    await response.body.cancel();
    throw tooLarge();
  }
  // Loaded when a download runs: the package is larger than this folder.
  const hash = source.algorithm === "md5"
    ? (await import("@noble/hashes/legacy.js")).md5.create()
    : (await import("@noble/hashes/sha2.js")).sha512.create();
  const bar = progress && total > 0
    ? progressReporter({ total, label: url.slice(url.lastIndexOf("/") + 1) })
    : undefined;
  let received = 0, over = false;
  const out = await Deno.open(file, { write: true, createNew: true });
  try {
    for await (const chunk of response.body) {
      if (received + chunk.length > maxBytes) {
        over = true;
        break;
      }
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
    out.close();
    bar?.finish(undefined, received);
  }
  if (over) throw tooLarge();
  if (!Number.isNaN(total) && received !== total) {
    throw new Error(
      `download of ${url} was cut off: expected ${total} bytes, ` +
        `found ${received}`,
    );
  }
  const bytes = hash.digest();
  const digest = source.algorithm === "md5"
    ? Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")
    : bytes.toBase64();
  if (digest !== source.digest) {
    throw new Error(
      `download of ${url} fails its checksum: expected ${source.algorithm} ` +
        `${source.digest}, found ${digest}`,
    );
  }
}
