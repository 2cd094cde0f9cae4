/**
 * CIFAR-10 over HTTP: a folder of binary batches (`data_batch_1.bin` ..
 * `test_batch.bin`) at an http(s) URL, as a static web site serves it.
 * What a browser reads, having no file system.
 *
 * @module
 */

import { type Cifar10BatchName, RECORD_BYTES } from "./batch.ts";

/**
 * How messages name a web folder of binary batches.
 *
 * @example
 * ```ts
 * import { describeWebFolder } from "./_web.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   describeWebFolder(new URL("https://example.org/cifar/")),
 *   "web folder https://example.org/cifar/ (binary batches)",
 * );
 * ```
 */
export function describeWebFolder(folder: URL): string {
  return `web folder ${folder.href} (binary batches)`;
}

/**
 * Fetches one binary batch of `imagesPerBatch` images from the folder at
 * `folder` (not yet verified: the caller checks it), reading no more than
 * such a batch's size plus one byte.
 *
 * @throws {Error} naming the batch's URL: a failed request, a status other
 *   than 200, or a body over the size.
 *
 * @example A missing batch
 * ```ts
 * import { readWebBatch } from "./_web.ts";
 * import assert from "node:assert/strict";
 *
 * const server = Deno.serve(
 *   { port: 0, hostname: "127.0.0.1", onListen() {} },
 *   () => new Response("no", { status: 404 }),
 * );
 * const url = new URL(`http://127.0.0.1:${server.addr.port}/cifar/`);
 * await assert.rejects(
 *   readWebBatch(url, "test_batch", 4),
 *   /test_batch\.bin: expected HTTP 200, found 404/,
 * );
 * await server.shutdown();
 * ```
 */
export async function readWebBatch(
  folder: URL,
  name: Cifar10BatchName,
  imagesPerBatch: number,
): Promise<Uint8Array> {
  // A folder's URL without its final slash still names the folder.
  const base = folder.pathname.endsWith("/")
    ? folder
    : new URL(`${folder.pathname}/`, folder);
  const url = new URL(`${name}.bin`, base);
  const size = imagesPerBatch * RECORD_BYTES;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(
      `missing batch ${name}: could not fetch ${url}: ${
        (error as Error).message
      }`,
    );
  }
  if (response.status !== 200 || response.body === null) {
    await response.body?.cancel();
    throw new Error(
      `missing batch ${name}: ${url}: expected HTTP 200, found ` +
        `${response.status} ${response.statusText}`.trimEnd(),
    );
  }
  // One spare byte tells an oversized batch, which verification names.
  const bytes = new Uint8Array(size + 1);
  let length = 0;
  const reader = response.body.getReader();
  try {
    while (length < bytes.length) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.length, bytes.length - length);
      bytes.set(value.subarray(0, take), length);
      length += take;
    }
  } finally {
    await reader.cancel();
  }
  return bytes.subarray(0, length);
}
