import assert from "node:assert/strict";
import { extractTarGz } from "../src/cifar10/_tar_gz.ts";

interface Entry {
  name: string;
  type?: string;
  data?: string;
  linkName?: string;
}

/** A POSIX ustar archive of `entries`, gzip-compressed. */
async function tarGz(entries: Entry[], breakChecksum = false) {
  const blocks: Uint8Array<ArrayBuffer>[] = [];
  const encoder = new TextEncoder();
  for (const { name, type = "0", data = "", linkName = "" } of entries) {
    const header = new Uint8Array(512);
    const put = (at: number, text: string) =>
      header.set(encoder.encode(text), at);
    const body: Uint8Array<ArrayBuffer> = encoder.encode(data);
    put(0, name);
    put(100, "0000644\0");
    put(124, body.length.toString(8).padStart(11, "0") + "\0");
    put(136, "00000000000\0");
    put(148, "        ");
    put(156, type);
    put(157, linkName);
    put(257, "ustar\x0000");
    const sum = header.reduce((a, b) => a + b, 0) + (breakChecksum ? 1 : 0);
    put(148, sum.toString(8).padStart(6, "0") + "\0 ");
    blocks.push(header);
    const padded = new Uint8Array(Math.ceil(body.length / 512) * 512);
    padded.set(body);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const gz = new Blob(blocks).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(gz).arrayBuffer());
}

async function extract(archive: Uint8Array) {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/archive.tar.gz`;
  await Deno.writeFile(file, archive);
  await Deno.mkdir(`${dir}/out`);
  return { dir, run: () => extractTarGz(file, `${dir}/out`) };
}

Deno.test("extracts files and folders", async () => {
  const { dir, run } = await extract(
    await tarGz([
      { name: "top/", type: "5" },
      { name: "top/a.txt", data: "alpha" },
      { name: "top/sub/b.bin", data: "x".repeat(1500) },
      { name: "top/empty" },
    ]),
  );
  try {
    await run();
    assert.equal(await Deno.readTextFile(`${dir}/out/top/a.txt`), "alpha");
    assert.equal(
      await Deno.readTextFile(`${dir}/out/top/sub/b.bin`),
      "x".repeat(1500),
    );
    assert.equal(await Deno.readTextFile(`${dir}/out/top/empty`), "");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("refuses paths that leave the folder", async () => {
  for (const name of ["../evil.txt", "/etc/evil", "a/../../evil"]) {
    const { dir, run } = await extract(await tarGz([{ name, data: "x" }]));
    try {
      await assert.rejects(
        run(),
        new Error(
          `tar entry '${name}': expected a relative path inside the archive`,
        ),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("refuses links", async () => {
  const { dir, run } = await extract(
    await tarGz([{ name: "link", type: "2", linkName: "/etc/passwd" }]),
  );
  try {
    await assert.rejects(
      run(),
      new Error("tar entry link has type '2'; expected a file or folder"),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("detects a corrupt header and a truncated archive", async () => {
  const bad = await extract(await tarGz([{ name: "a", data: "a" }], true));
  const whole = await tarGz([{ name: "a", data: "y".repeat(3000) }]);
  // Re-compress only the first 1,000 bytes of the tar stream.
  const tar = new Uint8Array(
    await new Response(
      new Blob([whole]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const cut = await extract(
    new Uint8Array(
      await new Response(
        new Blob([tar.subarray(0, 1000)]).stream().pipeThrough(
          new CompressionStream("gzip"),
        ),
      ).arrayBuffer(),
    ),
  );
  try {
    await assert.rejects(bad.run(), /tar header checksum mismatch: expected/);
    await assert.rejects(
      cut.run(),
      new Error("tar archive truncated: expected 3000 more bytes, found 488"),
    );
  } finally {
    await Deno.remove(bad.dir, { recursive: true });
    await Deno.remove(cut.dir, { recursive: true });
  }
});
