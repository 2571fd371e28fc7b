import { DecodeError, encodeMessage, readEnvelope, Transform3D } from "@depthroom/schema";
import { sampleDepthMessage, sampleStream, stampFrame } from "@depthroom/schema/testing";
import { describe, expect, it } from "vitest";
import { RepeatedHeader } from "./repeatedHeader.ts";

/* The relay's shortcut past readEnvelope for a header it has read before, against readEnvelope itself. */

/** What the relay reads of a message, through readEnvelope; undefined when refused. */
function read(bytes: Uint8Array): { kind: string; entityPath: string; static: boolean } | undefined {
  try {
    const { kind, entityPath, static: isStatic } = readEnvelope(bytes);
    return { kind, entityPath, static: isStatic };
  } catch (error) {
    if (error instanceof DecodeError) return undefined;
    throw error;
  }
}

function transform(entityPath: string, frame: bigint): Uint8Array {
  return encodeMessage({
    entityPath,
    timelines: [{ timeline: "frame", kind: "sequence", value: frame }],
    archetype: new Transform3D({ translation: [1, 2, 3] }),
  });
}

describe("RepeatedHeader", () => {
  it("knows a header again with other timeline values, and nothing else", () => {
    const stream = sampleStream();
    const headers = new RepeatedHeader<string>();
    const first = stampFrame(stream, 1, 1000);
    expect(headers.match(first)).toBeUndefined();
    headers.remember(first, "depth");
    for (let i = 2; i < 50; i++) expect(headers.match(stampFrame(stream, i, 1000 + i * 33.3))).toBe("depth");

    // Another entity, another timeline set, a static flag: read again.
    expect(headers.match(sampleStream("world/other").depth)).toBeUndefined();
    expect(headers.match(transform("world/camera/depth", 1n))).toBeUndefined();
    expect(headers.match(encodeMessage({ ...sampleDepthMessage(), static: true }))).toBeUndefined();
    // A body of another length than the header says: truncated or with trailing bytes.
    expect(headers.match(first.subarray(0, first.length - 1))).toBeUndefined();
    const longer = new Uint8Array(first.length + 1);
    longer.set(first);
    expect(headers.match(longer)).toBeUndefined();

    // Several entities of one producer are remembered side by side.
    headers.remember(transform("world/arm", 1n), "arm");
    expect(headers.match(transform("world/arm", 99n))).toBe("arm");
    expect(headers.match(stampFrame(stream, 51, 2000))).toBe("depth");
  });

  it("never takes a message readEnvelope refuses, nor reads one differently (every single-byte change)", () => {
    const stream = sampleStream();
    const original = stampFrame(stream, 7, 1234);
    const expected = read(original);
    const headers = new RepeatedHeader<typeof expected>();
    headers.remember(original, expected);
    // Every byte of the header and the body length, each set to a few values.
    const headerEnd = stream.captureOffset + 8 + 4;
    let taken = 0;
    for (let at = 0; at < headerEnd; at++) {
      for (const value of [0, 1, 0x2f, 0x7f, 0xff, ((original[at] as number) + 1) & 0xff]) {
        const changed = original.slice();
        changed[at] = value;
        const matched = headers.match(changed);
        if (matched === undefined) continue;
        taken++;
        expect(read(changed), `byte ${at} = ${value}`).toEqual(matched);
      }
    }
    // The timeline values' bytes are the ones taken.
    expect(taken).toBeGreaterThan(16 * 4);
  });
});
