import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { awarenessMessage, readDocMessage, updateChangesDoc } from "./docMessages.ts";

function syncMessage(step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, step);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

describe("readDocMessage", () => {
  it("classifies sync and awareness messages", () => {
    const doc = new Y.Doc();
    doc.getMap("m").set("k", 1);
    expect(readDocMessage(syncMessage(0, Y.encodeStateVector(doc)))).toEqual({
      ok: true,
      message: { type: "sync-step1" },
    });
    const update = Y.encodeStateAsUpdate(doc);
    expect(readDocMessage(syncMessage(1, update))).toMatchObject({
      ok: true,
      message: { type: "sync-step2" },
    });
    expect(readDocMessage(syncMessage(2, update))).toMatchObject({ ok: true, message: { type: "update" } });
    const awareness = encoding.createEncoder();
    encoding.writeVarUint(awareness, 1);
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, 42);
    encoding.writeVarUint(inner, 3);
    encoding.writeVarString(inner, JSON.stringify({ user: { name: "a" } }));
    encoding.writeVarUint8Array(awareness, encoding.toUint8Array(inner));
    const json = JSON.stringify({ user: { name: "a" } });
    expect(readDocMessage(encoding.toUint8Array(awareness))).toEqual({
      ok: true,
      message: {
        type: "awareness",
        entries: [{ clientID: 42, clock: 3, json, state: { user: { name: "a" } } }],
      },
    });
    // awarenessMessage writes the same bytes back.
    expect(awarenessMessage([{ clientID: 42, clock: 3, json, state: null }])).toEqual(
      encoding.toUint8Array(awareness),
    );
  });

  it("refuses malformed messages with a reason, never throws", () => {
    const bad = [
      new Uint8Array([]),
      new Uint8Array([0]),
      new Uint8Array([0, 3, 0]),
      new Uint8Array([0, 2, 10, 1, 2]),
      new Uint8Array([2, 0, 0]),
      new Uint8Array([9]),
      new Uint8Array([1, 3, 1, 1, 1]),
      syncMessage(2, new Uint8Array([200, 200, 200, 200, 1])),
      new Uint8Array([...syncMessage(0, new Uint8Array([0])), 7]),
    ];
    for (const bytes of bad) {
      const result = readDocMessage(bytes);
      expect(result.ok, String(bytes)).toBe(false);
    }
    // A seeded fuzz: random bytes behind a valid type byte.
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    for (let i = 0; i < 2000; i++) {
      const bytes = new Uint8Array(1 + (random() % 40)).map(() => random() & 0xff);
      bytes[0] = random() % 2;
      expect(() => readDocMessage(bytes)).not.toThrow();
    }
  });
});

describe("readDocMessage with a state bound", () => {
  const entry = (clientID: number, json: string) => {
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, clientID);
    encoding.writeVarUint(inner, 1);
    encoding.writeVarString(inner, json);
    const outer = encoding.createEncoder();
    encoding.writeVarUint(outer, 1);
    encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
    return encoding.toUint8Array(outer);
  };

  it("skips a state longer than the bound without decoding it (not even when it is not JSON)", () => {
    expect(readDocMessage(entry(5, `{${"x".repeat(100)}`), 64)).toEqual({
      ok: true,
      message: {
        type: "awareness",
        entries: [{ clientID: 5, clock: 1, json: "", state: undefined, oversized: true }],
      },
    });
    expect(readDocMessage(entry(5, `{${"x".repeat(100)}`)).ok).toBe(false);
    expect(readDocMessage(entry(5, '{"a":1}'), 64)).toMatchObject({
      ok: true,
      message: { entries: [{ state: { a: 1 } }] },
    });
  });

  it("refuses a declared length past the end of the message", () => {
    const bytes = entry(5, "x".repeat(100)).slice(0, 60);
    expect(readDocMessage(bytes, 64).ok).toBe(false);
    expect(readDocMessage(bytes, 10).ok).toBe(false);
  });
});

describe("updateChangesDoc", () => {
  it("tells an echo of known content from a write", () => {
    const server = new Y.Doc();
    const client = new Y.Doc();
    server.getMap("annotations").set("a", 1);
    server.getMap("annotations").delete("a");
    server.getMap("annotations").set("b", 2);
    Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
    // What a read-only client sends back in sync step 2: nothing new.
    const echo = Y.encodeStateAsUpdate(client, Y.encodeStateVector(server));
    expect(updateChangesDoc(server, echo)).toBe(false);
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(client))).toBe(false);
    // A new key, and a delete of a known key, are writes.
    const writer = new Y.Doc();
    Y.applyUpdate(writer, Y.encodeStateAsUpdate(server));
    const before = Y.encodeStateVector(writer);
    writer.getMap("annotations").set("c", 3);
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(writer, before))).toBe(true);
    const deleter = new Y.Doc();
    Y.applyUpdate(deleter, Y.encodeStateAsUpdate(server));
    const sv = Y.encodeStateVector(deleter);
    deleter.getMap("annotations").delete("b");
    expect(updateChangesDoc(server, Y.encodeStateAsUpdate(deleter, sv))).toBe(true);
    expect(server.getMap("annotations").toJSON()).toEqual({ b: 2 });
  });
});
