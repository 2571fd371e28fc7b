import {
  DepthImage,
  decodeMessage,
  EncodedImage,
  Image,
  Pinhole,
  readEnvelope,
  Transform3D,
} from "@depthroom/schema";
import { allocationsPerCall, sampleDepthMessage } from "@depthroom/schema/testing";
import { describe, expect, it } from "vitest";
import { encodeLog } from "./encodeLog.ts";
import { SdkError } from "./errors.ts";
import { MessageBuffers } from "./messageBuffers.ts";
import { Timelines } from "./timelines.ts";

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SdkError);
    expect((error as SdkError).code).toBe("bad-message");
    return (error as SdkError).field;
  }
  return undefined;
}

describe("encodeLog", () => {
  const depth = new Uint16Array([0, 1000, 2000, 65535, 3, 4]);

  it("takes colour images: Image and EncodedImage instances or plain objects, bad ones named", () => {
    const rgb = new Image(Uint8Array.of(1, 2, 3, 4, 5, 6), { width: 2, height: 1, colorModel: "RGB" });
    const jpeg = new EncodedImage(Uint8Array.of(0xff, 0xd8, 0xff, 0xd9));
    const plainRgb = { kind: "Image", data: rgb.data, width: 2, height: 1, colorModel: "RGB" };
    const plainJpeg = { kind: "EncodedImage", blob: jpeg.blob, mediaType: "image/jpeg" };
    expect(decodeMessage(encodeLog("cam/rgb", rgb, []).bytes).archetype).toEqual(rgb);
    expect(decodeMessage(encodeLog("cam/rgb", plainRgb, []).bytes).archetype).toEqual(rgb);
    expect(decodeMessage(encodeLog("cam/jpeg", plainJpeg, []).bytes).archetype).toEqual(jpeg);
    expect(encodeLog("cam/jpeg", jpeg, []).key).toBe("cam/jpeg#EncodedImage");
    expect(fieldOf(() => encodeLog("cam/rgb", { ...plainRgb, data: [1, 2, 3] }, []))).toBe("Image.data");
    expect(fieldOf(() => encodeLog("cam/rgb", { ...plainRgb, colorModel: "HSV" }, []))).toBe(
      "Image.colorModel",
    );
    expect(fieldOf(() => encodeLog("cam/jpeg", { kind: "EncodedImage", blob: Uint8Array.of(1) }, []))).toBe(
      "EncodedImage.blob",
    );
  });

  it("encodes U16 depth with RVL by default, raw on request, and round-trips", () => {
    const time = new Timelines();
    time.set("frame", 7);
    time.set("capture_time", 1_700_000_000_123_456_789n);
    const image = new DepthImage(depth, { width: 3, height: 2 });
    const rvl = encodeLog("world/cam/depth", image, time.current);
    const raw = encodeLog("world/cam/depth", image, time.current, { encoding: "raw" });
    const rawByStream = encodeLog("world/cam/depth", image, time.current, {}, "raw");
    expect(rvl.key).toBe("world/cam/depth#DepthImage");
    expect(rawByStream.bytes).toEqual(raw.bytes);
    expect(rvl.bytes).not.toEqual(raw.bytes);
    for (const m of [rvl, raw]) {
      const decoded = decodeMessage(m.bytes);
      expect((decoded.archetype as DepthImage).data).toEqual(depth);
      expect(decoded.timelines).toEqual([
        { timeline: "frame", kind: "sequence", value: 7n },
        { timeline: "capture_time", kind: "timestamp", value: 1_700_000_000_123_456_789n },
      ]);
    }
  });

  it("sends float depth raw even when the stream prefers RVL", () => {
    const image = new DepthImage(new Float32Array([1.5, 0, Number.NaN, 2]), { width: 2, height: 2 });
    const m = encodeLog("d", image, [], {}, "rvl");
    expect(Array.from((decodeMessage(m.bytes).archetype as DepthImage).data as Float32Array)).toEqual([
      1.5,
      0,
      Number.NaN,
      2,
    ]);
  });

  it("marks static messages and stamps them with no time", () => {
    const time = new Timelines();
    time.set("frame", 1);
    const m = encodeLog(
      "world/cam",
      Pinhole.fromFocalLength({ width: 4, height: 4, focalLength: 2 }),
      time.current,
      {
        static: true,
      },
    );
    const envelope = readEnvelope(m.bytes);
    expect(envelope.static).toBe(true);
    expect(envelope.timelines).toEqual([]);
    expect(m.static).toBe(true);
  });

  it("accepts plain objects and validates them through the archetype classes", () => {
    const m = encodeLog("world/cam", { kind: "Transform3D", translation: [1, 2, 3] }, []);
    expect((decodeMessage(m.bytes).archetype as Transform3D).translation).toEqual([1, 2, 3]);
  });

  it("names the field of an invalid archetype", () => {
    expect(fieldOf(() => encodeLog("d", { kind: "DepthImage", data: depth, width: 0, height: 2 }, []))).toBe(
      "DepthImage.width",
    );
    expect(fieldOf(() => encodeLog("d", { kind: "DepthImage", data: depth, width: 4, height: 2 }, []))).toBe(
      "DepthImage.data",
    );
    expect(fieldOf(() => encodeLog("d", { kind: "DepthImage", data: [1, 2], width: 2, height: 1 }, []))).toBe(
      "DepthImage.data",
    );
    expect(
      fieldOf(() => encodeLog("c", { kind: "Pinhole", imageFromCamera: [0, 0, 0, 0, 1, 0, 0, 0, 1] }, [])),
    ).toBe("Pinhole.imageFromCamera");
    expect(fieldOf(() => encodeLog("c", { kind: "Camera" }, []))).toBe("archetype.kind");
    expect(fieldOf(() => encodeLog("c", 42, []))).toBe("archetype");
    expect(fieldOf(() => encodeLog("", new Transform3D(), []))).toBe("entityPath");
    const f32 = new DepthImage(new Float32Array(4), { width: 2, height: 2 });
    expect(fieldOf(() => encodeLog("d", f32, [], { encoding: "rvl" }))).toBe("DepthImage.encoding");
  });
});

describe("Timelines", () => {
  it("takes numbers as sequences and bigints as nanosecond timestamps, refusing anything else", () => {
    const time = new Timelines();
    time.set("frame", 3);
    time.set("t", 5n);
    expect(time.current.map((p) => p.kind)).toEqual(["sequence", "timestamp"]);
    time.disable("frame");
    expect(time.current.map((p) => p.timeline)).toEqual(["t"]);
    expect(fieldOf(() => time.set("frame", 1.5))).toBe("timeline");
    expect(fieldOf(() => time.set("bad name", 1))).toBe("timeline");
    expect(fieldOf(() => time.set("t", 1n << 64n))).toBe("timeline");
    time.reset();
    expect(time.current).toEqual([]);
  });

  it("hands out one array until a time changes, and never changes an array it handed out", () => {
    const time = new Timelines();
    time.set("frame", 1);
    time.set("t", 2n);
    const first = time.current;
    expect(time.current).toBe(first);
    time.set("frame", 2);
    expect(time.current).not.toBe(first);
    expect(first.map((p) => p.value)).toEqual([1n, 2n]);
    expect(time.current.map((p) => p.value)).toEqual([2n, 2n]);
  });
});

describe("a rig's frame: setTime twice, then log", () => {
  it("allocates its message and a few KB of small objects, over 1,000 TUM frames", {
    timeout: 60_000,
  }, () => {
    const { archetype } = sampleDepthMessage();
    const time = new Timelines();
    let frame = 0;
    for (const encoding of ["raw", "rvl"] as const) {
      const size = encodeLog("world/camera/depth", archetype, [], { encoding }).bytes.byteLength;
      const used = allocationsPerCall(() => {
        time.set("frame", frame++);
        time.set("capture_time", BigInt(frame) * 33_333_333n);
        encodeLog("world/camera/depth", archetype, time.current, { encoding });
      }, 1000);
      expect(used.clean, encoding).toBeGreaterThan(500);
      // The message's own bytes (+ 2 timelines' stamps); nothing else frame-sized.
      expect(used.arrayBuffers, encoding).toBeGreaterThan(size * 0.95);
      expect(used.arrayBuffers, encoding).toBeLessThan(size + 1024);
      expect(used.heap, encoding).toBeLessThan(8 * 1024);
    }
  });

  it("with the producer's reused buffers, allocates nothing frame-sized (each message given back once sent)", {
    timeout: 60_000,
  }, () => {
    const { archetype } = sampleDepthMessage();
    const time = new Timelines();
    const buffers = new MessageBuffers(4);
    let frame = 0;
    for (const encoding of ["raw", "rvl"] as const) {
      const used = allocationsPerCall(() => {
        time.set("frame", frame++);
        time.set("capture_time", BigInt(frame) * 33_333_333n);
        const logged = encodeLog(
          "world/camera/depth",
          archetype,
          time.current,
          { encoding },
          undefined,
          buffers,
        );
        expect(logged.reusable).toBe(true);
        buffers.give(logged.bytes);
      }, 1000);
      expect(used.clean, encoding).toBeGreaterThan(500);
      expect(used.arrayBuffers, encoding).toBeLessThan(1024);
      expect(used.heap, encoding).toBeLessThan(8 * 1024);
    }
    // State is kept to be sent again after a reconnect: never in a reused buffer.
    const pinhole = encodeLog(
      "world/camera",
      sampleDepthMessage().archetype,
      [],
      { static: true },
      undefined,
      buffers,
    );
    expect(pinhole.reusable).toBeUndefined();
  });
});
