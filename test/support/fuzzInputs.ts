import { createRecordingWriter, memorySink, nowNs } from "@depthroom/recording";
import { DepthImage, depthImage3dExample, encodeMessage, Transform3D } from "@depthroom/schema";
import * as encoding from "lib0/encoding";
import { writeRos2Mcap } from "./mcapFiles.ts";

/*
 * Hostile inputs for the relay fuzz (relayFuzz.ts), all drawn from one seeded generator so a run is
 * reproduced by its seed: request targets, headers, bodies, socket.io / engine.io frames, y-websocket
 * and awareness messages, wire messages and MCAP files (truncated, bit-flipped, lying chunk sizes,
 * decompression bombs).
 */

/** mulberry32: small, fast, seeded. */
export class Rng {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
  /** Printable-ish text with the characters parsers trip on. */
  text(length: number): string {
    const alphabet = "aZ09/%?#&=:@[]{}\"'\\.;,+-_~!$*() \t<>|^`\u00e9\u2028\u{1f600}\0";
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)] ?? "a";
    return out;
  }
}

/** Flip bits, cut, splice random bytes: a corrupted copy of `bytes`. */
export function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  switch (rng.int(4)) {
    case 0:
      for (let i = 0, n = 1 + rng.int(8); i < n && out.length > 0; i++) {
        const at = rng.int(out.length);
        out[at] = (out[at] as number) ^ (1 << rng.int(8));
      }
      return out;
    case 1:
      return out.subarray(0, rng.int(out.length + 1));
    case 2: {
      const at = rng.int(out.length + 1);
      const noise = rng.bytes(1 + rng.int(64));
      const spliced = new Uint8Array(out.length + noise.length);
      spliced.set(out.subarray(0, at));
      spliced.set(noise, at);
      spliced.set(out.subarray(at), at + noise.length);
      return spliced;
    }
    default:
      // Overwrite a run (a header field, a length).
      if (out.length > 0) out.set(rng.bytes(Math.min(8, out.length)), rng.int(Math.max(1, out.length - 8)));
      return out;
  }
}

const METHODS = [
  "GET",
  "POST",
  "DELETE",
  "PUT",
  "OPTIONS",
  "HEAD",
  "PATCH",
  "CONNECT",
  "TRACE",
  "G\u00e9T",
  "X",
];

export function requestTarget(rng: Rng, session: string): string {
  switch (rng.int(10)) {
    case 0:
      return rng.pick(["//", "///", "//:99999/", "//a@b@c/x", "\\\\", "*", "", "http://[", "http://x:-1/"]);
    case 1:
      return `/${rng.text(rng.int(200))}`;
    case 2:
      return `/${"a/".repeat(1 + rng.int(4000))}`;
    case 3:
      return `/api/sessions/${rng.pick([session, rng.text(22), "%", "%zz", ".."])}${rng.pick(["", "/links", "/recordings", "/recordings/import", "/x"])}?${rng.text(rng.int(100))}`;
    case 4:
      return `/api/recordings/${rng.text(rng.int(30))}/${rng.pick(["at", "range", "file", "stop", ""])}?t=${rng.text(25)}&from=-1&to=${"9".repeat(rng.int(40))}`;
    case 5:
      return `/yjs/${rng.text(rng.int(40))}`;
    case 6:
      return `/socket.io/?EIO=${rng.text(2)}&transport=${rng.pick(["polling", "websocket", "x"])}`;
    case 7:
      return `http://${rng.text(10)}/healthz`;
    case 8:
      return `/%${rng.text(3)}%00/healthz?${"&x".repeat(rng.int(500))}`;
    default:
      return `/healthz${rng.text(rng.int(20))}`;
  }
}

export function method(rng: Rng): string {
  return rng.chance(0.9) ? rng.pick(METHODS.slice(0, 5)) : rng.pick(METHODS);
}

/** Raw header lines (each without CRLF), some of them malformed. */
export function hostileHeaders(rng: Rng, tokens: readonly string[]): string[] {
  const lines = ["Host: relay"];
  for (let i = 0, n = 1 + rng.int(4); i < n; i++) {
    switch (rng.int(12)) {
      case 0:
        lines.push(`Content-Length: ${rng.pick(["-1", "abc", "99999999999999999999", "5, 6", " 3"])}`);
        break;
      case 1:
        lines.push("Content-Length: 3", "Content-Length: 4");
        break;
      case 2:
        lines.push("Transfer-Encoding: chunked", `Content-Length: ${rng.int(100)}`);
        break;
      case 3:
        lines.push(`X-Big: ${"x".repeat(rng.pick([1000, 20_000, 70_000]))}`);
        break;
      case 4:
        lines.push(`Authorization: ${rng.pick(["Bearer", "Bearer ", "Basic x", `Bearer ${rng.text(300)}`])}`);
        break;
      case 5:
        lines.push(`Authorization: Bearer ${rng.pick(tokens)}${rng.chance(0.5) ? rng.text(3) : ""}`);
        break;
      case 6:
        for (let k = 0; k < 150; k++) lines.push(`X-H${k}: ${k}`);
        break;
      case 7:
        lines.push(`Bad Header: ${rng.text(10)}`);
        break;
      case 8:
        lines.push(`X-Nul: a\0b`);
        break;
      case 9:
        lines.push("Upgrade: websocket", "Connection: Upgrade", `Sec-WebSocket-Key: ${rng.text(24)}`);
        break;
      case 10:
        lines.push(
          `Content-Type: ${rng.pick(["application/json", "text/plain", "multipart/form-data; boundary=", rng.text(50)])}`,
        );
        break;
      default:
        lines.push(`${rng.text(8)}: ${rng.text(20)}`);
    }
  }
  return lines;
}

/** A request body: JSON that is almost right, JSON that is very wrong, bytes, or too much. */
export function hostileBody(rng: Rng): Uint8Array {
  const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  switch (rng.int(9)) {
    case 0:
      return new Uint8Array(0);
    case 1:
      return json({ title: rng.pick([rng.text(rng.int(400)), 5, null, [], {}, "ok"]) });
    case 2:
      return json({ by: rng.text(rng.int(200)), title: rng.text(rng.int(250)) });
    case 3:
      return json({
        text: rng.text(rng.int(600)),
        level: rng.pick(["info", "warning", "alert", "x"]),
        ttlMs: rng.pick([-1, 1e308, 5000, "x"]),
        session: rng.text(22),
      });
    case 4:
      return new TextEncoder().encode(`${"[".repeat(rng.int(5000))}${"]".repeat(rng.int(5000))}`);
    case 5:
      return rng.bytes(rng.int(4096));
    case 6:
      return new Uint8Array(16 * 1024 + 1 + rng.int(40_000)).fill(0x20);
    case 7:
      return json(
        Object.fromEntries(Array.from({ length: 1 + rng.int(300) }, (_, i) => [`k${i}`, rng.text(5)])),
      );
    default:
      return new TextEncoder().encode(rng.text(rng.int(300)));
  }
}

/** engine.io / socket.io frames, text or binary, from plausible to garbage. */
export function engineFrames(rng: Rng): (string | Uint8Array)[] {
  const frames: (string | Uint8Array)[] = [];
  for (let i = 0, n = 1 + rng.int(6); i < n; i++) {
    switch (rng.int(11)) {
      case 0:
        frames.push(rng.pick(["40", "40{}", '40{"token":"x"}', "41", "2", "3", "5", "6", "1"]));
        break;
      case 1:
        frames.push(
          `42${JSON.stringify([rng.pick(["publish", "subscribe", "x", "__proto__"]), rng.text(20)])}`,
        );
        break;
      case 2:
        frames.push(`4${rng.int(100)}-${rng.text(30)}`);
        break;
      case 3:
        frames.push(`451-["publish",{"_placeholder":true,"num":0}]`, rng.bytes(rng.int(2048)));
        break;
      case 4:
        frames.push(`45${1 + rng.int(20)}-["publish",{"_placeholder":true,"num":${rng.int(30)}}]`);
        break;
      case 5:
        frames.push(rng.bytes(rng.int(4096)));
        break;
      case 6:
        frames.push(`4${rng.text(rng.int(300))}`);
        break;
      case 7:
        frames.push(
          `42["subscribe",${JSON.stringify({ entities: Array.from({ length: rng.int(2000) }, () => rng.text(30)) })}]`,
        );
        break;
      case 8:
        frames.push(`4${"x".repeat(rng.pick([70_000, 300_000]))}`);
        break;
      case 9:
        frames.push(`43${rng.int(1e6)}[${rng.text(10)}]`);
        break;
      default:
        frames.push(rng.text(rng.int(100)));
    }
  }
  return frames;
}

/** y-websocket messages: sync steps and updates with bad payloads, unknown types, truncations. */
export function docMessages(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, n = 1 + rng.int(5); i < n; i++) {
    const encoder = encoding.createEncoder();
    const kind = rng.int(7);
    if (kind <= 2) {
      encoding.writeVarUint(encoder, 0); // sync
      encoding.writeVarUint(encoder, rng.int(4)); // step1, step2, update, unknown
      encoding.writeVarUint8Array(encoder, rng.bytes(rng.int(kind === 2 ? 20_000 : 300)));
    } else if (kind === 3) {
      encoding.writeVarUint(encoder, rng.pick([2, 3, 4, 99, 2 ** 31]));
      encoding.writeVarUint8Array(encoder, rng.bytes(rng.int(100)));
    } else if (kind === 4) {
      // A length that claims far more than follows.
      encoding.writeVarUint(encoder, 0);
      encoding.writeVarUint(encoder, 2);
      encoding.writeVarUint(encoder, 2 ** 30);
      encoding.writeUint8Array(encoder, rng.bytes(10));
    } else {
      out.push(rng.bytes(rng.int(64)));
      continue;
    }
    const bytes = encoding.toUint8Array(encoder);
    out.push(rng.chance(0.3) ? mutate(rng, bytes) : bytes);
  }
  return out;
}

/** Awareness updates (y-protocols): many clients, hostile JSON states, bad clocks, bad JSON. */
export function awarenessMessages(rng: Rng): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, n = 1 + rng.int(4); i < n; i++) {
    const update = encoding.createEncoder();
    const clients = rng.pick([1, 1, 2, 50, 400]);
    encoding.writeVarUint(update, clients);
    for (let c = 0; c < clients; c++) {
      encoding.writeVarUint(update, rng.chance(0.5) ? rng.int(2 ** 32) : 1 + rng.int(5));
      encoding.writeVarUint(update, rng.pick([0, 1, rng.int(1e9), 2 ** 53 - 1]));
      const state = rng.pick<unknown>([
        null,
        { user: { name: rng.text(rng.int(100)), color: rng.text(7) } },
        { user: { name: 5 }, camera: { position: [rng.text(3), null, 1e308] } },
        { pointer: { entity: rng.text(rng.int(500)), x: Number.NaN } },
        { __proto__: { polluted: true }, constructor: { prototype: { x: 1 } } },
        // Big states in small updates only: 400 x 200 KB would be an 80 MB message the fuzzer itself
        // spends seconds building (ws refuses it at its header anyway).
        { big: "x".repeat(clients <= 2 ? rng.pick([1000, 20_000, 200_000]) : 1000) },
        Array.from({ length: 10 }, () => ({ nested: [[[[rng.text(4)]]]] })),
      ]);
      encoding.writeVarString(update, rng.chance(0.1) ? `{${rng.text(20)}` : JSON.stringify(state));
    }
    const message = encoding.createEncoder();
    encoding.writeVarUint(message, 1); // awareness
    encoding.writeVarUint8Array(message, encoding.toUint8Array(update));
    const bytes = encoding.toUint8Array(message);
    out.push(rng.chance(0.2) ? mutate(rng, bytes) : bytes);
  }
  return out;
}

/** Wire messages: valid ones corrupted, headers with random payloads, random bytes. */
export function wireMessage(rng: Rng, valid: readonly Uint8Array[]): Uint8Array {
  const base = rng.pick(valid);
  switch (rng.int(4)) {
    case 0:
      return rng.bytes(rng.int(512));
    case 1: {
      const out = base.slice(0, Math.min(base.length, 24 + rng.int(40)));
      const tail = rng.bytes(rng.int(4096));
      const joined = new Uint8Array(out.length + tail.length);
      joined.set(out);
      joined.set(tail, out.length);
      return joined;
    }
    default:
      return mutate(rng, base);
  }
}

/** The valid wire messages the wire fuzz starts from. */
export function validWireMessages(): Uint8Array[] {
  const messages = depthImage3dExample().map((m) => encodeMessage(m));
  messages.push(
    encodeMessage({
      entityPath: "world/rig",
      timelines: [{ timeline: "frame", kind: "sequence", value: 3n }],
      archetype: new Transform3D({ translation: [1, 2, 3] }),
    }),
    encodeMessage({
      entityPath: "world/camera/float",
      timelines: [],
      archetype: new DepthImage(new Float32Array(64 * 48).fill(1.25), { width: 64, height: 48 }),
    }),
  );
  return messages;
}

export interface McapCorpus {
  readonly ros2: Uint8Array;
  readonly depthroom: Uint8Array;
  /** lz4 chunk of a 16 MB zero float image: a 250x inflation. */
  readonly zeroBomb: Uint8Array;
  /** One lz4 chunk of 60,000 tiny messages. */
  readonly recordBomb: Uint8Array;
}

/** The MCAP files the upload fuzz starts from (built once per run). */
export async function mcapCorpus(): Promise<McapCorpus> {
  const frames = Array.from({ length: 3 }, (_, i) => ({
    t: 1_700_000_000_000_000_000n + BigInt(i) * 33_000_000n,
    width: 32,
    height: 24,
    data: new Uint16Array(32 * 24).fill(1000 + i),
  }));
  const ros2 = await writeRos2Mcap({ frames });
  const write = async (messages: Uint8Array[], chunkBytes: number) => {
    const sink = memorySink();
    const writer = createRecordingWriter(sink, { compression: "lz4", chunkBytes, chunkDurationMs: 1e9 });
    const t = nowNs();
    for (const [i, bytes] of messages.entries()) writer.append(bytes, t + BigInt(i));
    await writer.close();
    return sink.bytes();
  };
  const depthroom = await write(validWireMessages(), 4 << 20);
  const zero = encodeMessage({
    entityPath: "bomb/depth",
    timelines: [{ timeline: "frame", kind: "sequence", value: 1n }],
    archetype: new DepthImage(new Float32Array(2000 * 2000), { width: 2000, height: 2000 }),
  });
  const zeroBomb = await write([zero], 64 << 20);
  const tiny = encodeMessage({
    entityPath: "bomb/t",
    timelines: [{ timeline: "frame", kind: "sequence", value: 1n }],
    archetype: new Transform3D({ translation: [0, 0, 0] }),
  });
  const recordBomb = await write(
    Array.from({ length: 60_000 }, () => tiny),
    1 << 30,
  );
  return { ros2, depthroom, zeroBomb, recordBomb };
}

/** Rewrite the uncompressed size of every Chunk record (opcode 0x06) to `size`: a lying header. */
export function lieAboutChunkSizes(file: Uint8Array, size: bigint): Uint8Array {
  const out = file.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 8; // magic
  while (at + 9 <= out.length) {
    const opcode = out[at] as number;
    const length = view.getBigUint64(at + 1, true);
    if (opcode === 0x06 && at + 9 + 24 <= out.length) view.setBigUint64(at + 9 + 16, size, true);
    const next = at + 9 + Number(length);
    if (!Number.isSafeInteger(next) || next <= at) break;
    at = next;
  }
  return out;
}

/** An MCAP upload: one of the corpus, corrupted one way or another. */
export function mcapUpload(rng: Rng, corpus: McapCorpus): { what: string; bytes: Uint8Array } {
  const base = rng.pick([corpus.ros2, corpus.depthroom]);
  switch (rng.int(8)) {
    case 0:
      return { what: "truncated", bytes: base.subarray(0, rng.int(base.length)) };
    case 1:
      return { what: "bit flips (bad CRC)", bytes: mutate(rng, base) };
    case 2:
      return {
        what: "lying chunk size",
        bytes: lieAboutChunkSizes(base, rng.pick([2n ** 40n, 2n ** 63n, 128n << 20n])),
      };
    case 3:
      return { what: "zero bomb", bytes: corpus.zeroBomb };
    case 4:
      return { what: "record bomb", bytes: corpus.recordBomb };
    case 5:
      return { what: "random bytes", bytes: rng.bytes(rng.int(64 * 1024)) };
    case 6:
      return { what: "magic only", bytes: base.subarray(0, 8 + rng.int(40)) };
    default:
      return { what: "valid", bytes: base };
  }
}
