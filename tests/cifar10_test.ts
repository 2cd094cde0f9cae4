import assert from "node:assert/strict";
import { CIFAR10_CLASSES, getCifar10Data, loadCifar10 } from "../mod.ts";
import {
  CIFAR10_BATCHES,
  exportCifar10Binary,
  writeTinyCifar10,
} from "../src/cifar10/mod.ts";
import type { Matrix } from "../src/core/matrix.ts";
import {
  copyFixtureFolder,
  EXPECTED,
  fixtureLabel,
  fixturePixel,
  FIXTURES,
  IMAGES,
} from "./cifar10_fixture.ts";

const BIN = `${FIXTURES}/cifar-10-batches-bin`;
const PY = `${FIXTURES}/cifar-10-batches-py`;

/** Asserts rows `X` hold fixture images from `firstImage`, minus `mean`. */
function assertFixtureRows(
  X: Matrix,
  firstImage: number,
  mean = new Float64Array(3072),
) {
  assert.equal(X.cols, 3072);
  for (let i = 0; i < X.rows; i++) {
    for (let p = 0; p < 1024; p++) {
      for (let c = 0; c < 3; c++) {
        const want = fixturePixel(firstImage + i, c, p) - mean[3 * p + c];
        if (X.get(i, 3 * p + c) !== want) {
          assert.fail(
            `row ${i} pixel ${p} channel ${c}: expected ${want}, found ${
              X.get(i, 3 * p + c)
            }`,
          );
        }
      }
    }
  }
}

function fixtureLabels(first: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => fixtureLabel(first + i));
}

async function removeAll(dir: string) {
  await Deno.remove(dir, { recursive: true });
}

Deno.test("loadCifar10 decodes the binary fixtures pixel-major", async () => {
  const data = await loadCifar10({ dir: BIN, expected: EXPECTED });
  assert.deepEqual(data.XTrain.shape, [5 * IMAGES, 3072]);
  assert.deepEqual(data.XTest.shape, [IMAGES, 3072]);
  assertFixtureRows(data.XTrain, 0);
  assertFixtureRows(data.XTest, 5 * IMAGES);
  assert.deepEqual([...data.yTrain], fixtureLabels(0, 5 * IMAGES));
  assert.deepEqual([...data.yTest], fixtureLabels(5 * IMAGES, IMAGES));
  assert.deepEqual(data.classNames, CIFAR10_CLASSES);
  assert.equal(data.source, `folder ${BIN} (binary batches)`);
  // Spot value: image 2, pixel 5, blue = (74 + 170 + 35) % 256.
  assert.equal(data.XTrain.get(2, 3 * 5 + 2), 23);
});

Deno.test("loadCifar10 reads the Python pickles to the same data", async () => {
  const py = await loadCifar10({ dir: PY, expected: EXPECTED });
  const bin = await loadCifar10({ dir: BIN, expected: EXPECTED });
  assert.equal(py.source, `folder ${PY} (Python 2 pickles)`);
  assertFixtureRows(py.XTrain, 0);
  assert.deepEqual(py.XTrain.data, bin.XTrain.data);
  assert.deepEqual(py.XTest.data, bin.XTest.data);
  assert.deepEqual(py.yTrain, bin.yTrain);
  assert.deepEqual(py.yTest, bin.yTest);
});

Deno.test("a folder holding the batches folder is accepted", async () => {
  // Both layouts present: binary is read (same data, no parsing).
  const both = await loadCifar10({ dir: FIXTURES, expected: EXPECTED });
  assert.equal(both.source, `folder ${BIN} (binary batches)`);
  const dir = await copyFixtureFolder("cifar-10-batches-py");
  try {
    const py = await loadCifar10({ dir, expected: EXPECTED });
    assert.equal(
      py.source,
      `folder ${dir}/cifar-10-batches-py (Python 2 pickles)`,
    );
    assertFixtureRows(py.XTest, 5 * IMAGES);
  } finally {
    await removeAll(dir);
  }
});

Deno.test("CIFAR10_DIR and data/ are found without options", async () => {
  const dataDir = await copyFixtureFolder("cifar-10-batches-py");
  const previous = Deno.env.get("CIFAR10_DIR");
  try {
    // data/ (here: the download option's dataDir) when nothing is named.
    Deno.env.delete("CIFAR10_DIR");
    const fromData = await loadCifar10({
      download: { dataDir },
      expected: EXPECTED,
    });
    assert.equal(
      fromData.source,
      `folder ${dataDir}/cifar-10-batches-py (Python 2 pickles)`,
    );
    // CIFAR10_DIR comes before data/.
    Deno.env.set("CIFAR10_DIR", BIN);
    const fromEnv = await loadCifar10({
      download: { dataDir },
      expected: EXPECTED,
    });
    assert.equal(fromEnv.source, `folder ${BIN} (binary batches)`);
    Deno.env.set("CIFAR10_DIR", dataDir + "/nothing-here");
    await assert.rejects(
      loadCifar10({ expected: EXPECTED }),
      /no CIFAR-10 batches in .*nothing-here \(from CIFAR10_DIR\): expected cifar-10-batches-py\/ or cifar-10-batches-bin\//,
    );
  } finally {
    if (previous === undefined) Deno.env.delete("CIFAR10_DIR");
    else Deno.env.set("CIFAR10_DIR", previous);
    await removeAll(dataDir);
  }
});

Deno.test("source 'folder' without a folder is an error", async () => {
  const empty = await Deno.makeTempDir();
  const previous = Deno.env.get("CIFAR10_DIR");
  Deno.env.delete("CIFAR10_DIR");
  try {
    await assert.rejects(
      loadCifar10({ source: "folder", download: { dataDir: empty } }),
      /no CIFAR-10 folder: expected a dir option, CIFAR10_DIR, or .*cifar-10-batches-py or -bin/,
    );
  } finally {
    if (previous !== undefined) Deno.env.set("CIFAR10_DIR", previous);
    await removeAll(empty);
  }
});

Deno.test("getCifar10Data splits and centres like the workbook", async () => {
  const numTraining = 13;
  const numValidation = 5;
  const numTest = 3;
  const data = await getCifar10Data({
    dir: PY,
    expected: EXPECTED,
    numTraining,
    numValidation,
    numTest,
  });
  // The mean of the first 13 training images, computed from the formula.
  const mean = new Float64Array(3072);
  for (let p = 0; p < 1024; p++) {
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (let i = 0; i < numTraining; i++) sum += fixturePixel(i, c, p);
      mean[3 * p + c] = sum / numTraining;
    }
  }
  assert.deepEqual(data.meanImage, mean);
  assert.deepEqual(data.XTrain.shape, [numTraining, 3072]);
  assert.deepEqual(data.XVal.shape, [numValidation, 3072]);
  assert.deepEqual(data.XTest.shape, [numTest, 3072]);
  assertFixtureRows(data.XTrain, 0, mean);
  assertFixtureRows(data.XVal, numTraining, mean);
  assertFixtureRows(data.XTest, 5 * IMAGES, mean);
  assert.deepEqual([...data.yTrain], fixtureLabels(0, numTraining));
  assert.deepEqual([...data.yVal], fixtureLabels(numTraining, numValidation));
  assert.deepEqual([...data.yTest], fixtureLabels(5 * IMAGES, numTest));
});

Deno.test("getCifar10Data rejects splits that do not fit", async () => {
  const options = { dir: BIN, expected: EXPECTED };
  await assert.rejects(
    getCifar10Data({ ...options, numTraining: 18, numValidation: 3 }),
    new RangeError("numValidation must be an integer in 0..2, found 3"),
  );
  await assert.rejects(
    getCifar10Data({ ...options, numTraining: 0 }),
    new RangeError("numTraining must be an integer in 1..20, found 0"),
  );
  await assert.rejects(
    getCifar10Data({
      ...options,
      numTraining: 10,
      numValidation: 0,
      numTest: 5,
    }),
    new RangeError("numTest must be an integer in 0..4, found 5"),
  );
});

/** Rewrites one file of a copied fixture folder. */
async function corrupt(
  folder: "cifar-10-batches-py" | "cifar-10-batches-bin",
  file: string,
  change: (bytes: Uint8Array) => Uint8Array,
): Promise<string> {
  const dir = await copyFixtureFolder(folder);
  const path = `${dir}/${folder}/${file}`;
  await Deno.writeFile(path, change(await Deno.readFile(path)));
  return dir;
}

async function assertLoadFails(dir: string, message: RegExp) {
  try {
    await assert.rejects(loadCifar10({ dir, expected: EXPECTED }), message);
  } finally {
    await removeAll(dir);
  }
}

Deno.test("a truncated binary batch names expected and found sizes", async () => {
  const dir = await corrupt(
    "cifar-10-batches-bin",
    "data_batch_2.bin",
    (b) => b.subarray(0, b.length - 1),
  );
  await assertLoadFails(
    dir,
    /data_batch_2 from folder .*cifar-10-batches-bin \(binary batches\) is truncated: expected 12292 bytes \(4 records of 3073\), found 12291/,
  );
});

Deno.test("an oversized binary batch names expected and found sizes", async () => {
  const dir = await corrupt(
    "cifar-10-batches-bin",
    "test_batch.bin",
    (b) => new Uint8Array([...b, 0]),
  );
  await assertLoadFails(
    dir,
    /test_batch\.bin: 12293 bytes is over the limit of 12292 bytes; expected 12292 bytes \(a binary batch of 4 images\)/,
  );
});

Deno.test("the official sizes apply when no expectation is given", async () => {
  await assert.rejects(
    loadCifar10({ dir: BIN }),
    /data_batch_1 from .* is truncated: expected 30730000 bytes \(10000 records of 3073\), found 12292/,
  );
});

Deno.test("a label byte above 9 is rejected", async () => {
  const dir = await corrupt("cifar-10-batches-bin", "data_batch_3.bin", (b) => {
    b[3073] = 12; // label of image 1
    return b;
  });
  await assertLoadFails(
    dir,
    /data_batch_3 from .*: image 1 has label 12, expected 0..9/,
  );
});

Deno.test("a pickled label above 9 is rejected", async () => {
  const dir = await corrupt("cifar-10-batches-py", "data_batch_1", (b) => {
    const text = new TextDecoder("latin1").decode(b);
    // The labels list: 'labels', BINPUT, EMPTY_LIST, BINPUT, MARK, BININT1 0.
    const first = text.indexOf("K", text.indexOf("U\x06labels")) + 1;
    assert.equal(b[first], 0);
    b[first] = 200;
    return b;
  });
  await assertLoadFails(
    dir,
    /data_batch_1 from .*Python 2 pickles\): image 0 has label 200, expected 0..9/,
  );
});

Deno.test("a missing batch is named", async () => {
  const dir = await copyFixtureFolder("cifar-10-batches-bin");
  await Deno.remove(`${dir}/cifar-10-batches-bin/data_batch_4.bin`);
  await assertLoadFails(
    dir,
    /missing batch data_batch_4: expected .*cifar-10-batches-bin\/data_batch_4\.bin in folder/,
  );
});

Deno.test("an unknown pickle opcode is named", async () => {
  const dir = await corrupt("cifar-10-batches-py", "test_batch", (b) => {
    b[2] = 0x95; // EMPTY_DICT -> FRAME (protocol 4)
    return b;
  });
  await assertLoadFails(
    dir,
    /test_batch from .*: unsupported pickle opcode 0x95 \(FRAME\) at byte 2/,
  );
});

Deno.test("a truncated pickle says so", async () => {
  const dir = await corrupt(
    "cifar-10-batches-py",
    "data_batch_5",
    (b) => b.subarray(0, 5000),
  );
  await assertLoadFails(
    dir,
    /data_batch_5 from .*: pickle truncated: expected 12288 more bytes at byte 152, found 4848/,
  );
});

Deno.test("a checksum mismatch names batch, source and digests", async () => {
  const dir = await corrupt("cifar-10-batches-bin", "data_batch_1.bin", (b) => {
    b[100] ^= 1;
    return b;
  });
  await assertLoadFails(
    dir,
    new RegExp(
      `data_batch_1 from folder .*cifar-10-batches-bin \\(binary batches\\) ` +
        `fails its checksum: expected SHA-256 ${EXPECTED.sha256.data_batch_1}, ` +
        `found [0-9a-f]{64}`,
    ),
  );
});

Deno.test("exportCifar10Binary writes the official binary layout", async () => {
  const out = await Deno.makeTempDir();
  try {
    const folder = await exportCifar10Binary(out, {
      dir: PY,
      expected: EXPECTED,
    });
    assert.equal(folder, `${out}/cifar-10-batches-bin`);
    for await (const entry of Deno.readDir(BIN)) {
      assert.deepEqual(
        await Deno.readFile(`${folder}/${entry.name}`),
        await Deno.readFile(`${BIN}/${entry.name}`),
        entry.name,
      );
    }
    await assert.rejects(
      exportCifar10Binary(out, { dir: PY, expected: EXPECTED }),
      /cannot export to .*cifar-10-batches-bin: expected no such path, found one/,
    );
  } finally {
    await removeAll(out);
  }
});

Deno.test("a failed export leaves nothing behind", async () => {
  const dir = await corrupt(
    "cifar-10-batches-bin",
    "test_batch.bin",
    (b) => b.subarray(1),
  );
  const out = await Deno.makeTempDir();
  try {
    await assert.rejects(
      exportCifar10Binary(out, { dir, expected: EXPECTED }),
      /test_batch from .* is truncated/,
    );
    assert.deepEqual([...Deno.readDirSync(out)], []);
  } finally {
    await removeAll(dir);
    await removeAll(out);
  }
});

Deno.test("writeTinyCifar10 writes the binary fixtures byte for byte", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const expected = await writeTinyCifar10(dir);
    assert.deepEqual(expected, {
      imagesPerBatch: EXPECTED.imagesPerBatch,
      sha256: EXPECTED.sha256,
    });
    for (const name of CIFAR10_BATCHES) {
      assert.deepEqual(
        await Deno.readFile(`${dir}/cifar-10-batches-bin/${name}.bin`),
        await Deno.readFile(`${BIN}/${name}.bin`),
      );
    }
    await assert.rejects(writeTinyCifar10(dir, 0), /positive integer, got 0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
