import { loadavg } from "node:os";
import { DepthImage, makeSessionLink, Pinhole, rayTable } from "@depthroom/schema";
import { loadSampleSets, TUM_INTRINSICS } from "@depthroom/schema/testing";
import { connect } from "@depthroom/sdk";
import type { Page } from "playwright-core";
import { withBrowserBench } from "./browserBench.ts";

/*
 * Lens distortion benchmark (issue 17; real Chromium, SwiftShader WebGL2 here; `npm run bench -w
 * @depthroom/web` runs it after the others). The shipped TUM frame, 640x480, one cloud on screen, drawn
 * through today's pinhole path (x = (u - cx) z / fx in the vertex shader) and through the ray table
 * (plumb_bob k1 = -0.3, ..., one RG32F texel fetch per vertex), alternating A B A B A B in one page:
 *   - draw: median ms per drawn frame while the 3D camera moves a little each frame (what a frame costs
 *     on this GPU, SwiftShader: the vertex shader runs on the CPU);
 *   - the ray table's build on the CPU (once per intrinsics, not per frame): `rayTable` in Node.
 * The per-frame upload (the R16UI depth texture) is the same bytes on both paths.
 * Goal: the ray-table path costs no more per frame than the pinhole path (ratio printed).
 */

const DRAWS = Number(process.env.BENCH_DRAWS ?? 60);
const ROUNDS = 3;
const K = TUM_INTRINSICS;
const DISTORTION = { model: "plumb_bob", coefficients: [-0.3, 0.1, 0.001, -0.001, 0] } as const;
const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor(sorted.length / 2)] as number) : Number.NaN;
};

/** Median ms per drawn frame over `draws` frames, each after a small move of the 3D camera. */
async function drawMs(page: Page, draws: number): Promise<number> {
  return page.evaluate(async (n) => {
    const hooks = window.__depthroom!;
    const pose = hooks.pose();
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const before = hooks.framesDrawn();
      const start = performance.now();
      const e = pose.eye;
      hooks.setPose({ ...pose, eye: [e[0] + (i % 2 ? 1e-3 : -1e-3), e[1], e[2]] });
      while (hooks.framesDrawn() <= before) await new Promise((resolve) => requestAnimationFrame(resolve));
      // The next animation frame starts after the drawn one was handed to the GPU process.
      await new Promise((resolve) => requestAnimationFrame(resolve));
      times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  }, draws);
}

async function main(): Promise<void> {
  const plain: number[] = [];
  const rays: number[] = [];
  await withBrowserBench(async ({ relay, web, browser }) => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const session = await relay.createSession("bench distortion");
    const link = (role: string) =>
      makeSessionLink({
        webUrl: web.url,
        relayUrl: relay.url,
        session: session.id,
        token: session.tokens[role as keyof typeof session.tokens] as string,
      });
    await page.goto(link("edit"));
    await page.waitForFunction(() => window.__depthroom?.status().key === "waiting", null, {
      timeout: 20_000,
    });
    const rig = await connect({ link: link("publish") }, { name: "bench rig" });
    const tum = loadSampleSets()[0]?.frames[0];
    if (!tum) throw new Error("no TUM sample frame");
    rig.log(
      "world/camera/depth",
      new DepthImage(tum.depth, { width: tum.width, height: tum.height, meter: 5000 }),
    );
    for (let round = 0; round < ROUNDS; round++) {
      for (const distorted of [false, true]) {
        rig.log(
          "world/camera",
          Pinhole.fromIntrinsics({ ...K, ...(distorted ? { distortion: DISTORTION } : {}) }),
          { static: true },
        );
        await rig.flush();
        await page.waitForFunction(
          ([d]) => {
            const r = window.__depthroom?.readout("world/camera/depth", 600, 20)?.cameraPoint;
            return r !== undefined && Math.abs(r[0] / r[2] - (600 - 319.5) / 525) > 1e-6 === d;
          },
          [distorted] as const,
          { timeout: 20_000 },
        );
        if (round === 0 && !distorted) await page.evaluate(() => window.__depthroom!.fit());
        (distorted ? rays : plain).push(await drawMs(page, DRAWS));
      }
    }
    await rig.close(1000);
    await page.close();
  });
  const builds: number[] = [];
  const pinhole = Pinhole.fromIntrinsics({ ...K, distortion: DISTORTION });
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    rayTable(pinhole, K.width, K.height);
    builds.push(performance.now() - start);
  }
  const p = median(plain);
  const r = median(rays);
  console.log(
    `\nlens distortion benchmark: TUM 640x480, one cloud, Chromium + SwiftShader, 2 cores; ${ROUNDS} rounds of ${DRAWS} draws per path`,
  );
  console.log(
    `pinhole path:   ${p.toFixed(2)} ms per drawn frame (rounds ${plain.map((x) => x.toFixed(2)).join(", ")})`,
  );
  console.log(
    `ray-table path: ${r.toFixed(2)} ms per drawn frame (rounds ${rays.map((x) => x.toFixed(2)).join(", ")})`,
  );
  console.log(`ray table build (CPU, once per intrinsics): ${median(builds).toFixed(1)} ms`);
  console.log(
    `goal: the ray-table path costs no more per frame than the pinhole path: ratio ${(r / p).toFixed(3)} -> ${r <= p * 1.05 ? "met (within 5 %)" : "NOT met"}; load average ${(loadavg()[0] ?? Number.NaN).toFixed(1)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
