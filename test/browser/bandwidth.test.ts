import { type DepthEncoding, DepthImage, encodeMessage, loadUpZstdEncoder } from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { connect, type DepthEncodingOption, demoCameras, renderDemoDepth } from "@depthroom/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import { waitInPage } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Issue 19: the MB/s the viewer's status bar shows for a rig drops by the ratio MED-deflate or up-zstd
// gains over RVL. A rig streams at a fixed rate, once as RVL and once as MED or up-zstd (the demo rig:
// with "auto", what `depthroom demo` sends: per camera the smallest of the three); the two readings
// (status bar text and window.__depthroom.receivedBytesPerSecond()) are compared with the ratio of the
// sizes the schema encodes the frames sent while they were read.

interface Frame {
  readonly entity: string;
  readonly image: DepthImage;
}
/** A rig: its rate and the frames of its tick n (the same ticks whatever the encoding). */
interface Rig {
  readonly hz: number;
  frames(n: number): Frame[];
}
interface Run {
  /** Medians of the readings. */
  readonly hook: number;
  readonly shown: number;
  /**
   * Wire bytes per tick, as the schema encodes them, of the ticks sent in the readings' windows; for
   * `auto` each frame's smallest lossless U16 encoding (what auto keeps per camera of a steady rig).
   */
  bytesPerTick(encoding: DepthEncoding | "auto"): number;
}

describe("bytes per second the viewer receives", () => {
  const viewer = viewerSuite({ rig: false });
  // up-zstd's encoder is WebAssembly loaded asynchronously: loaded first, so the rig uses it from frame 1.
  beforeAll(() => loadUpZstdEncoder());

  /** Stream `rig` with one encoding; the median of the page's readings once two 1 s windows closed. */
  async function streamAndRead(rig: Rig, depthEncoding: DepthEncodingOption): Promise<Run> {
    // No rate left from a previous rig, so the readings hold this one's frames only.
    await waitInPage(viewer.page, () => (window.__depthroom?.receivedBytesPerSecond() ?? 0) === 0, null);
    const stream = await connect({ link: viewer.links.publish }, { depthEncoding });
    const sent: { at: number; n: number; frames: Frame[] }[] = [];
    let n = 0;
    const timer = setInterval(() => {
      const frames = rig.frames(n);
      stream.setTime("frame", n);
      for (const f of frames) stream.log(f.entity, f.image);
      sent.push({ at: Date.now(), n, frames });
      n++;
    }, 1000 / rig.hz);
    try {
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await waitInPage(viewer.page, () => (window.__depthroom?.receivedBytesPerSecond() ?? 0) > 0, null);
      const readFrom = Date.now();
      const hooks: number[] = [];
      const shown: number[] = [];
      for (let i = 0; i < 8; i++) {
        await new Promise((resolve) => setTimeout(resolve, 400));
        hooks.push(await viewer.page.evaluate(() => window.__depthroom!.receivedBytesPerSecond() ?? 0));
        const text = (await viewer.page.getByTestId("bandwidth").textContent()) ?? "";
        const match = /^([\d.]+) MB\/s$/.exec(text.trim());
        expect(match, `status bar reads "${text}"`).not.toBeNull();
        shown.push(Number(match![1]) * 1e6);
      }
      const readTo = Date.now();
      // The readings' windows: up to 2 s before the first reading (a window and the one being filled).
      const ticks = sent.filter((s) => s.at >= readFrom - 2000 && s.at <= readTo);
      return {
        hook: median(hooks),
        shown: median(shown),
        bytesPerTick: (encoding) => {
          let total = 0;
          for (const tick of ticks) {
            const timelines = [{ timeline: "frame", kind: "sequence" as const, value: BigInt(tick.n) }];
            for (const f of tick.frames) {
              const message = { entityPath: f.entity, timelines, archetype: f.image };
              const size = (depthEncoding: DepthEncoding) => encodeMessage(message, { depthEncoding }).length;
              total +=
                encoding === "auto" ? Math.min(size("rvl"), size("med"), size("up-zstd")) : size(encoding);
            }
          }
          return total / ticks.length;
        },
      };
    } finally {
      clearInterval(timer);
      await stream.close();
    }
  }

  /** Both runs, printed, and the readings' ratio against the encoded sizes' ratio (within 25%). */
  async function compare(
    name: string,
    rig: Rig,
    medOption: Exclude<DepthEncodingOption, "rvl" | "raw" | "float-deflate">,
  ): Promise<void> {
    const rvl = await streamAndRead(rig, "rvl");
    const med = await streamAndRead(rig, medOption);
    const rvlTick = rvl.bytesPerTick("rvl");
    const medTick = med.bytesPerTick(medOption);
    const sizeRatio = rvlTick / medTick;
    const hookRatio = rvl.hook / med.hook;
    const shownRatio = rvl.shown / med.shown;
    process.stdout.write(
      `bandwidth, ${name} at ${rig.hz} Hz: RVL ${(rvl.shown / 1e6).toFixed(2)} MB/s shown ` +
        `(hook ${(rvl.hook / 1e6).toFixed(3)}, ${(rvlTick / 1e3).toFixed(1)} kB per tick), ` +
        `${medOption} ${(med.shown / 1e6).toFixed(2)} MB/s shown (hook ${(med.hook / 1e6).toFixed(3)}, ` +
        `${(medTick / 1e3).toFixed(1)} kB per tick as ${medOption}); ratio shown ${shownRatio.toFixed(3)}, ` +
        `hook ${hookRatio.toFixed(3)}, encoded sizes ${sizeRatio.toFixed(3)}\n`,
    );
    expect(sizeRatio).toBeGreaterThan(1.2);
    expect(Math.abs(hookRatio / sizeRatio - 1)).toBeLessThan(0.25);
    expect(Math.abs(shownRatio / sizeRatio - 1)).toBeLessThan(0.25);
  }

  /** The real TUM frame at 10 Hz. */
  function tumRig(): Rig {
    const tum = loadSampleSets()[0]!;
    const images = tum.frames.map(
      (f) => new DepthImage(f.depth, { width: 640, height: 480, meter: tum.unitsPerMetre }),
    );
    return { hz: 10, frames: (n) => [{ entity: "world/tum/depth", image: images[n % images.length]! }] };
  }

  it("drops by the ratio MED-deflate gains over RVL on the real TUM frame", async () => {
    await compare("TUM 640x480", tumRig(), "med");
  });

  it("drops by the ratio up-zstd gains over RVL on the real TUM frame", async () => {
    await compare("TUM 640x480", tumRig(), "up-zstd");
  });

  it("drops by that ratio for the demo rig (two 320x240 cameras, auto as `depthroom demo` sends)", async () => {
    const cameras = demoCameras(320, 240);
    const hz = 15; // the demo's default rate
    const rig: Rig = {
      hz,
      frames: (n) =>
        cameras.map((camera) => ({
          entity: `${camera.entity}/depth`,
          image: new DepthImage(renderDemoDepth(camera, n / hz, new Uint16Array(320 * 240)), {
            width: 320,
            height: 240,
            meter: 1000,
          }),
        })),
    };
    await compare("demo rig", rig, "auto");
  });
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
