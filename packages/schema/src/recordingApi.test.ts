import { describe, expect, it } from "vitest";
import { DecodeError } from "./errors.ts";
import {
  encodeTokenPayload,
  isRecordingId,
  LinkError,
  makeRecordingLink,
  parseRecordingLink,
  parseSessionLink,
  readTokenClaims,
} from "./link.ts";
import {
  decodeMessageBatch,
  encodeMessageBatch,
  MESSAGE_BATCH_VERSION,
  reviewRoomName,
} from "./recordingApi.ts";

const recording = "Rk9vYmFyQmF6UXV4MTIzNA";

describe("message batches", () => {
  it("round trip with each message's log time, empty and non-empty messages", () => {
    const messages = [
      { logTimeNs: 1_764_000_000_123_456_789n, bytes: new Uint8Array([1, 2, 3]) },
      { logTimeNs: 0n, bytes: new Uint8Array(0) },
      { logTimeNs: (1n << 64n) - 1n, bytes: new Uint8Array(1000).fill(7) },
    ];
    const batch = encodeMessageBatch(messages);
    expect(batch.byteLength).toBe(8 + 3 * 12 + 1003);
    expect(decodeMessageBatch(batch)).toEqual(messages);
    expect(decodeMessageBatch(encodeMessageBatch([]))).toEqual([]);
  });

  it("is versioned: an unversioned (version 1) or a future batch is refused by name", () => {
    // Version 1 had no header: the u32 length of the first message came first.
    const v1 = new Uint8Array([5, 0, 0, 0, 1, 2, 3, 4, 5]);
    expect(() => decodeMessageBatch(v1)).toThrow(/not a versioned message batch/);
    const future = encodeMessageBatch([]);
    new DataView(future.buffer).setUint32(4, MESSAGE_BATCH_VERSION + 1, true);
    expect(() => decodeMessageBatch(future)).toThrow(/batch.version: version 3/);
  });

  it("refuses torn batches with a DecodeError", () => {
    const batch = encodeMessageBatch([{ logTimeNs: 5n, bytes: new Uint8Array([1, 2, 3]) }]);
    expect(() => decodeMessageBatch(batch.subarray(0, batch.byteLength - 1))).toThrow(/batch.message/);
    expect(() => decodeMessageBatch(batch.subarray(0, 14))).toThrow(/batch.entry/);
    expect(() => decodeMessageBatch(batch.subarray(0, 5))).toThrow(DecodeError);
    expect(() => decodeMessageBatch(new Uint8Array(0))).toThrow(/batch.header/);
  });
});

describe("recording links and tokens", () => {
  it("builds and parses review-room links", () => {
    expect(isRecordingId(recording)).toBe(true);
    expect(reviewRoomName(recording)).toBe(`rec-${recording}`);
    const link = makeRecordingLink({
      webUrl: "http://web:3000/",
      relayUrl: "http://relay:8787",
      recording,
      token: "v1.a.b",
    });
    expect(link).toBe(`http://web:3000/r/${recording}?relay=http%3A%2F%2Frelay%3A8787#token=v1.a.b`);
    expect(parseRecordingLink(link)).toEqual({
      webUrl: "http://web:3000",
      relayUrl: "http://relay:8787",
      recording,
      token: "v1.a.b",
    });
    expect(() => parseRecordingLink("http://web/r/nope?relay=x#token=t")).toThrow(LinkError);
    expect(() => parseSessionLink(link)).toThrow(LinkError);
  });

  it("carries the recording in token claims; session tokens are unchanged", () => {
    const session = "U2Vzc2lvbklkMTIzNDU2Nw";
    const plain = encodeTokenPayload({ session, role: "view", iat: 5 });
    expect(readTokenClaims(`v1.${plain}.sig`)).toEqual({ session, role: "view", iat: 5 });
    const scoped = encodeTokenPayload({ session, role: "edit", iat: 5, recording });
    expect(readTokenClaims(`v1.${scoped}.sig`)).toEqual({ session, role: "edit", iat: 5, recording });
    const bad = btoa(JSON.stringify({ sid: session, role: "view", iat: 5, rid: "x" }));
    expect(readTokenClaims(`v1.${bad}.sig`)).toBeUndefined();
  });
});
