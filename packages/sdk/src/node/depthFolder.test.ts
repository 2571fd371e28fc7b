import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode } from "fast-png";
import { afterAll, describe, expect, it } from "vitest";
import { openDepthFolder, readColorFrame, readDepthFrame } from "./depthFolder.ts";

const samples = fileURLToPath(new URL("../../../../data/samples/", import.meta.url));
const azure = join(samples, "azure-kinect");
const temp = mkdtempSync(join(tmpdir(), "depthroom-folder-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function folder(name: string, files: Record<string, string | Uint8Array>): string {
  const dir = join(temp, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    writeFileSync(join(dir, file), content);
  }
  return dir;
}
const png16 = (w: number, h: number) =>
  encode({ width: w, height: h, data: new Uint16Array(w * h).fill(1000), depth: 16, channels: 1 });

describe("openDepthFolder", () => {
  it("reads the shipped TUM sample: layout, size, scale, intrinsics from the Open3D JSON, no poses", () => {
    const f = openDepthFolder(join(samples, "tum-fr2"));
    expect(f).toMatchObject({ layout: "tum", width: 640, height: 480, unitsPerMetre: 5000, posedFrames: 0 });
    expect(f.intrinsics).toMatchObject({ fx: 525, fy: 525, cx: 319.5, cy: 239.5 });
    expect(f.frames).toHaveLength(1);
    expect(f.frames[0]?.timeNs).toBe(0n);
    expect(readDepthFrame(f, f.frames[0]!)).toHaveLength(640 * 480);
    // Its registered colour image, from rgb.txt, sent as the PNG's bytes.
    expect(f.colorFrames).toBe(1);
    expect(f.frames[0]?.colorPath?.endsWith("rgb/TUM_color.png")).toBe(true);
    const color = readColorFrame(f.frames[0]!);
    expect([color?.mediaType, color?.blob.byteLength]).toEqual(["image/png", 475_346]);
  });

  it("pairs TUM colour with depth by nearest time within 20 ms (rgb/ names when there is no rgb.txt)", () => {
    const dir = join(temp, "tum-colour");
    mkdirSync(join(dir, "depth"), { recursive: true });
    mkdirSync(join(dir, "rgb"), { recursive: true });
    const times = ["1.000000", "1.033000", "2.000000"];
    for (const t of times) writeFileSync(join(dir, "depth", `${t}.png`), png16(4, 3));
    writeFileSync(join(dir, "depth.txt"), times.map((t) => `${t} depth/${t}.png`).join("\n"));
    writeFileSync(join(dir, "camera-intrinsics.txt"), "4 0 2\n0 4 1.5\n0 0 1\n");
    const jpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0, 0xff, 0xd9);
    for (const t of ["0.990000", "1.040000", "1.100000", "1.960000"]) {
      writeFileSync(join(dir, "rgb", `${t}.jpg`), jpeg);
    }
    const f = openDepthFolder(dir);
    expect(f.frames.map((x) => x.colorPath?.split("/").at(-1))).toEqual([
      "0.990000.jpg", // 10 ms before
      "1.040000.jpg", // 7 ms after (1.000 is nearer to 0.990)
      undefined, // 40 ms from the nearest: no colour
    ]);
    expect(f.colorFrames).toBe(2);
    expect(readColorFrame(f.frames[0]!)?.mediaType).toBe("image/jpeg");
    // rgb.txt wins over the names, and must list files that exist.
    writeFileSync(join(dir, "rgb.txt"), "1.001 rgb/1.100000.jpg\n");
    expect(openDepthFolder(dir).frames.map((x) => x.colorPath?.split("/").at(-1))).toEqual([
      "1.100000.jpg",
      undefined,
      undefined,
    ]);
    writeFileSync(join(dir, "rgb.txt"), "1.001 rgb/1.100000.jpg\n1.9999 rgb/missing.png\n");
    expect(() => openDepthFolder(dir)).toThrow(/rgb.txt:2: rgb\/missing.png does not exist/);
  });

  it("finds 7-Scenes frame-N.color.png|jpg and a plain folder's color/ images; refuses non-images", () => {
    const seven = join(temp, "seven-colour");
    mkdirSync(seven);
    const pngColour = encode({ width: 2, height: 2, data: new Uint8Array(12), depth: 8, channels: 3 });
    for (let i = 0; i < 2; i++) writeFileSync(join(seven, `frame-00000${i}.depth.png`), png16(4, 3));
    writeFileSync(join(seven, "frame-000001.color.jpg"), Uint8Array.of(0xff, 0xd8, 0xff, 0xd9));
    writeFileSync(join(seven, "camera-intrinsics.txt"), "4 0 2\n0 4 1.5\n0 0 1\n");
    const s7 = openDepthFolder(seven);
    expect(s7.frames.map((x) => x.colorPath?.split("/").at(-1))).toEqual([
      undefined,
      "frame-000001.color.jpg",
    ]);

    const plain = folder("plain-colour", { "a.png": png16(4, 3), "b.png": png16(4, 3) });
    mkdirSync(join(plain, "color"));
    writeFileSync(join(plain, "color", "b.png"), pngColour);
    writeFileSync(join(plain, "color", "notes.txt"), "not an image");
    const p = openDepthFolder(plain, { fx: 4, fy: 4, cx: 2, cy: 1.5 });
    expect(p.frames.map((x) => x.colorPath?.split("/").slice(-2).join("/"))).toEqual([
      undefined,
      "color/b.png",
    ]);
    expect(readColorFrame(p.frames[1]!)?.mediaType).toBe("image/png");

    writeFileSync(join(plain, "color", "b.png"), "not a png");
    expect(() => readColorFrame(p.frames[1]!)).toThrow(/color\/b.png: not a JPEG or PNG file/);
  });

  it("reads the shipped Azure Kinect frames as a plain folder, in name order, with intrinsics from flags", () => {
    const f = openDepthFolder(azure, { fx: 252, fy: 252, cx: 160, cy: 144 });
    expect(f).toMatchObject({ layout: "plain", width: 320, height: 288, unitsPerMetre: 1000 });
    expect(f.frames.map((x) => x.path.split("/").at(-1))).toEqual([
      "TestVector0_Room0.png",
      "TestVector0_Room1.png",
      "TestVector1_Ceiling0.png",
      "TestVector1_Ceiling1.png",
      "TestVector2_Person0.png",
      "TestVector2_Person1.png",
    ]);
  });

  it("asks for intrinsics when the folder has none, and for all four flags together", () => {
    expect(() => openDepthFolder(azure)).toThrow(/no intrinsics: .*pass --fx --fy --cx --cy/);
    expect(() => openDepthFolder(azure, { fx: 1, fy: 1 })).toThrow(
      "--fx --fy --cx --cy go together: missing --cx --cy",
    );
  });

  it("reads a 7-Scenes / tsdf-fusion folder with poses and camera-intrinsics.txt", () => {
    const dir = join(temp, "seven");
    mkdirSync(dir);
    for (let i = 0; i < 3; i++) {
      copyFileSync(join(azure, "TestVector0_Room0.png"), join(dir, `frame-00000${i}.depth.png`));
      if (i !== 1)
        writeFileSync(join(dir, `frame-00000${i}.pose.txt`), `1 0 0 ${i}\n0 1 0 0\n0 0 1 0\n0 0 0 1\n`);
    }
    writeFileSync(join(dir, "camera-intrinsics.txt"), "252 0 160\n0 252 144\n0 0 1\n");
    const f = openDepthFolder(dir);
    expect(f).toMatchObject({ layout: "7-scenes", unitsPerMetre: 1000, posedFrames: 2 });
    expect(f.frames.map((x) => x.pose?.translation[0])).toEqual([0, undefined, 2]);
    writeFileSync(join(dir, "camera-intrinsics.txt"), "252 0 160\n0 252\n");
    expect(() => openDepthFolder(dir)).toThrow(/camera-intrinsics.txt: expected a 3x3 matrix/);
  });

  it("refuses images of different sizes, 8-bit PNGs, and a missing folder", () => {
    const mixed = folder("mixed", { "a.png": png16(4, 4), "b.png": png16(4, 5) });
    expect(() => openDepthFolder(mixed, { fx: 1, fy: 1, cx: 1, cy: 1 })).toThrow(
      /b.png: 4x5, but .*a.png is 4x4 \(images of different sizes in one stream\)/,
    );
    const eight = folder("eight", {
      "a.png": encode({ width: 2, height: 2, data: new Uint8Array(4), depth: 8, channels: 1 }),
    });
    expect(() => openDepthFolder(eight, { fx: 1, fy: 1, cx: 1, cy: 1 })).toThrow(
      /a.png: 8-bit greyscale PNG, expected 16-bit/,
    );
    expect(() => openDepthFolder(join(temp, "nope"))).toThrow(/nope: no such folder/);
  });
});
