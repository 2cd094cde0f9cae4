/**
 * Unpacks a `.tar.gz` with Deno's built-in gzip stream and a small tar
 * reader: regular files and folders only, paths kept inside the target.
 * (npm's `tar` needs `--allow-sys` for the process uid; this needs only
 * read and write access.)
 *
 * @module
 */

import { dirname, join } from "pathe";

const BLOCK = 512;
const latin1 = new TextDecoder("latin1");

/**
 * Extracts the gzip-compressed tar archive `file` into the folder `dir`,
 * refusing to unpack more than `maxBytes` in all (a decompression bomb
 * stops there).
 *
 * @throws {Error} for a corrupt or truncated archive, a header checksum
 *   mismatch, an entry that is not a file or folder (links are refused), a
 *   path that would leave `dir`, or more than `maxBytes` unpacked.
 *
 * @example A one-file archive, built here
 * ```ts
 * import { extractTarGz } from "./_tar_gz.ts";
 * import assert from "node:assert/strict";
 *
 * // A tar header (name, size in octal, regular file, checksum), the data
 * // padded to a block, then two empty blocks; gzip-compressed.
 * const header = new Uint8Array(512);
 * const put = (text: string, at: number) =>
 *   header.set(new TextEncoder().encode(text), at);
 * put("hello.txt", 0);
 * put("00000000005", 124);
 * put("0", 156);
 * put("        ", 148); // the checksum counts itself as spaces
 * put(header.reduce((a, b) => a + b).toString(8).padStart(6, "0") + "\0", 148);
 * const data = new Uint8Array(512);
 * data.set(new TextEncoder().encode("hello"));
 * const tar = new Blob([header, data, new Uint8Array(1024)]);
 * const gzip = tar.stream().pipeThrough(new CompressionStream("gzip"));
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/hello.tar.gz`, gzip);
 * await extractTarGz(`${dir}/hello.tar.gz`, `${dir}/out`);
 * assert.equal(await Deno.readTextFile(`${dir}/out/hello.txt`), "hello");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function extractTarGz(
  file: string | URL,
  dir: string,
  maxBytes = Infinity,
): Promise<void> {
  let unpacked = 0;
  // Disposed of in the end as `using` would (Node 20 cannot parse `using`).
  const input = await Deno.open(file);
  const reader = new ExactReader(
    input.readable.pipeThrough(new DecompressionStream("gzip")).getReader(),
  );
  try {
    let longName: string | undefined;
    while (true) {
      const header = await reader.read(BLOCK);
      if (header === undefined || header.every((b) => b === 0)) return;
      checkHeader(header);
      const size = octal(header, 124, 12);
      const type = String.fromCharCode(header[156] || 0x30);
      const name = longName ?? headerName(header);
      longName = undefined;
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      unpacked += padded;
      if (unpacked > maxBytes) {
        throw new Error(
          `tar.gz archive ${file} unpacks to more than ${maxBytes} bytes ` +
            `(at entry ${name}); expected at most that`,
        );
      }
      if (type === "L" || type === "x") {
        // GNU long name, or a pax header that may carry the path.
        const data = await reader.need(padded);
        const text = latin1.decode(data.subarray(0, size));
        longName = type === "L"
          ? text.replace(/\0.*$/s, "")
          : /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text)?.[1];
      } else if (type === "g") {
        await reader.need(padded);
      } else if (type === "5") {
        await Deno.mkdir(safePath(dir, name), { recursive: true });
      } else if (type === "0") {
        const path = safePath(dir, name);
        await Deno.mkdir(dirname(path), { recursive: true });
        const out = await Deno.open(path, { write: true, createNew: true });
        try {
          for (let left = size; left > 0;) {
            const chunk = await reader.need(Math.min(left, 1 << 20));
            for (let done = 0; done < chunk.length;) {
              done += await out.write(chunk.subarray(done));
            }
            left -= chunk.length;
          }
        } finally {
          out[Symbol.dispose]();
        }
        await reader.need(padded - size);
      } else {
        throw new Error(
          `tar entry ${name} has type '${type}'; expected a file or folder`,
        );
      }
    }
  } finally {
    await reader.cancel();
    input[Symbol.dispose]();
  }
}

/** Reads exact byte counts from a stream of chunks. */
class ExactReader {
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #buffer: Uint8Array = new Uint8Array(0);
  #done = false;

  constructor(reader: ReadableStreamDefaultReader<Uint8Array>) {
    this.#reader = reader;
  }

  /** `count` bytes, or `undefined` at a clean end of the stream. */
  async read(count: number): Promise<Uint8Array | undefined> {
    while (this.#buffer.length < count && !this.#done) {
      const { value, done } = await this.#reader.read();
      if (done) this.#done = true;
      else if (this.#buffer.length === 0) this.#buffer = value;
      else {
        const joined = new Uint8Array(this.#buffer.length + value.length);
        joined.set(this.#buffer);
        joined.set(value, this.#buffer.length);
        this.#buffer = joined;
      }
    }
    if (this.#buffer.length === 0) return undefined;
    if (this.#buffer.length < count) {
      throw new Error(
        `tar archive truncated: expected ${count} more bytes, found ` +
          `${this.#buffer.length}`,
      );
    }
    const out = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    return out;
  }

  /** `count` bytes; the end of the stream is an error. */
  async need(count: number): Promise<Uint8Array> {
    if (count === 0) return new Uint8Array(0);
    const bytes = await this.read(count);
    if (bytes === undefined) {
      throw new Error(`tar archive truncated: expected ${count} more bytes`);
    }
    return bytes;
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

function checkHeader(header: Uint8Array): void {
  const stored = octal(header, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) {
    // The checksum field itself counts as eight spaces.
    sum += i >= 148 && i < 156 ? 0x20 : header[i];
  }
  if (sum !== stored) {
    throw new Error(
      `tar header checksum mismatch: expected ${stored}, found ${sum}`,
    );
  }
}

function text(header: Uint8Array, start: number, length: number): string {
  const field = header.subarray(start, start + length);
  const end = field.indexOf(0);
  return latin1.decode(end < 0 ? field : field.subarray(0, end));
}

function octal(header: Uint8Array, start: number, length: number): number {
  const digits = text(header, start, length).trim();
  if (!/^[0-7]+$/.test(digits)) {
    throw new Error(
      `tar header field at ${start}: expected octal digits, found '${digits}'`,
    );
  }
  return parseInt(digits, 8);
}

function headerName(header: Uint8Array): string {
  const name = text(header, 0, 100);
  const prefix = text(header, 257, 6) === "ustar" ? text(header, 345, 155) : "";
  return prefix ? `${prefix}/${name}` : name;
}

/** `dir/name`, refusing absolute names and `..` segments. */
function safePath(dir: string, name: string): string {
  const parts = name.split("/").filter((part) => part !== "" && part !== ".");
  if (name.startsWith("/") || parts.includes("..") || parts.length === 0) {
    throw new Error(
      `tar entry '${name}': expected a relative path inside the archive`,
    );
  }
  return join(dir, ...parts);
}
