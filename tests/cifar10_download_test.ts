import assert from "node:assert/strict";
import { loadCifar10 } from "../mod.ts";
import { downloadCifar10 } from "../src/cifar10/mod.ts";
import {
  EXPECTED,
  fixtureLabel,
  fixturePixel,
  FIXTURES,
  IMAGES,
} from "./cifar10_fixture.ts";

const BINARY_ARCHIVE = await Deno.readFile(
  `${FIXTURES}/cifar-10-binary.tar.gz`,
);
const PYTHON_ARCHIVE = await Deno.readFile(
  `${FIXTURES}/cifar-10-python.tar.gz`,
);
const BINARY_MD5 = EXPECTED.archiveMd5["cifar-10-binary.tar.gz"];
const PYTHON_MD5 = EXPECTED.archiveMd5["cifar-10-python.tar.gz"];

/**
 * Serves the fixture archives on 127.0.0.1: `/binary` and `/python` whole,
 * `/cut` announcing the binary archive's full length but stopping halfway.
 */
async function withServer(
  run: (base: string, requests: string[]) => Promise<void>,
) {
  const requests: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request) => {
      const path = new URL(request.url).pathname;
      requests.push(path);
      if (path === "/binary") return new Response(BINARY_ARCHIVE);
      if (path === "/python") return new Response(PYTHON_ARCHIVE);
      if (path === "/cut") {
        const half = BINARY_ARCHIVE.subarray(0, BINARY_ARCHIVE.length >> 1);
        return new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(half);
            },
            // Drop the connection once the first half has gone out.
            async pull(controller) {
              await new Promise((resolve) => setTimeout(resolve, 50));
              controller.error(new Error("connection dropped"));
            },
          }),
          { headers: { "content-length": String(BINARY_ARCHIVE.length) } },
        );
      }
      return new Response("not here", { status: 404 });
    },
  );
  try {
    await run(`http://127.0.0.1:${server.addr.port}`, requests);
  } finally {
    await server.shutdown();
  }
}

async function withDataDir(run: (dataDir: string) => Promise<void>) {
  const parent = await Deno.makeTempDir({ prefix: "cifar10-download-" });
  try {
    await run(`${parent}/data`);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}

function entries(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("downloads, checks and unpacks the binary archive", async () => {
  await withServer(async (base, requests) => {
    await withDataDir(async (dataDir) => {
      const download = { dataDir, url: `${base}/binary`, md5: BINARY_MD5 };
      const data = await loadCifar10({
        source: "official",
        download,
        expected: EXPECTED,
      });
      assert.equal(
        data.source,
        `folder ${dataDir}/cifar-10-batches-bin (binary batches)`,
      );
      assert.deepEqual(entries(dataDir), ["cifar-10-batches-bin"]);
      assert.deepEqual(entries(`${dataDir}/cifar-10-batches-bin`), [
        "batches.meta.txt",
        "data_batch_1.bin",
        "data_batch_2.bin",
        "data_batch_3.bin",
        "data_batch_4.bin",
        "data_batch_5.bin",
        "test_batch.bin",
      ]);
      assert.equal(data.yTest[1], fixtureLabel(5 * IMAGES + 1));
      assert.equal(
        data.XTest.get(1, 3 * 7),
        fixturePixel(5 * IMAGES + 1, 0, 7),
      );
      // Present now: a second call downloads nothing.
      await loadCifar10({ source: "official", download, expected: EXPECTED });
      assert.deepEqual(requests, ["/binary"]);
    });
  });
});

Deno.test("downloads the Python archive on request", async () => {
  await withServer(async (base) => {
    await withDataDir(async (dataDir) => {
      const data = await loadCifar10({
        source: "official",
        download: {
          dataDir,
          format: "python",
          url: `${base}/python`,
          md5: PYTHON_MD5,
        },
        expected: EXPECTED,
      });
      assert.equal(
        data.source,
        `folder ${dataDir}/cifar-10-batches-py (Python 2 pickles)`,
      );
      assert.deepEqual(
        [...data.yTrain.slice(0, 5)],
        [0, 1, 2, 3, 4].map(fixtureLabel),
      );
    });
  });
});

Deno.test("a download cut off midway leaves no folder", async () => {
  await withServer(async (base) => {
    await withDataDir(async (dataDir) => {
      await assert.rejects(
        downloadCifar10({ dataDir, url: `${base}/cut`, md5: BINARY_MD5 }),
        new RegExp(
          `download of ${base}/cut was cut off after ` +
            `${BINARY_ARCHIVE.length >> 1} of ${BINARY_ARCHIVE.length} bytes`,
        ),
      );
      // data/ did not exist before, so it is gone again.
      assert.throws(() => Deno.statSync(dataDir), Deno.errors.NotFound);
    });
  });
});

Deno.test("a cut-off download keeps an existing data folder clean", async () => {
  await withServer(async (base) => {
    await withDataDir(async (dataDir) => {
      await Deno.mkdir(dataDir);
      await Deno.writeTextFile(`${dataDir}/README.md`, "mine");
      await assert.rejects(
        downloadCifar10({ dataDir, url: `${base}/cut`, md5: BINARY_MD5 }),
        /was cut off/,
      );
      assert.deepEqual(entries(dataDir), ["README.md"]);
    });
  });
});

Deno.test("an archive with the wrong md5 is rejected", async () => {
  await withServer(async (base) => {
    await withDataDir(async (dataDir) => {
      await assert.rejects(
        downloadCifar10({ dataDir, url: `${base}/binary`, md5: PYTHON_MD5 }),
        new RegExp(
          `download of ${base}/binary fails its checksum: expected md5 ` +
            `${PYTHON_MD5}, found ${BINARY_MD5}`,
        ),
      );
      assert.throws(() => Deno.statSync(dataDir), Deno.errors.NotFound);
    });
  });
});

Deno.test("an archive without the batches folder is rejected", async () => {
  await withServer(async (base) => {
    await withDataDir(async (dataDir) => {
      await assert.rejects(
        downloadCifar10({
          dataDir,
          format: "python",
          url: `${base}/binary`,
          md5: BINARY_MD5,
        }),
        /has no cifar-10-batches-py\/ folder; expected the official python archive/,
      );
      assert.throws(() => Deno.statSync(dataDir), Deno.errors.NotFound);
    });
  });
});

Deno.test("an HTTP error is reported", async () => {
  await withServer(async (base) => {
    await withDataDir(async (dataDir) => {
      await assert.rejects(
        downloadCifar10({ dataDir, url: `${base}/missing` }),
        new RegExp(
          `download of ${base}/missing failed: expected HTTP 200, found 404`,
        ),
      );
      assert.throws(() => Deno.statSync(dataDir), Deno.errors.NotFound);
    });
  });
});
