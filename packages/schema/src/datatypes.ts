/**
 * Channel datatypes of a depth image: every Rerun channel type, with Rerun's enum numbers
 * (`rerun/datatypes/channel_datatype`), which are also what the wire carries.
 */
export const DATATYPES = {
  U8: { id: 6, bytes: 1, float: false },
  I8: { id: 7, bytes: 1, float: false },
  U16: { id: 8, bytes: 2, float: false },
  I16: { id: 9, bytes: 2, float: false },
  U32: { id: 10, bytes: 4, float: false },
  I32: { id: 11, bytes: 4, float: false },
  U64: { id: 12, bytes: 8, float: false },
  I64: { id: 13, bytes: 8, float: false },
  F16: { id: 33, bytes: 2, float: true },
  F32: { id: 34, bytes: 4, float: true },
  F64: { id: 35, bytes: 8, float: true },
} as const;

export type Datatype = keyof typeof DATATYPES;

/** The typed array that holds pixels of each datatype. F16 has no typed array in Node 20: raw bits in Uint16Array. */
export type DepthArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | BigUint64Array
  | BigInt64Array
  | Float32Array
  | Float64Array;

const byId = new Map<number, Datatype>(
  (Object.keys(DATATYPES) as Datatype[]).map((name) => [DATATYPES[name].id, name]),
);

export function datatypeFromId(id: number): Datatype | undefined {
  return byId.get(id);
}

export function isDatatype(x: unknown): x is Datatype {
  return typeof x === "string" && Object.hasOwn(DATATYPES, x);
}

export function bytesPerPixel(datatype: Datatype): number {
  return DATATYPES[datatype].bytes;
}

export function isFloatDatatype(datatype: Datatype): boolean {
  return DATATYPES[datatype].float;
}

/** The datatype a typed array holds naturally (Uint16Array -> U16; F16 must be named explicitly). */
export function datatypeOfArray(data: DepthArray): Datatype {
  if (data instanceof Uint8Array) return "U8";
  if (data instanceof Int8Array) return "I8";
  if (data instanceof Uint16Array) return "U16";
  if (data instanceof Int16Array) return "I16";
  if (data instanceof Uint32Array) return "U32";
  if (data instanceof Int32Array) return "I32";
  if (data instanceof BigUint64Array) return "U64";
  if (data instanceof BigInt64Array) return "I64";
  if (data instanceof Float32Array) return "F32";
  return "F64";
}

/** Whether `data` is the typed array that stores `datatype` (F16 is stored as Uint16Array). */
export function arrayMatchesDatatype(data: DepthArray, datatype: Datatype): boolean {
  return datatype === "F16" ? data instanceof Uint16Array : datatypeOfArray(data) === datatype;
}

/**
 * A typed array of `datatype` over a copy of `bytes` (little-endian pixel bytes). Copies so the
 * result is aligned and owns its memory; `bytes.byteLength` must be a multiple of the pixel size.
 */
export function arrayFromBytes(datatype: Datatype, bytes: Uint8Array): DepthArray {
  // `new Uint8Array(x)` copies into a fresh ArrayBuffer; `slice()` would not for a Node Buffer (a view there).
  const copy = new Uint8Array(bytes).buffer;
  switch (datatype) {
    case "U8":
      return new Uint8Array(copy);
    case "I8":
      return new Int8Array(copy);
    case "U16":
    case "F16":
      return new Uint16Array(copy);
    case "I16":
      return new Int16Array(copy);
    case "U32":
      return new Uint32Array(copy);
    case "I32":
      return new Int32Array(copy);
    case "U64":
      return new BigUint64Array(copy);
    case "I64":
      return new BigInt64Array(copy);
    case "F32":
      return new Float32Array(copy);
    case "F64":
      return new Float64Array(copy);
  }
}

/**
 * A typed array of `datatype` over `bytes` itself when they are aligned to the pixel size (no copy: the
 * result shares `bytes`' memory), else over an aligned copy. What a decoder uses for raw pixels.
 */
export function arrayOverBytes(datatype: Datatype, bytes: Uint8Array): DepthArray {
  const size = DATATYPES[datatype].bytes;
  if (bytes.byteOffset % size !== 0) return arrayFromBytes(datatype, bytes);
  const { buffer, byteOffset } = bytes;
  const length = bytes.byteLength / size;
  switch (datatype) {
    case "U8":
      return new Uint8Array(buffer, byteOffset, length);
    case "I8":
      return new Int8Array(buffer, byteOffset, length);
    case "U16":
    case "F16":
      return new Uint16Array(buffer, byteOffset, length);
    case "I16":
      return new Int16Array(buffer, byteOffset, length);
    case "U32":
      return new Uint32Array(buffer, byteOffset, length);
    case "I32":
      return new Int32Array(buffer, byteOffset, length);
    case "U64":
      return new BigUint64Array(buffer, byteOffset, length);
    case "I64":
      return new BigInt64Array(buffer, byteOffset, length);
    case "F32":
      return new Float32Array(buffer, byteOffset, length);
    case "F64":
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** Little-endian pixel bytes of `data` (a view, no copy; this project only runs on little-endian hosts). */
export function bytesOfArray(data: DepthArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** IEEE 754 half-precision bits to a number. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * The depth values as float32 in stored units, for display and unprojection: 64-bit types are narrowed
 * (as Rerun does; GPUs have no 64-bit textures), F16 is expanded. Returns `data` itself when it is
 * already a Float32Array.
 */
export function toFloat32(data: DepthArray, datatype: Datatype): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  if (datatype === "F16") {
    for (let i = 0; i < data.length; i++) out[i] = halfToFloat(data[i] as number);
  } else if (data instanceof BigUint64Array || data instanceof BigInt64Array) {
    for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  } else {
    out.set(data);
  }
  return out;
}
