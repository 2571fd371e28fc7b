import { DepthImage, encodeMessage, loadUpZstdEncoder } from "@depthroom/schema";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import {
  TUM,
  TUM_CAMERA,
  TUM_FRAME,
  TUM_PINHOLE,
  TUM_UNITS_PER_METRE,
  tumDepthImage,
} from "./support/realSamples.ts";
import { waitForEntities } from "./support/session.ts";
import { viewerSuite } from "./support/suite.ts";

// Issue 19: a rig sending MED-deflate depth (wire encoding 2): the viewer's frame worker inflates it with
// fflate (synchronously, as decodeMessage does in browsers) and draws the real TUM frame with its exact
// depth values. Then the same frame in metres as F32 with NaN holes, sent as float-deflate (encoding 3),
// whose encoder takes stage-1 layout 2 (the pixels' own bits) for this quantised depth. And the frame as
// up-zstd (encoding 4), decoded in the worker by WebAssembly (zstd, then the unpredict loop), and on the
// page (`?decode=main`). Debian's Chromium 156 compiles the 54 KB decoder synchronously there too, so this
// does not take the wait for the asynchronous loader (frameCoreUpZstd.test does, where compiling refuses).

/**
 * The cloud is drawn from the frame worker's decode (or the page's, `where`), and the viewer's readout
 * of a grid of sampled pixels (more than 40 with depth) matches `expected` (metres, undefined for a
 * hole) as `check` says.
 */
async function expectWorkerReadouts(
  page: Page,
  expected: (u: number, v: number) => number | undefined,
  check: (readout: number | undefined, metres: number, at: string) => void,
  where: "worker" | "main" = "worker",
): Promise<void> {
  await waitForEntities(page, "hasCloud", [TUM]);
  expect(await page.evaluate(() => window.__depthroom!.decode())).toBe(where);
  let checked = 0;
  for (let v = 7; v < 480; v += 53) {
    for (let u = 11; u < 640; u += 71) {
      const metres = expected(u, v);
      if (metres === undefined) continue;
      const readout = await page.evaluate(
        ([entity, x, y]) => window.__depthroom!.readout(entity as string, x as number, y as number),
        [TUM, u, v] as const,
      );
      check(readout?.depthMeters, metres, `pixel ${u},${v}`);
      checked++;
    }
  }
  expect(checked).toBeGreaterThan(40);
}

/** A rig sending the TUM frame (and its pinhole) as `encoding`: the suite, after the frame is flushed. */
function tumFrameSuite(encoding: "med" | "up-zstd", query?: string) {
  const viewer = viewerSuite({ rig: { depthEncoding: encoding }, ...(query ? { query } : {}) });
  beforeAll(async () => {
    // up-zstd's encoder is WebAssembly loaded asynchronously; loaded, the frame goes as encoding 4.
    await loadUpZstdEncoder();
    viewer.rig.log(TUM_CAMERA, TUM_PINHOLE, { static: true });
    viewer.rig.setTime("frame", 1);
    viewer.rig.log(TUM, tumDepthImage());
    await viewer.rig.flush();
  });
  return viewer;
}

/** The TUM frame's readouts, drawn from the worker's decode: its stored depth / 5000 at each sample. */
async function expectTumReadouts(page: Page, where: "worker" | "main" = "worker"): Promise<void> {
  await expectWorkerReadouts(
    page,
    (u, v) => {
      const stored = TUM_FRAME.depth[v * 640 + u]!;
      return stored === 0 ? undefined : stored / TUM_UNITS_PER_METRE;
    },
    (readout, metres, at) => expect(readout, at).toBeCloseTo(metres, 6),
    where,
  );
}

describe("MED-deflate depth in the viewer", () => {
  const viewer = tumFrameSuite("med");

  it("decodes in the frame worker and reads out the exact depth of sampled pixels", async () => {
    await expectTumReadouts(viewer.page);
  });
});

describe("float-deflate F32 depth in the viewer (stage-1 layout 2)", () => {
  const viewer = viewerSuite({ rig: { depthEncoding: "float-deflate" } });
  const frame = TUM_FRAME;
  const metres = Float32Array.from(frame.depth, (v) => (v === 0 ? Number.NaN : v / TUM_UNITS_PER_METRE));

  beforeAll(async () => {
    viewer.rig.log(TUM_CAMERA, TUM_PINHOLE, { static: true });
    viewer.rig.setTime("frame", 1);
    viewer.rig.log(TUM, new DepthImage(metres, { width: 640, height: 480, meter: 1 }));
    await viewer.rig.flush();
  });

  it("decodes in the frame worker and reads out the exact depth of sampled pixels", async () => {
    await expectWorkerReadouts(
      viewer.page,
      (u, v) => {
        const stored = metres[v * 640 + u]!;
        return Number.isNaN(stored) ? undefined : stored;
      },
      (readout, expected, at) => expect(readout, at).toBe(expected),
    );
  });
});

describe("up-zstd depth in the viewer (encoding 4, WebAssembly in the worker)", () => {
  const viewer = tumFrameSuite("up-zstd");

  it("decodes in the frame worker and reads out the exact depth of sampled pixels", async () => {
    await expectTumReadouts(viewer.page);
    // What the rig sent was encoding 4: its bytes are the up-zstd message's, smaller than MED's.
    const message = {
      entityPath: TUM,
      timelines: [{ timeline: "frame", kind: "sequence" as const, value: 1n }],
      archetype: tumDepthImage(),
    };
    const up = encodeMessage(message, { depthEncoding: "up-zstd" }).length;
    expect(up).toBeLessThan(encodeMessage(message, { depthEncoding: "med" }).length);
    expect(viewer.rig.stats.bytes).toBeGreaterThanOrEqual(up);
    expect(viewer.rig.stats.bytes).toBeLessThan(up + 1024); // plus the static pinhole
  });
});

describe("up-zstd depth decoded on the page (?decode=main)", () => {
  const viewer = tumFrameSuite("up-zstd", "decode=main");

  it("reads out the exact depth of sampled pixels, with no problem", async () => {
    await expectTumReadouts(viewer.page, "main");
    const problems = await viewer.page.evaluate(() =>
      window.__depthroom!.state().problems.map((p) => p.message),
    );
    expect(problems).toEqual([]);
  });
});
