/**
 * A minimal, safe reader for the Python 2 pickles of CIFAR-10's Python
 * batches. It runs no code: it knows only the opcodes those files use and
 * rebuilds numpy uint8 arrays from their raw bytes.
 *
 * @module
 */

/** A numpy uint8 array rebuilt from a pickle, C-ordered. */
export interface NumpyUint8Array {
  /** Marks the value as a numpy array. */
  readonly kind: "ndarray";
  /** Dimensions, outermost first. */
  shape: number[];
  /** Elements in C order; a view into the pickle's bytes, not a copy. */
  data: Uint8Array;
}

/**
 * A value read from a pickle. Python 2 `str` is a `Uint8Array` (byte
 * strings), tuples and lists are arrays, dicts are maps keyed by the
 * latin-1 text of their `str` keys.
 */
export type PickleValue =
  | null
  | boolean
  | number
  | Uint8Array
  | PickleValue[]
  | Map<string, PickleValue>
  | NumpyUint8Array
  | NumpyDtype
  | PickleGlobal;

/** numpy's `dtype`, of which only `u1` (uint8) is accepted. */
export interface NumpyDtype {
  readonly kind: "dtype";
  descr: string;
}

/** One of the three globals the reader allows, as named by `GLOBAL`. */
export interface PickleGlobal {
  readonly kind: "global";
  name: string;
}

const RECONSTRUCT = "numpy.core.multiarray._reconstruct";
const ALLOWED_GLOBALS = new Set([RECONSTRUCT, "numpy.ndarray", "numpy.dtype"]);

// Every standard opcode's name (protocols 0-5), only to name the unsupported
// ones in errors: one-character opcodes, then 0x80 onwards in order.
const OPCODE_NAMES: Record<number, string> = Object.fromEntries([
  ...(
    "(MARK .STOP 0POP 1POP_MARK 2DUP FFLOAT IINT JBININT KBININT1 LLONG " +
    "MBININT2 NNONE PPERSID QBINPERSID RREDUCE SSTRING TBINSTRING " +
    "USHORT_BINSTRING VUNICODE XBINUNICODE aAPPEND bBUILD cGLOBAL dDICT " +
    "}EMPTY_DICT eAPPENDS gGET hBINGET iINST jLONG_BINGET lLIST ]EMPTY_LIST " +
    "oOBJ pPUT qBINPUT rLONG_BINPUT sSETITEM tTUPLE )EMPTY_TUPLE uSETITEMS " +
    "GBINFLOAT BBINBYTES CSHORT_BINBYTES"
  ).split(" ").map((entry) => [entry.charCodeAt(0), entry.slice(1)]),
  ...(
    "PROTO NEWOBJ EXT1 EXT2 EXT4 TUPLE1 TUPLE2 TUPLE3 NEWTRUE NEWFALSE LONG1 " +
    "LONG4 SHORT_BINUNICODE BINUNICODE8 BINBYTES8 EMPTY_SET ADDITEMS " +
    "FROZENSET NEWOBJ_EX STACK_GLOBAL MEMOIZE FRAME BYTEARRAY8 NEXT_BUFFER " +
    "READONLY_BUFFER"
  ).split(" ").map((name, i) => [0x80 + i, name]),
]);

const latin1 = new TextDecoder("latin1");
const MARK = Symbol("mark");
type StackItem = PickleValue | typeof MARK;

/**
 * Reads a Python 2 protocol-2 pickle such as a CIFAR-10 Python batch.
 *
 * @throws {Error} naming the opcode for any opcode outside the handful the
 *   CIFAR-10 files use, and naming expected vs found for truncated input,
 *   disallowed globals and unexpected numpy states.
 *
 * @example A pickled dict `{'labels': [6, 9]}`
 * ```ts
 * import { parsePickle } from "./_pickle.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new Uint8Array([
 *   0x80, 2, 0x7d, 0x28, 0x55, 6, ...new TextEncoder().encode("labels"),
 *   0x5d, 0x28, 0x4b, 6, 0x4b, 9, 0x65, 0x75, 0x2e,
 * ]);
 * const value = parsePickle(bytes) as Map<string, unknown>;
 * assert.deepEqual(value.get("labels"), [6, 9]);
 * ```
 */
export function parsePickle(bytes: Uint8Array): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;

  const take = (count: number): number => {
    if (pos + count > bytes.length) {
      throw new Error(
        `pickle truncated: expected ${count} more bytes at byte ${pos}, ` +
          `found ${bytes.length - pos}`,
      );
    }
    const at = pos;
    pos += count;
    return at;
  };
  const pop = (): PickleValue => {
    const item = stack.pop();
    if (item === undefined || item === MARK) {
      throw new Error(`pickle stack underflow at byte ${pos}`);
    }
    return item;
  };
  const top = (): PickleValue => {
    const item = stack.at(-1);
    if (item === undefined || item === MARK) {
      throw new Error(`pickle stack underflow at byte ${pos}`);
    }
    return item;
  };
  const popToMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) throw new Error(`pickle MARK missing before byte ${pos}`);
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new Error(`pickle truncated: no newline after ${pos}`);
    const line = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return line;
  };
  const string = (length: number): Uint8Array => {
    const at = take(length);
    return bytes.subarray(at, at + length);
  };

  while (true) {
    const at = take(1);
    const opcode = bytes[at];
    switch (opcode) {
      case 0x80: { // PROTO
        const protocol = bytes[take(1)];
        if (protocol > 2) {
          throw new Error(
            `pickle protocol ${protocol} found; expected 2 or lower ` +
              `(Python 2 CIFAR-10 batches)`,
          );
        }
        break;
      }
      case 0x2e: // STOP
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
      case 0x89: // NEWFALSE
        stack.push(opcode === 0x88);
        break;
      case 0x4b: // BININT1
        stack.push(bytes[take(1)]);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(take(2), true));
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(take(4), true));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(string(bytes[take(1)]));
        break;
      case 0x54: { // BINSTRING
        const length = view.getInt32(take(4), true);
        if (length < 0) {
          throw new Error(`pickle BINSTRING length ${length} at byte ${at}`);
        }
        stack.push(string(length));
        break;
      }
      case 0x71: // BINPUT
        memo.set(bytes[take(1)], top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(take(4), true), top());
        break;
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const key = opcode === 0x68
          ? bytes[take(1)]
          : view.getUint32(take(4), true);
        const value = memo.get(key);
        if (value === undefined) {
          throw new Error(`pickle memo entry ${key} missing at byte ${at}`);
        }
        stack.push(value);
        break;
      }
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: // TUPLE3
        stack.push(stack.splice(-(opcode - 0x84)) as PickleValue[]);
        break;
      case 0x74: // TUPLE
        stack.push(popToMark());
        break;
      case 0x61: { // APPEND
        const item = pop();
        asList(top(), at).push(item);
        break;
      }
      case 0x65: { // APPENDS
        const items = popToMark();
        asList(top(), at).push(...items);
        break;
      }
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        asDict(top(), at).set(dictKey(key, at), value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popToMark();
        const dict = asDict(top(), at);
        for (let i = 0; i < items.length; i += 2) {
          dict.set(dictKey(items[i], at), items[i + 1]);
        }
        break;
      }
      case 0x63: { // GLOBAL
        const name = `${readLine()}.${readLine()}`;
        if (!ALLOWED_GLOBALS.has(name)) {
          throw new Error(
            `pickle global ${name} at byte ${at} is not allowed; expected ` +
              `one of ${[...ALLOWED_GLOBALS].join(", ")}`,
          );
        }
        stack.push({ kind: "global", name });
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args, at));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        build(top(), state, at);
        break;
      }
      default:
        throw new Error(
          `unsupported pickle opcode 0x${
            opcode.toString(16).padStart(2, "0")
          }` +
            ` (${OPCODE_NAMES[opcode] ?? "unknown"}) at byte ${at}; ` +
            `expected only the opcodes of CIFAR-10's Python 2 batches`,
        );
    }
  }
}

function asList(value: PickleValue, at: number): PickleValue[] {
  if (!Array.isArray(value)) {
    throw new Error(`pickle append at byte ${at}: expected a list`);
  }
  return value;
}

function asDict(value: PickleValue, at: number): Map<string, PickleValue> {
  if (!(value instanceof Map)) {
    throw new Error(`pickle setitem at byte ${at}: expected a dict`);
  }
  return value;
}

function dictKey(key: PickleValue, at: number): string {
  if (!(key instanceof Uint8Array)) {
    throw new Error(`pickle dict key at byte ${at}: expected a str`);
  }
  return latin1.decode(key);
}

function isGlobal(value: PickleValue, name: string): boolean {
  return typeof value === "object" && value !== null && "kind" in value &&
    value.kind === "global" && value.name === name;
}

/** Applies one of the two calls numpy's reduce tuples make. */
function reduce(
  callable: PickleValue,
  args: PickleValue,
  at: number,
): PickleValue {
  if (!Array.isArray(args)) {
    throw new Error(`pickle REDUCE at byte ${at}: expected an argument tuple`);
  }
  if (isGlobal(callable, RECONSTRUCT) && isGlobal(args[0], "numpy.ndarray")) {
    // _reconstruct(ndarray, (0,), 'b') makes an empty array; BUILD fills it.
    return { kind: "ndarray", shape: [0], data: new Uint8Array(0) };
  }
  if (isGlobal(callable, "numpy.dtype") && args[0] instanceof Uint8Array) {
    return { kind: "dtype", descr: latin1.decode(args[0]) };
  }
  throw new Error(
    `pickle REDUCE at byte ${at}: expected numpy's _reconstruct(ndarray, ...) ` +
      `or dtype(...), found another call`,
  );
}

/** Applies numpy's `__setstate__` for a uint8 dtype or a uint8 array. */
function build(target: PickleValue, state: PickleValue, at: number): void {
  const kind = typeof target === "object" && target !== null &&
      "kind" in target
    ? target.kind
    : undefined;
  if (kind === "dtype" && Array.isArray(state)) return;
  if (kind !== "ndarray" || !Array.isArray(state) || state.length !== 5) {
    throw new Error(
      `pickle BUILD at byte ${at}: expected a numpy array or dtype state`,
    );
  }
  const array = target as NumpyUint8Array;
  const [, shape, dtype, fortran, raw] = state;
  const descr = typeof dtype === "object" && dtype !== null &&
      "kind" in dtype && dtype.kind === "dtype"
    ? dtype.descr
    : "?";
  if (descr !== "u1") {
    throw new Error(
      `pickle numpy array at byte ${at}: expected dtype u1 (uint8), ` +
        `found ${descr}`,
    );
  }
  if (
    !Array.isArray(shape) || !shape.every(Number.isInteger) ||
    fortran !== false || !(raw instanceof Uint8Array)
  ) {
    throw new Error(
      `pickle numpy array at byte ${at}: expected a C-ordered shape and ` +
        `a byte string of elements`,
    );
  }
  const dims = shape as number[];
  const size = dims.reduce((a, b) => a * b, 1);
  if (raw.length !== size) {
    throw new Error(
      `pickle numpy array at byte ${at}: shape ${dims.join(" x ")} needs ` +
        `${size} bytes, found ${raw.length}`,
    );
  }
  array.shape = dims;
  array.data = raw;
}
