import assert from "node:assert/strict";
import { type NumpyUint8Array, parsePickle } from "../src/cifar10/_pickle.ts";
import { fixtureLabel, fixturePixel, FIXTURES } from "./cifar10_fixture.ts";

const latin1 = new TextDecoder("latin1");
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

Deno.test("reads a CIFAR-10 Python batch fixture", async () => {
  const batch = parsePickle(
    await Deno.readFile(`${FIXTURES}/cifar-10-batches-py/data_batch_2`),
  ) as Map<string, unknown>;
  assert.deepEqual([...batch.keys()].sort(), [
    "batch_label",
    "data",
    "filenames",
    "labels",
  ]);
  const data = batch.get("data") as NumpyUint8Array;
  assert.equal(data.kind, "ndarray");
  assert.deepEqual(data.shape, [4, 3072]);
  // Row 1 is image 5; red plane first, then green at 1024.
  assert.equal(data.data[3072 + 10], fixturePixel(5, 0, 10));
  assert.equal(data.data[3072 + 1024 + 10], fixturePixel(5, 1, 10));
  assert.deepEqual(batch.get("labels"), [4, 5, 6, 7].map(fixtureLabel));
  assert.equal(
    latin1.decode(batch.get("batch_label") as Uint8Array),
    "training batch 2 of 5",
  );
  assert.deepEqual(
    (batch.get("filenames") as Uint8Array[]).map((b) => latin1.decode(b)),
    [
      "fixture_00004.png",
      "fixture_00005.png",
      "fixture_00006.png",
      "fixture_00007.png",
    ],
  );
});

Deno.test("reads batches.meta", async () => {
  const meta = parsePickle(
    await Deno.readFile(`${FIXTURES}/cifar-10-batches-py/batches.meta`),
  ) as Map<string, unknown>;
  assert.equal(meta.get("num_vis"), 3072);
  assert.equal(meta.get("num_cases_per_batch"), 4);
  assert.equal(
    latin1.decode((meta.get("label_names") as Uint8Array[])[9]),
    "truck",
  );
});

Deno.test("memo, tuples, ints, None and booleans", () => {
  // (1, 300, -2, None, True, False, 'ab', 'ab' via BINGET), as a tuple.
  const value = parsePickle(bytes(
    "\x80\x02(K\x01M\x2c\x01J\xfe\xff\xff\xffN\x88\x89U\x02abq\x05h\x05t.",
  ));
  assert.deepEqual(value, [
    1,
    300,
    -2,
    null,
    true,
    false,
    bytes("ab"),
    bytes("ab"),
  ]);
});

Deno.test("refuses globals other than numpy's array reconstruction", () => {
  assert.throws(
    () => parsePickle(bytes("\x80\x02c__builtin__\neval\n.")),
    /pickle global __builtin__.eval at byte 2 is not allowed; expected one of numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype/,
  );
});

Deno.test("names unsupported opcodes and protocols", () => {
  assert.throws(
    () => parsePickle(bytes("\x80\x02X\x01\x00\x00\x00a.")),
    new Error(
      "unsupported pickle opcode 0x58 (BINUNICODE) at byte 2; expected only " +
        "the opcodes of CIFAR-10's Python 2 batches",
    ),
  );
  assert.throws(
    () => parsePickle(bytes("\x80\x04.")),
    /pickle protocol 4 found; expected 2 or lower/,
  );
  assert.throws(
    () => parsePickle(bytes("\x80\x02\xfa")),
    /unsupported pickle opcode 0xfa \(unknown\) at byte 2/,
  );
});

Deno.test("refuses numpy arrays that are not uint8", () => {
  // numpy's reduce of a float64 array: dtype('f8') then the state.
  const pickle = bytes(
    "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" +
      "K\x00\x85U\x01b\x87R(K\x01K\x01\x85cnumpy\ndtype\nU\x02f8K\x00K\x01\x87R" +
      "(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89U\x08" +
      "\x00\x00\x00\x00\x00\x00\xf0?tb.",
  );
  assert.throws(
    () => parsePickle(pickle),
    /pickle numpy array at byte \d+: expected dtype u1 \(uint8\), found f8/,
  );
});

Deno.test("checks an array's byte count against its shape", () => {
  const pickle = bytes(
    "\x80\x02cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n" +
      "K\x00\x85U\x01b\x87R(K\x01K\x02K\x03\x86cnumpy\ndtype\nU\x02u1K\x00K\x01\x87R" +
      "(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89U\x05" +
      "abcdetb.",
  );
  assert.throws(
    () => parsePickle(pickle),
    /shape 2 x 3 needs 6 bytes, found 5/,
  );
});
