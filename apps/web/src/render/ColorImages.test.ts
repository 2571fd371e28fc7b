import { NullEngine } from "@babylonjs/core/Engines/nullEngine.js";
import { Scene } from "@babylonjs/core/scene.js";
import { EncodedImage } from "@depthroom/schema";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DecodedImage } from "../frames/imageDecode.ts";
import { ColorImages } from "./ColorImages.ts";

// Uploads without a GPU: NullEngine creates textures as no-ops; a decoded frame is a stand-in
// ImageBitmap that records whether it was closed (the class owns and must close every one).
let engine: NullEngine;
let scene: Scene;
let images: ColorImages;

beforeEach(() => {
  engine = new NullEngine();
  scene = new Scene(engine);
  images = new ColorImages(scene);
});

afterEach(() => {
  images.dispose();
  scene.dispose();
  engine.dispose();
});

function decoded(): DecodedImage & { closed: () => boolean } {
  let closed = false;
  const bitmap = {
    width: 4,
    height: 2,
    close: () => {
      closed = true;
    },
  } as unknown as ImageBitmap;
  return { bitmap, decodeMs: 1, closed: () => closed } as DecodedImage & { closed: () => boolean };
}

const jpeg = () => new EncodedImage(new Uint8Array([0xff, 0xd8, 0xff]), { mediaType: "image/jpeg" });

describe("ColorImages", () => {
  it("closes every decoded frame: uploaded, replaced before a draw, or failed to upload", () => {
    const replaced = decoded();
    const uploaded = decoded();
    images.offer("cam/rgb", jpeg(), [], replaced);
    images.offer("cam/rgb", jpeg(), [], uploaded);
    expect(replaced.closed()).toBe(true);
    expect(images.flush()).toBe(true);
    expect(uploaded.closed()).toBe(true);

    // The texture refuses the next image: that image is lost and freed, the failure is named, the loop
    // goes on and another entity still uploads in the same flush.
    const refused = decoded();
    const other = decoded();
    const update = vi.spyOn(engine, "updateDynamicTexture").mockImplementationOnce(() => {
      throw new Error("context lost");
    });
    images.offer("cam/rgb", jpeg(), [], refused);
    images.offer("cam2/rgb", jpeg(), [], other);
    expect(() => images.flush()).not.toThrow();
    expect(update).toHaveBeenCalledTimes(2);
    expect(refused.closed()).toBe(true);
    expect(other.closed()).toBe(true);
    const stats = new Map(images.stats().map((s) => [s.entity, s]));
    expect(stats.get("cam/rgb")).toMatchObject({
      uploads: 1,
      failures: 1,
      lastError: "upload failed: context lost",
    });
    expect(stats.get("cam2/rgb")).toMatchObject({ uploads: 1, failures: 0 });
  });
});
