// Issue 17: model files, search callbacks and late checks. One test per
// case, each with the message or behaviour the user now gets.
import assert from "node:assert/strict";
import {
  confusionMatrix,
  Matrix,
  RandomState,
  searchHyperparameters,
  type SearchSetting,
  TwoLayerNet,
} from "../mod.ts";
import { checkLabels } from "../src/nn/losses.ts";
import { encodeNpy } from "../src/nn/_npy.ts";
import { encodeSafetensors } from "../src/nn/_safetensors.ts";
import { crc32 } from "../src/core/crc32.ts";
import { readZip, writeZip } from "../src/nn/_zip.ts";

const FIXTURES = new URL("./fixtures/networks/", import.meta.url);
const expected = JSON.parse(
  await Deno.readTextFile(new URL("expected.json", FIXTURES)),
);

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

/** The file's names, sorted. */
async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

// ---------------------------------------------------------------- zip files

/** One member of a hand-built archive: bytes as they are to be stored. */
interface RawMember {
  name: Uint8Array;
  packed: Uint8Array;
  size: number;
  crc: number;
  method?: number;
  flags?: number;
  /** Extra field of the central directory entry. */
  extra?: Uint8Array;
  /** Sizes written in the directory entry, when not `packed.length`, `size`. */
  directorySizes?: [number, number];
}

const ascii = (s: string) => new TextEncoder().encode(s);

/** A zip archive of `members` exactly as given (headers, then directory). */
function zipOf(members: RawMember[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  for (const m of members) {
    const local = new Uint8Array(30 + m.name.length);
    const v = new DataView(local.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, 20, true);
    v.setUint16(6, m.flags ?? 0, true);
    v.setUint16(8, m.method ?? 0, true);
    v.setUint32(14, m.crc, true);
    v.setUint32(18, Math.min(m.packed.length, 0xffffffff), true);
    v.setUint32(22, Math.min(m.size, 0xffffffff), true);
    v.setUint16(26, m.name.length, true);
    local.set(m.name, 30);
    offsets.push(at);
    parts.push(local, m.packed);
    at += local.length + m.packed.length;
  }
  const directoryAt = at;
  members.forEach((m, i) => {
    const extra = m.extra ?? new Uint8Array();
    const entry = new Uint8Array(46 + m.name.length + extra.length);
    const v = new DataView(entry.buffer);
    const [packedSize, size] = m.directorySizes ?? [m.packed.length, m.size];
    v.setUint32(0, 0x02014b50, true);
    v.setUint16(4, 20, true);
    v.setUint16(6, 20, true);
    v.setUint16(8, m.flags ?? 0, true);
    v.setUint16(10, m.method ?? 0, true);
    v.setUint32(16, m.crc, true);
    v.setUint32(20, packedSize, true);
    v.setUint32(24, size, true);
    v.setUint16(28, m.name.length, true);
    v.setUint16(30, extra.length, true);
    v.setUint32(42, offsets[i], true);
    entry.set(m.name, 46);
    entry.set(extra, 46 + m.name.length);
    parts.push(entry);
    at += entry.length;
  });
  const end = new Uint8Array(22);
  const v = new DataView(end.buffer);
  v.setUint32(0, 0x06054b50, true);
  v.setUint16(8, members.length, true);
  v.setUint16(10, members.length, true);
  v.setUint32(12, at - directoryAt, true);
  v.setUint32(16, directoryAt, true);
  parts.push(end);
  const out = new Uint8Array(at + 22);
  let o = 0;
  for (const p of parts) out.set(p, o), o += p.length;
  return out;
}

/** A stored member named `name` holding `data`. */
const stored = (name: string, data: Uint8Array): RawMember => ({
  name: ascii(name),
  packed: data,
  size: data.length,
  crc: crc32(data),
});

/** The network members of a small network (D=5, H=4, C=3), stored. */
function networkMembers(): RawMember[] {
  const { W1, b1, W2, b2 } = net().params;
  return [
    stored("W1.npy", encodeNpy({ shape: W1.shape, data: W1.data })),
    stored("b1.npy", encodeNpy({ shape: [4], data: b1 })),
    stored("W2.npy", encodeNpy({ shape: W2.shape, data: W2.data })),
    stored("b2.npy", encodeNpy({ shape: [3], data: b2 })),
  ];
}

const GiB = 2 ** 30;
/** zlib.crc32(bytes(2**30)) */
const CRC_OF_1_GIB_OF_ZEROS = 0x5b64c2b0;

/** 1 GiB of zeros, deflated (about 1 MB), made once. */
const deflatedGiB = await (async () => {
  const chunk = new Uint8Array(1 << 20);
  let sent = 0;
  const zeros = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (sent++ === GiB / chunk.length) controller.close();
      else controller.enqueue(chunk);
    },
  });
  return new Uint8Array(
    await new Response(
      zeros.pipeThrough(new CompressionStream("deflate-raw")),
    ).arrayBuffer(),
  );
})();

const bomb = (name: string): RawMember => ({
  name: ascii(name),
  packed: deflatedGiB,
  size: GiB,
  crc: CRC_OF_1_GIB_OF_ZEROS,
  method: 8,
});

Deno.test("an .npz with three deflated 1 GiB members beside a network loads it, skipping them unread", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/bombs.npz`;
    const bytes = zipOf([
      bomb("a.npy"),
      bomb("b.npy"),
      ...networkMembers(),
      bomb("z.npy"),
    ]);
    await Deno.writeFile(path, bytes);
    assert.ok(bytes.length < 4_000_000, `${bytes.length} bytes`);
    const before = Deno.memoryUsage().rss;
    const loaded = await TwoLayerNet.load(path, { maxBytes: 4_000_000 });
    const grown = Deno.memoryUsage().rss - before;
    assert.deepEqual(loaded.params, { ...net().params });
    // Inflating one member would take 1 GiB.
    assert.ok(grown < 256 * 2 ** 20, `memory grew by ${grown} bytes`);
    // Read whole, the same archive is refused before the first inflate.
    await assert.rejects(readZip(bytes, path, { maxBytes: 4_000_000 }), {
      message:
        `${path}: not a valid zip archive: member a.npy holds 1073741824 bytes, and with the 0 bytes read before it that passes the limit of 4000000 bytes`,
    });
  });
});

Deno.test("a member the loader needs is refused by its declared size before it is inflated", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/w1.npz`;
    const [, ...rest] = networkMembers();
    const read = rest.reduce((sum, m) => sum + m.size, 0);
    await Deno.writeFile(path, zipOf([...rest, bomb("W1.npy")]));
    const before = Deno.memoryUsage().rss;
    for (
      const [maxBytes, limit] of [[4_000_000, 4_000_000], [
        undefined,
        512 * 2 ** 20,
      ]]
    ) {
      await assert.rejects(TwoLayerNet.load(path, { maxBytes }), {
        message:
          `${path}: not a valid zip archive: member W1.npy holds 1073741824 bytes, and with the ${read} bytes read before it that passes the limit of ${limit} bytes`,
      });
    }
    // A member that inflates past the size it declares stops there.
    const liar = { ...bomb("W1.npy"), size: 1000 };
    await Deno.writeFile(path, zipOf([...rest, liar]));
    await assert.rejects(TwoLayerNet.load(path), {
      message:
        `${path}: not a valid zip archive: member W1.npy does not inflate: it inflates past the 1000 bytes its entry declares`,
    });
    const grown = Deno.memoryUsage().rss - before;
    assert.ok(grown < 256 * 2 ** 20, `memory grew by ${grown} bytes`);
  });
});

Deno.test("numpy's .npz with int64 and string arrays, a text file and a loss history loads the network", async () => {
  const loaded = await TwoLayerNet.load(
    new URL("numpy_extras.npz", FIXTURES).pathname,
  );
  assert.deepEqual(Array.from(loaded.params.W1.data), expected.W1);
  assert.deepEqual(Array.from(loaded.params.b2), expected.b2);
  assert.deepEqual(Array.from(loaded.meanImage!), expected.mean_image);
  // `loss` holds floats (a history), not a loss name: the default stays.
  assert.equal(loaded.lossName, "mse");
  assert.equal(loaded.trainingSettings, undefined);
});

Deno.test("a loss saved as a byte string and settings as a 1-d string array are read", async () => {
  const loaded = await TwoLayerNet.load(
    new URL("numpy_loss_bytes.npz", FIXTURES).pathname,
  );
  assert.equal(loaded.lossName, "softmax");
  assert.deepEqual(loaded.trainingSettings, {
    learningRate: 0.001,
    numIters: 10,
  });
  assert.deepEqual(Array.from(loaded.params.W2.data), expected.W2);
});

Deno.test("a CP437 member name is read as numpy reads it; a false UTF-8 flag is refused naming the file", async () => {
  await withTempDir(async (dir) => {
    // "café.npy" in code page 437 (é is 0x82), without the UTF-8 flag.
    const name = Uint8Array.of(...ascii("caf"), 0x82, ...ascii(".npy"));
    const extra = encodeNpy({ shape: [1], data: new Float64Array([7]) });
    const member = { ...stored("", extra), name };
    const bytes = zipOf([...networkMembers(), member]);
    const members = await readZip(bytes, "cp437.npz");
    assert.deepEqual([...members.keys()].at(-1), "café.npy");
    const path = `${dir}/cp437.npz`;
    await Deno.writeFile(path, bytes);
    assert.equal((await TwoLayerNet.load(path)).hiddenSize, 4);

    await Deno.writeFile(
      path,
      zipOf([...networkMembers(), { ...member, flags: 0x800 }]),
    );
    await assert.rejects(TwoLayerNet.load(path), {
      message:
        `${path}: not a valid zip archive: the name of directory entry 4 is not valid UTF-8, though its flags say it is`,
    });
  });
  // Our own non-ASCII names carry the flag, so readers take them as UTF-8.
  const zip = writeZip([["é.npy", new Uint8Array(1)]]);
  assert.equal(new DataView(zip.buffer).getUint16(6, true), 0x800);
  assert.deepEqual([...(await readZip(zip, "x.npz")).keys()], ["é.npy"]);
  // All 128 characters of the upper half, as Python's cp437 codec maps them.
  const all = Uint8Array.from({ length: 128 }, (_, i) => 0x80 + i);
  const table = await readZip(
    zipOf([{ ...stored("", new Uint8Array()), name: all }]),
    "x.zip",
  );
  assert.equal(
    [...table.keys()][0],
    "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐" +
      "└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0",
  );
});

Deno.test("zip64 extra fields: read after another field, refused naming the file when cut short", async () => {
  const [W1, ...rest] = networkMembers();
  const extra = (...fields: [number, Uint8Array][]) => {
    const out = new Uint8Array(
      fields.reduce((n, [, d]) => n + 4 + d.length, 0),
    );
    const v = new DataView(out.buffer);
    let at = 0;
    for (const [id, data] of fields) {
      v.setUint16(at, id, true);
      v.setUint16(at + 2, data.length, true);
      out.set(data, at + 4);
      at += 4 + data.length;
    }
    return out;
  };
  const u64s = (...values: number[]) => {
    const out = new Uint8Array(8 * values.length);
    values.forEach((n, i) =>
      new DataView(out.buffer).setBigUint64(8 * i, BigInt(n), true)
    );
    return out;
  };
  const timestamp = extra([0x5455, Uint8Array.of(1, 0, 0, 0, 0)]);
  // W1 last, so that its entry's extra field ends the directory.
  const withZip64 = (zip64: Uint8Array) =>
    zipOf([...rest, {
      ...W1,
      directorySizes: [0xffffffff, 0xffffffff],
      extra: Uint8Array.of(...timestamp, ...zip64),
    }]);
  const good = withZip64(
    extra([1, u64s(W1.size, W1.packed.length)]),
  );
  await withTempDir(async (dir) => {
    const path = `${dir}/zip64.npz`;
    await Deno.writeFile(path, good);
    assert.deepEqual(
      (await TwoLayerNet.load(path)).params.W1.data,
      net().params.W1.data,
    );
    const cases: [Uint8Array, string][] = [
      [
        withZip64(extra([1, u64s(W1.size)])),
        "member W1.npy's zip64 extra field holds 8 bytes, but its 2 saturated size and offset fields need 16",
      ],
      [
        // A field whose declared length runs past the entry.
        withZip64(
          extra([1, u64s(W1.size, W1.packed.length)])
            .map((b, i) => i === 2 ? 40 : b),
        ),
        "member W1.npy's extra field 0x0001 declares 40 bytes, but only 16 are left in its entry",
      ],
    ];
    for (const [bytes, problem] of cases) {
      await Deno.writeFile(path, bytes);
      await assert.rejects(TwoLayerNet.load(path), {
        name: "Error",
        message: `${path}: not a valid zip archive: ${problem}`,
      });
    }
  });
});

// ----------------------------------------------------------------- saving

Deno.test("save refuses a mean image that would not load back", async () => {
  await withTempDir(async (dir) => {
    const cases: [unknown, string][] = [
      [new Float64Array(4), "got 4 values"],
      [
        [1, 2, 3, 4, 5],
        "got an Array; convert it with Float64Array.from(meanImage)",
      ],
      [
        new Float32Array(5),
        "got a Float32Array; convert it with Float64Array.from(meanImage)",
      ],
    ];
    for (const [meanImage, found] of cases) {
      for (const extension of [".safetensors", ".npz"]) {
        const n = net();
        n.meanImage = meanImage as Float64Array;
        const path = `${dir}/net${extension}`;
        await assert.rejects(n.save(path), {
          message:
            `${path}: could not save the network: meanImage must be a Float64Array of 5 values, one per input (D), ${found}`,
        });
      }
    }
    const n = net();
    n.meanImage = new Float64Array([1, 2, NaN, 4, 5]);
    assert.throws(() => n.toSafetensors(), {
      name: "RangeError",
      message: "meanImage holds NaN at 2; it must be finite",
    });
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test("weights that are not finite are refused when saving and when loading, naming the file", async () => {
  await withTempDir(async (dir) => {
    const n = net();
    n.params.W1.set(1, 2, NaN);
    await assert.rejects(n.save(`${dir}/nan.npz`), {
      message:
        `${dir}/nan.npz: could not save the network: W1 holds NaN at (1, 2); only finite weights can be saved (did training diverge?)`,
    });
    // Files written by other tools: NaN in W1, Infinity in b2 or the mean.
    const { W1, b1, W2 } = net().params;
    const tensors = {
      W1: { shape: W1.shape, data: W1.data.slice() },
      b1: { shape: [4], data: b1 },
      W2: { shape: W2.shape, data: W2.data },
      b2: { shape: [3], data: Float64Array.of(0, 0, -Infinity) },
    };
    await Deno.writeFile(`${dir}/inf.safetensors`, encodeSafetensors(tensors));
    await assert.rejects(TwoLayerNet.load(`${dir}/inf.safetensors`), {
      message:
        `${dir}/inf.safetensors: b2 holds -Infinity at 2; a network's weights must be finite`,
    });
    tensors.W1.data[7] = NaN;
    await Deno.writeFile(
      `${dir}/nan.npz`,
      writeZip(
        Object.entries(tensors).map(([k, t]) => [`${k}.npy`, encodeNpy(t)]),
      ),
    );
    await assert.rejects(TwoLayerNet.load(`${dir}/nan.npz`), {
      message:
        `${dir}/nan.npz: W1 holds NaN at (1, 2); a network's weights must be finite`,
    });
    await Deno.writeFile(
      `${dir}/mean.npz`,
      zipOf([
        ...networkMembers(),
        stored(
          "mean_image.npy",
          encodeNpy({
            shape: [5],
            data: Float64Array.of(1, Infinity, 3, 4, 5),
          }),
        ),
      ]),
    );
    await assert.rejects(TwoLayerNet.load(`${dir}/mean.npz`), {
      message:
        `${dir}/mean.npz: mean_image holds Infinity at 1; a mean image must be finite`,
    });
  });
});

Deno.test("a legal long file name (250 bytes) saves and loads, ASCII or not", async () => {
  await withTempDir(async (dir) => {
    for (
      const name of [
        "n".repeat(238) + ".safetensors",
        "é".repeat(123) + ".npz",
      ]
    ) {
      assert.equal(
        new TextEncoder().encode(name).length,
        250,
      );
      await net().save(`${dir}/${name}`);
      assert.equal((await TwoLayerNet.load(`${dir}/${name}`)).hiddenSize, 4);
      assert.deepEqual(await names(dir), [name]);
      await Deno.remove(`${dir}/${name}`);
    }
  });
});

Deno.test("Ctrl-C (SIGINT) during save leaves no temporary file", async () => {
  await withTempDir(async (dir) => {
    // The child interrupts itself once the temporary file is written.
    const script = `
      import { TwoLayerNet } from ${
      JSON.stringify(import.meta.resolve("../mod.ts"))
    };
      const write = Deno.writeFile;
      Deno.writeFile = async (...args) => {
        await write(...args);
        console.log([...Deno.readDirSync(${JSON.stringify(dir)})].length);
        Deno.kill(Deno.pid, "SIGINT");
        await new Promise(() => {});
      };
      await new TwoLayerNet(5, 4, 3).save(${
      JSON.stringify(`${dir}/net.npz`)
    });`;
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `--config=${new URL("../deno.json", import.meta.url).pathname}`,
        "--allow-read",
        "--allow-write",
        "--allow-run",
        script,
      ],
    }).output();
    assert.equal(new TextDecoder().decode(stdout).trim(), "1");
    assert.equal(code, 130);
    assert.deepEqual(await names(dir), []);
  });
});

Deno.test("saving over an existing file keeps its permissions", {
  ignore: Deno.build.os === "windows",
}, async () => {
  await withTempDir(async (dir) => {
    for (const mode of [0o600, 0o640, 0o444]) {
      const path = `${dir}/net.safetensors`;
      await Deno.writeFile(path, new Uint8Array(1));
      await Deno.chmod(path, mode);
      await net().save(path);
      assert.equal((await Deno.stat(path)).mode! & 0o7777, mode);
      assert.equal((await TwoLayerNet.load(path)).hiddenSize, 4);
      await Deno.remove(path);
    }
  });
});

// ----------------------------------------------------------------- search

function toyData() {
  const rng = new RandomState(0);
  const X = new Matrix(40, 5, rng.randn(200));
  const y = rng.randint(0, 3, 40);
  for (let i = 0; i < 40; i++) X.data[i * 5 + y[i]] += 3;
  return { XTrain: X, yTrain: y, XVal: X, yVal: y };
}
const toySettings: SearchSetting[] = [0.1, 0.2, 0.3].map((learningRate) => ({
  learningRate,
  hiddenSize: 4,
  std: 0.5,
  numIters: 30,
  batchSize: 10,
  loss: "softmax",
}));

/** Runs `body` counting search Workers started and terminated. */
async function countingWorkers(
  body: () => Promise<void>,
): Promise<{ started: number; terminated: number }> {
  const counts = { started: 0, terminated: 0 };
  const RealWorker = globalThis.Worker;
  globalThis.Worker = class extends RealWorker {
    #search: boolean;
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      // Product kernels may start helper Workers of their own.
      this.#search = String(args[0]).endsWith("/search/_worker.ts");
      if (this.#search) counts.started++;
    }
    override terminate() {
      if (this.#search) counts.terminated++;
      super.terminate();
    }
  };
  try {
    await body();
  } finally {
    globalThis.Worker = RealWorker;
  }
  return counts;
}

Deno.test("a throwing onProgress or onResult rejects the search with its error, with 1 or 2 Workers, and stops the Workers", async () => {
  for (const workers of [1, 2]) {
    for (const callback of ["onProgress", "onResult"] as const) {
      let calls = 0;
      const mistake = new Error(`my ${callback} failed`);
      const counts = await countingWorkers(async () => {
        await assert.rejects(
          searchHyperparameters(toyData(), toySettings, {
            workers,
            [callback]: () => {
              calls++;
              throw mistake;
            },
          }),
          (error) => error === mistake,
        );
      });
      // Nothing runs on after the rejection.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(calls, 1, `${callback}, ${workers} workers`);
      assert.equal(counts.started, workers === 1 ? 0 : 2);
      assert.ok(counts.terminated >= counts.started);
    }
  }
});

Deno.test("a setting value that cannot be sent to a Worker rejects alike with 1 or 2 Workers, before training", async () => {
  const schedule = () => 1e-3;
  const cases: [SearchSetting, string | undefined][] = [
    [
      { ...toySettings[1], learningRate: schedule as never },
      `setting 1: learningRate must be a positive finite number, got ${schedule}`,
    ],
    // Whatever the check of augment says of a function, both paths agree.
    [
      {
        ...toySettings[1],
        augment: {
          flipHorizontal: (() => true) as never,
          imageShape: [1, 5, 1],
        },
      },
      undefined,
    ],
  ];
  for (const [setting, message] of cases) {
    const messages: string[] = [];
    for (const workers of [1, 2]) {
      let results = 0;
      const counts = await countingWorkers(async () => {
        const error = await searchHyperparameters(
          toyData(),
          [toySettings[0], setting, toySettings[2]],
          { workers, onResult: () => results++ },
        ).then(() => undefined, (e: Error) => e);
        assert.ok(error instanceof Error);
        messages.push(error.message);
      });
      assert.equal(results, 0);
      assert.equal(counts.started, 0);
    }
    assert.equal(messages[0], messages[1]);
    assert.match(messages[0], /^setting 1/);
    if (message) assert.equal(messages[0], message);
  }
});

Deno.test("a search whose callback throws in a Worker's message ends cleanly: the caller's catch runs, exit code 0", async () => {
  const script = `
    import { Matrix, RandomState, searchHyperparameters } from ${
    JSON.stringify(import.meta.resolve("../mod.ts"))
  };
    const rng = new RandomState(0);
    const X = new Matrix(40, 5, rng.randn(200));
    const y = rng.randint(0, 3, 40);
    const data = { XTrain: X, yTrain: y, XVal: X, yVal: y };
    const settings = [0.1, 0.2, 0.3].map((learningRate) =>
      ({ learningRate, hiddenSize: 4, numIters: 30, batchSize: 10 }));
    const fail = () => { throw new Error("boom"); };
    for (const options of [{ onProgress: fail }, { onResult: fail }]) {
      try {
        await searchHyperparameters(data, settings, { workers: 2, ...options });
      } catch (error) {
        console.log("caught " + error.message);
      }
    }`;
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `--config=${new URL("../deno.json", import.meta.url).pathname}`,
      "--allow-read",
      "--allow-env",
      script,
    ],
  }).output();
  assert.equal(new TextDecoder().decode(stderr), "");
  assert.equal(new TextDecoder().decode(stdout), "caught boom\ncaught boom\n");
  assert.equal(code, 0);
});

Deno.test("every setting's values are checked before the first one trains, with 1 or 2 Workers", async () => {
  const cases: [SearchSetting, string][] = [
    [
      { hiddenSize: 0 },
      "setting 2: TwoLayerNet hiddenSize must be a positive integer, got 0",
    ],
    [
      { loss: "hinge" as never },
      'setting 2: TwoLayerNet loss must be "mse" or "softmax", got "hinge"',
    ],
    [
      { learningRate: NaN },
      "setting 2: learningRate must be a positive finite number, got NaN",
    ],
    [
      { numIters: 2.5 },
      "setting 2: numIters must be a non-negative integer, got 2.5",
    ],
    [
      { optimizer: "adam", momentum: 0.9 },
      'setting 2: momentum 0.9 needs optimizer "momentum" or "nesterov", got "adam"',
    ],
    [
      { earlyStopping: { patience: 0 } },
      "setting 2: earlyStopping.patience must be a positive integer (epochs), got 0",
    ],
    [
      { earlyStopping: { patience: 2 }, batchSize: 7 },
      'setting 2: earlyStopping compares epochs, but N / batchSize = 40 / 7 = 5.714285714285714 is not whole: under epochEnd "workbook" (the default, the workbook\'s it % (N / batchSize) == 0) the first epoch after iteration 0 would end at iteration 6433713753386423; pass epochEnd: "ceil" to end epoch k at iteration ⌈k N / batchSize⌉ (the first at iteration 6), or a batchSize that divides N',
    ],
    [
      { epochEnd: "round" as "ceil" },
      'setting 2: epochEnd must be "workbook" or "ceil", got "round"',
    ],
    [
      { augment: { flipHorizontal: true, imageShape: [2, 2, 1] } },
      "setting 2: augment imageShape must be 3 positive integers [height, width, channels] with product 5, got [2,2,1]",
    ],
  ];
  for (const workers of [1, 2]) {
    for (const [bad, message] of cases) {
      let progress = 0;
      await assert.rejects(
        searchHyperparameters(
          toyData(),
          [toySettings[0], toySettings[1], { ...toySettings[2], ...bad }],
          { workers, onProgress: () => progress++ },
        ),
        { name: "RangeError", message },
      );
      assert.equal(progress, 0, message);
    }
    // Setting i trains from seed + i: the last seed must fit 32 bits.
    await assert.rejects(
      searchHyperparameters(toyData(), toySettings, {
        workers,
        seed: 2 ** 32 - 2,
      }),
      {
        name: "RangeError",
        message:
          "seed must be an integer in 0..4294967293 (setting i trains from seed + i, at most 2**32 - 1), got 4294967294",
      },
    );
  }
});

// ------------------------------------------------------------------ sizes

Deno.test("sizes that cannot be allocated are refused before allocating, with a clear error", () => {
  const cases: [() => unknown, string][] = [
    [
      () => confusionMatrix([0], [0], 1e6),
      "confusionMatrix numClasses must be at most 1000 (the table has numClasses² entries), got 1000000",
    ],
    [
      () => {
        const y = new Int32Array(10000);
        return confusionMatrix(y, y, y.length);
      },
      "confusionMatrix numClasses must be at most 1000 (the table has numClasses² entries), got 10000; that is the number of labels: pass the number of classes, e.g. 10 for CIFAR-10",
    ],
    [
      () => new TwoLayerNet(3072, 1_000_000, 10),
      "TwoLayerNet W1 (hiddenSize x inputSize = 1000000 x 3072) needs 3072000000 values (22.9 GiB), over the limit of 4 GiB for one array",
    ],
    [
      () => new TwoLayerNet(10, 1e5, 1e5),
      "TwoLayerNet W2 (numClasses x hiddenSize = 100000 x 100000) needs 10000000000 values (74.5 GiB), over the limit of 4 GiB for one array",
    ],
    [
      () => Matrix.zeros(1e9, 3072, "float32"),
      "Matrix.zeros 1000000000 x 3072 (float32) needs 3072000000000 values (11444.1 GiB), over the limit of 4 GiB for one array",
    ],
    [
      () => new Matrix(1e5, 1e5),
      "Matrix 100000 x 100000 (float64) needs 10000000000 values (74.5 GiB), over the limit of 4 GiB for one array",
    ],
    [
      () => new RandomState(0).randn(1e12),
      "randn(1000000000000) needs 1000000000000 values (7450.6 GiB), over the limit of 4 GiB for one array",
    ],
  ];
  for (const [run, message] of cases) {
    assert.throws(run, { name: "RangeError", message });
  }
  // The workbook's sizes are far inside the limit.
  assert.equal(new TwoLayerNet(3072, 50, 10).params.W1.data.length, 153600);
  assert.equal(confusionMatrix([0], [0], 1000).length, 1000);
});

// ------------------------------------------------------------ small ones

Deno.test("the small ones: maxBytes, string labels, settings not in a list, an array as __metadata__", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/net.safetensors`;
    await net().save(path);
    for (
      const [maxBytes, shown] of [[NaN, "NaN"], ["2000", '"2000"'], [-1, "-1"]]
    ) {
      await assert.rejects(
        TwoLayerNet.load(path, { maxBytes: maxBytes as number }),
        {
          name: "RangeError",
          message:
            `TwoLayerNet.load maxBytes must be a non-negative integer (a number of bytes), got ${shown}`,
        },
      );
    }
    await Deno.writeFile(
      `${dir}/array.safetensors`,
      (() => {
        const json = ascii(JSON.stringify({ __metadata__: ["softmax"] }));
        const out = new Uint8Array(8 + json.length);
        new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
        out.set(json, 8);
        return out;
      })(),
    );
    await assert.rejects(TwoLayerNet.load(`${dir}/array.safetensors`), {
      message:
        `${dir}/array.safetensors: not a valid safetensors file: __metadata__ must be an object mapping names to strings, got an array`,
    });
  });
  assert.throws(
    () => checkLabels(["0", "1"] as never, 2),
    {
      name: "RangeError",
      message:
        'label 0 is "0" (a string); expected a non-negative integer (a class index)',
    },
  );
  const X = Matrix.fromRows([[1, 0], [0, 1]]);
  assert.throws(
    () => new TwoLayerNet(2, 3, 2).loss(X, ["1", "0"] as never),
    /label 0 is "1" \(a string\); expected an integer in 0\.\.1/,
  );
  const data = { XTrain: X, yTrain: [0, 1], XVal: X, yVal: [0, 1] };
  await assert.rejects(
    searchHyperparameters(data, { learningRate: 1e-3 } as never),
    {
      name: "TypeError",
      message:
        "searchHyperparameters settings must be an array of settings, got an object; put a single setting in a list: [setting]",
    },
  );
  await assert.rejects(searchHyperparameters(data, 0 as never), {
    name: "TypeError",
    message:
      "searchHyperparameters settings must be an array of settings, got 0",
  });
});
