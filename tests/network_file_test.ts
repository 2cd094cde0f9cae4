import assert from "node:assert/strict";
import { RandomState, TwoLayerNet } from "../mod.ts";
import { encodeNpy } from "../src/nn/_npy.ts";
import { encodeSafetensors } from "../src/nn/_safetensors.ts";
import { writeZip } from "../src/nn/_zip.ts";

const FIXTURES = new URL("./fixtures/networks/", import.meta.url);
const expected = JSON.parse(
  await Deno.readTextFile(new URL("expected.json", FIXTURES)),
);
const fixture = (name: string) => new URL(name, FIXTURES).pathname;

function net(dtype: "float64" | "float32" = "float64") {
  return new TwoLayerNet(5, 4, 3, {
    std: 1,
    rng: new RandomState(3),
    loss: "softmax",
    dtype,
  });
}

async function withTempDir(body: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir();
  try {
    await body(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const extension of [".safetensors", ".npz"]) {
  for (const dtype of ["float64", "float32"] as const) {
    Deno.test(`${extension} ${dtype}: save and load give the same network`, async () => {
      await withTempDir(async (dir) => {
        const original = net(dtype);
        original.meanImage = new Float64Array([1.5, 2, 3, 4, 130.25]);
        original.trainingSettings = { learningRate: 1e-3, optimizer: "adam" };
        const path = `${dir}/net${extension}`;
        await original.save(path);
        const back = await TwoLayerNet.load(path);
        assert.deepEqual(
          [back.inputSize, back.hiddenSize, back.numClasses],
          [5, 4, 3],
        );
        assert.equal(back.lossName, "softmax");
        assert.equal(back.dtype, dtype);
        // Bit-identical: deepEqual on typed arrays of the same type.
        assert.deepEqual(back.params, original.params);
        assert.deepEqual(back.meanImage, original.meanImage);
        assert.deepEqual(back.trainingSettings, original.trainingSettings);
        const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) =>
          e.name
        );
        assert.deepEqual(names, [`net${extension}`]);
      });
    });
  }
}

Deno.test("toSafetensors follows the format: header length, JSON, offsets", () => {
  const bytes = net().toSafetensors();
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal((8 + length) % 8, 0);
  const header = JSON.parse(
    new TextDecoder().decode(bytes.subarray(8, 8 + length)),
  );
  assert.deepEqual(header.W1, {
    dtype: "F64",
    shape: [4, 5],
    data_offsets: [0, 160],
  });
  assert.deepEqual(header.b2, {
    dtype: "F64",
    shape: [3],
    data_offsets: [288, 312],
  });
  assert.deepEqual(header.__metadata__, {
    format: "twolayer",
    dtype: "float64",
    loss: "softmax",
  });
  assert.equal(bytes.length, 8 + length + 312);
});

Deno.test("reads safetensors written by Python (F64 and F32)", async () => {
  const a = await TwoLayerNet.load(fixture("python.safetensors"));
  assert.equal(a.lossName, "softmax");
  assert.deepEqual([a.inputSize, a.hiddenSize, a.numClasses], [4, 3, 2]);
  for (const key of ["W1", "b1", "W2", "b2"] as const) {
    const p = a.params[key];
    assert.deepEqual(Array.from("data" in p ? p.data : p), expected[key]);
  }
  const b = await TwoLayerNet.load(fixture("python_f32.safetensors"), {
    loss: "softmax",
  });
  assert.equal(b.dtype, "float32");
  assert.equal(b.lossName, "softmax");
  assert.deepEqual(Array.from(b.params.W1.data), expected.W1_f32);
});

Deno.test("reads numpy's np.savez, np.savez_compressed and Fortran order", async () => {
  for (
    const name of ["numpy.npz", "numpy_compressed.npz", "numpy_fortran.npz"]
  ) {
    const loaded = await TwoLayerNet.load(fixture(name));
    assert.equal(loaded.lossName, "mse", name);
    assert.deepEqual(Array.from(loaded.params.W1.data), expected.W1, name);
    assert.deepEqual(Array.from(loaded.params.b2), expected.b2, name);
    assert.deepEqual(Array.from(loaded.params.W2.data), expected.W2, name);
  }
  const withMean = await TwoLayerNet.load(fixture("numpy.npz"));
  assert.deepEqual(Array.from(withMean.meanImage!), expected.mean_image);
});

const f64 = (n: number) => new Float64Array(n);
const tensors = {
  W1: { shape: [3, 4], data: f64(12) },
  b1: { shape: [3], data: f64(3) },
  W2: { shape: [2, 3], data: f64(6) },
  b2: { shape: [2], data: f64(2) },
};

function withHeader(header: object, data = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

Deno.test("bad safetensors files get errors naming the file and the problem", async () => {
  const good = encodeSafetensors(tensors);
  const cases: [string, Uint8Array, RegExp][] = [
    ["short", good.subarray(0, 5), /5 bytes is too short/],
    [
      "truncated",
      good.subarray(0, good.length - 8),
      /tensor b2.s data_offsets \[168, 184\] run past the end of the data \(176 bytes; truncated\?\)/,
    ],
    [
      "header",
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setBigUint64(0, 10_000n, true);
        return b;
      })(),
      /header length 10000 runs past the end of the file/,
    ],
    ["json", withHeader({}).fill(0x7b, 8), /the header is not valid JSON/],
    [
      "missing",
      encodeSafetensors({ W1: tensors.W1, b1: tensors.b1, W2: tensors.W2 }),
      /tensor b2 is missing; a network needs W1, b1, W2 and b2/,
    ],
    [
      "shape",
      encodeSafetensors({ ...tensors, W2: { shape: [2, 4], data: f64(8) } }),
      /tensor W2 has shape \[2,4\]; W1 is \[3,4\] \(H x D\), so expected \[2,3\]/,
    ],
    [
      "rank",
      encodeSafetensors({ ...tensors, b1: { shape: [3, 1], data: f64(3) } }),
      /tensor b1 must have 1 dimension, found shape \[3,1\]/,
    ],
    [
      "mixed",
      encodeSafetensors({
        ...tensors,
        b1: { shape: [3], data: new Float32Array(3) },
      }),
      /tensor b1 is float32 but W1 is float64/,
    ],
    [
      "dtype",
      withHeader({
        W1: { dtype: "I64", shape: [1, 1], data_offsets: [0, 8] },
      }, 8),
      /tensor W1 has dtype I64; expected F64 or F32/,
    ],
    [
      "overlap",
      withHeader({
        W1: { dtype: "F64", shape: [1, 1], data_offsets: [0, 8] },
        b1: { dtype: "F64", shape: [1], data_offsets: [0, 8] },
      }, 8),
      /tensor (W1|b1)'s data_offsets \[0, 8\] overlap another tensor/,
    ],
    [
      "gap",
      withHeader({
        W1: { dtype: "F64", shape: [1, 1], data_offsets: [8, 16] },
      }, 16),
      /no tensor covers data bytes 0 to 8/,
    ],
    [
      "size",
      withHeader({
        W1: { dtype: "F64", shape: [2, 1], data_offsets: [0, 8] },
      }, 8),
      /tensor W1 of F64 shape \[2,1\] needs 16 bytes, its data_offsets \[0, 8\] give 8/,
    ],
    [
      "metadata",
      withHeader({ __metadata__: { loss: 3 } }),
      /__metadata__ must be an object mapping names to strings, got a value that is not a string/,
    ],
    [
      "loss",
      encodeSafetensors(tensors, { loss: "hinge" }),
      /loss must be "mse" or "softmax", found "hinge"/,
    ],
  ];
  await withTempDir(async (dir) => {
    for (const [name, bytes, message] of cases) {
      const path = `${dir}/${name}.safetensors`;
      await Deno.writeFile(path, bytes);
      await assert.rejects(
        TwoLayerNet.load(path),
        (error: Error) => {
          assert.ok(error.message.startsWith(path + ": "), error.message);
          assert.match(error.message, message);
          return true;
        },
        name,
      );
    }
  });
  assert.throws(
    () => TwoLayerNet.fromSafetensors(good.subarray(0, 100)),
    /^Error: safetensors bytes: not a valid safetensors file: header length/,
  );
});

Deno.test("bad npz files get errors naming the file and the problem", async () => {
  const npy = (shape: number[], data: Float64Array | Float32Array) =>
    encodeNpy({ shape, data });
  const members = (changes: Record<string, Uint8Array | undefined>) =>
    writeZip(
      Object.entries({
        "W1.npy": npy([3, 4], f64(12)),
        "b1.npy": npy([3], f64(3)),
        "W2.npy": npy([2, 3], f64(6)),
        "b2.npy": npy([2], f64(2)),
        ...changes,
      }).filter((e): e is [string, Uint8Array] => e[1] !== undefined),
    );
  const good = members({});
  const corrupt = good.slice();
  corrupt[60] ^= 0xff; // inside W1's data
  const cases: [string, Uint8Array, RegExp][] = [
    [
      "truncated",
      good.subarray(0, good.length - 30),
      /not a valid zip archive: no end-of-directory record/,
    ],
    ["crc", corrupt, /member W1.npy fails its CRC check/],
    ["missing", members({ "b1.npy": undefined }), /tensor b1 is missing/],
    [
      "shape",
      members({ "b2.npy": npy([3], f64(3)) }),
      /tensor b2 has shape \[3\]; .* expected \[2\]/,
    ],
    [
      "dtype",
      members({ "W2.npy": npy([2, 3], new Float32Array(6)) }),
      /tensor W2 is float32 but W1 is float64/,
    ],
    [
      "npy",
      members({ "W1.npy": new Uint8Array(12) }),
      /member W1.npy: not a valid .npy array: it does not start with the .npy magic string/,
    ],
    [
      "mean",
      members({ "mean_image.npy": npy([3], f64(3)) }),
      /tensor mean_image has shape \[3\]; expected \[4\]/,
    ],
  ];
  await withTempDir(async (dir) => {
    for (const [name, bytes, message] of cases) {
      const path = `${dir}/${name}.npz`;
      await Deno.writeFile(path, bytes);
      await assert.rejects(TwoLayerNet.load(path), (error: Error) => {
        assert.ok(error.message.startsWith(path + ": "), error.message);
        assert.match(error.message, message);
        return true;
      }, name);
    }
  });
});

Deno.test("reads are bounded: missing, not a file, too large, unknown extension", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      TwoLayerNet.load(`${dir}/none.safetensors`),
      new RegExp(
        `^Error: ${dir}/none.safetensors: no such file; expected a network file of at most 536870912 bytes$`,
      ),
    );
    await Deno.mkdir(`${dir}/folder.npz`);
    await assert.rejects(
      TwoLayerNet.load(`${dir}/folder.npz`),
      /folder\.npz: not a regular file/,
    );
    const path = `${dir}/net.safetensors`;
    await net().save(path);
    const { size } = await Deno.stat(path);
    await assert.rejects(
      TwoLayerNet.load(path, { maxBytes: size - 1 }),
      new RegExp(
        `net.safetensors: ${size} bytes is over the limit of ${size - 1} bytes`,
      ),
    );
    assert.equal(
      (await TwoLayerNet.load(path, { maxBytes: size })).hiddenSize,
      4,
    );
    await assert.rejects(
      TwoLayerNet.load(`${dir}/net.json`),
      /net\.json: unknown network file extension "\.json"; expected \.safetensors or \.npz/,
    );
  });
});

Deno.test("a failed save leaves no file behind", async () => {
  await withTempDir(async (dir) => {
    // Renaming onto a non-empty folder fails after the temporary file is written.
    await Deno.mkdir(`${dir}/net.npz/inside`, { recursive: true });
    await assert.rejects(
      net().save(`${dir}/net.npz`),
      /net\.npz: could not save the network/,
    );
    await assert.rejects(
      net().save(`${dir}/net.txt`),
      /unknown network file extension/,
    );
    await assert.rejects(
      net().save(`${dir}/missing/net.safetensors`),
      /could not save/,
    );
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["net.npz"]);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(`${dir}/net.npz`))).map((e) =>
        e.name
      ),
      ["inside"],
    );
  });
});
