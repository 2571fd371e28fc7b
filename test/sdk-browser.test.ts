import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { DepthImage, Pinhole } from "@depthroom/schema";
import { connect } from "@depthroom/sdk";
import { launchChromium } from "@depthroom/web/testing";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession } from "./support/relay.ts";

// The SDK in a real browser (Chromium): the browser entry of @depthroom/sdk bundles with no Node
// built-ins, and its subscriber, in a page, receives a producer's frames through the relay with RVL
// (and MED-deflate, inflated by fflate in the page; and up-zstd, whose WASM decoder a page's main thread
// cannot compile at once: the subscriber waits for its loader, then decodes the first frame) decoded to
// the exact values (protocol 2: paced by credit; the page hands frames over from a MessageChannel task,
// Node from setImmediate).
const ENCODINGS = ["rvl", "med", "up-zstd"] as const;
describe("SDK in the browser", () => {
  const cleanups = cleanupsAfterEach();

  it.each(ENCODINGS)("subscribes from a page and receives decoded depth (%s)", async (depthEncoding) => {
    // Bundle the browser entry exactly as a web bundler would, for the browser platform.
    const bundle = await build({
      stdin: {
        contents: `import { subscribe } from "@depthroom/sdk"; window.depthroom = { subscribe };`,
        resolveDir: fileURLToPath(new URL(".", import.meta.url)),
        loader: "ts",
      },
      bundle: true,
      platform: "browser",
      format: "iife",
      write: false,
      logLevel: "silent",
    });
    const script = bundle.outputFiles[0]!.text;
    expect(script).not.toMatch(/require\("node:|from "node:/);

    const page = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<!doctype html><meta charset="utf-8"><script>${script.replace(/<\/script/g, "<\\/script")}</script>`,
      );
    });
    await new Promise<void>((resolve) => page.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => (page as Server).close(resolve)));
    const pageUrl = `http://127.0.0.1:${(page.address() as { port: number }).port}/`;

    const { session } = await relayWithSession(cleanups);

    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const tab = await browser.newPage();
    const pageErrors: string[] = [];
    tab.on("pageerror", (error) => pageErrors.push(error.message));
    await tab.goto(pageUrl);
    await tab.evaluate(async (link) => {
      const w = window as unknown as {
        depthroom: { subscribe: typeof import("@depthroom/sdk").subscribe };
        got: { entity: string; kind: string; values: number[] | null; meter: number | null }[];
        states: string[];
      };
      w.got = [];
      w.states = [];
      const sub = w.depthroom.subscribe({ link }, (m) => {
        const a = m.archetype;
        w.got.push({
          entity: m.entityPath,
          kind: a.kind,
          values: a.kind === "DepthImage" ? Array.from(a.data as Uint16Array) : null,
          meter: a.kind === "DepthImage" ? a.meter : null,
        });
      });
      sub.on("state", (s) => w.states.push(s));
      await sub.ready;
    }, session.links.view);

    const rec = await connect({ link: session.links.publish }, { depthEncoding });
    cleanups.push(() => rec.close());
    const width = 64;
    const height = 48;
    const frames = [0, 1, 2].map((f) =>
      Uint16Array.from({ length: width * height }, (_, i) => (i % 7 === 0 ? 0 : 1000 + f * 100 + (i % 50))),
    );
    rec.log("world/camera", Pinhole.fromFocalLength({ width, height, focalLength: 50 }), { static: true });
    // One frame at a time: the relay gives a slow viewer the newest frame (latest wins), and this test
    // wants to see each one decoded.
    for (const [f, data] of frames.entries()) {
      rec.setTime("frame", f);
      rec.log("world/camera/depth", new DepthImage(data, { width, height, meter: 1000 }));
      await tab.waitForFunction((n) => (window as unknown as { got: unknown[] }).got.length === n, f + 2, {
        timeout: 10_000,
      });
    }
    const got = await tab.evaluate(
      () =>
        (
          window as unknown as {
            got: { entity: string; kind: string; values: number[] | null; meter: number | null }[];
          }
        ).got,
    );
    expect(got.map((g) => `${g.entity}:${g.kind}`)).toEqual([
      "world/camera:Pinhole",
      "world/camera/depth:DepthImage",
      "world/camera/depth:DepthImage",
      "world/camera/depth:DepthImage",
    ]);
    got.slice(1).forEach((g, f) => {
      expect(g.values).toEqual(Array.from(frames[f]!));
      expect(g.meter).toBe(1000);
    });
    expect(await tab.evaluate(() => (window as unknown as { states: string[] }).states)).toEqual([
      "connected",
    ]);
    expect(pageErrors).toEqual([]);
  });
});
