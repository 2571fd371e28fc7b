import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  base64UrlEncode,
  DepthImage,
  encodeTokenPayload,
  RELAY_PROTOCOL_VERSION,
  type Refusal,
  type Welcome,
} from "@depthroom/schema";
import { postNotice, type RecordingStream } from "@depthroom/sdk";
import type { Browser, Page } from "playwright-core";
import { Server as SocketServer } from "socket.io";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startTestRelay, type TestRelay } from "../support/relay.ts";
import { linkFor } from "./support/links.ts";
import { launchChromium, newPage, producer, waitInPage } from "./support/session.ts";

// Connection states that need a relay of another protocol version, or a viewer too busy for the rig.

/**
 * A stand-in for a relay of another protocol version: a real socket.io server (WebSocket transport,
 * like the relay) that speaks protocol RELAY_PROTOCOL_VERSION + 1. With `refuse`, it turns the viewer's
 * handshake down the way our relay does when `?v=` is not its version (`connect_error` with a
 * `version-mismatch` refusal); with `welcome`, it accepts and welcomes with its own version (a relay
 * that leaves the check to the client), which the SDK must notice.
 */
async function startOtherVersionRelay(mode: "refuse" | "welcome"): Promise<{
  url: string;
  handshakes: () => number;
  close(): Promise<void>;
}> {
  const otherVersion = RELAY_PROTOCOL_VERSION + 1;
  const http: HttpServer = createServer((_req, res) => res.writeHead(404).end());
  const io = new SocketServer(http, { transports: ["websocket"] });
  let handshakes = 0;
  io.use((socket, next) => {
    handshakes++;
    if (mode === "welcome") return next();
    const refusal: Refusal = {
      code: "version-mismatch",
      message: `relay protocol ${otherVersion}, the client asked for ${String(socket.handshake.query.v)}`,
    };
    next(Object.assign(new Error(refusal.message), { data: refusal }));
  });
  io.on("connection", (socket) => {
    const welcome: Welcome = {
      protocolVersion: otherVersion,
      relayVersion: `${otherVersion}.0.0`,
      session: String(socket.handshake.query.session),
      role: "view",
      connectionId: socket.id,
      producers: [],
    };
    socket.emit("welcome", welcome);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handshakes: () => handshakes,
    close: async () => {
      await io.close();
    },
  };
}

/** A well-formed view link to `relayUrl` (the stand-in checks no signature; the page checks the form). */
function viewLinkTo(webUrl: string, relayUrl: string): string {
  const session = "AAAAAAAAAAAAAAAAAAAAAA";
  const now = Math.floor(Date.now() / 1000);
  const payload = encodeTokenPayload({ session, role: "view", iat: now, exp: now + 3600 });
  const token = `v1.${payload}.${base64UrlEncode(new Uint8Array(32))}`;
  return `${webUrl}/s/${session}?relay=${encodeURIComponent(relayUrl)}#token=${encodeURIComponent(token)}`;
}

describe("viewer connection states in the browser", () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  for (const mode of ["refuse", "welcome"] as const) {
    it(`a relay of another protocol version (${mode === "refuse" ? "refuses the handshake" : "welcomes with its version"}): the top bar says "Relay version mismatch"`, async () => {
      const other = await startOtherVersionRelay(mode);
      const page = await newPage(browser);
      try {
        await page.goto(viewLinkTo(inject("webUrl"), other.url));
        await waitInPage(page, () => window.__depthroom?.status().key === "version-mismatch", null);
        expect(other.handshakes()).toBeGreaterThan(0);
        const status = page.getByTestId("status");
        expect(await status.getAttribute("data-status")).toBe("version-mismatch");
        expect(await status.textContent()).toContain("Relay version mismatch");
        const detail = (await page.getByTestId("status-detail").textContent()) ?? "";
        expect(detail).toContain(`protocol ${RELAY_PROTOCOL_VERSION + 1}`);
        // Closed for good: it does not keep knocking.
        const handshakes = other.handshakes();
        await page.waitForTimeout(1500);
        expect(other.handshakes()).toBe(handshakes);
        expect(await page.evaluate(() => window.__depthroom!.status().key)).toBe("version-mismatch");
      } finally {
        await page.close();
        await other.close();
      }
    });
  }

  describe("frames dropped", () => {
    let relay: TestRelay;
    let page: Page;
    let rig: RecordingStream | undefined;

    beforeAll(async () => {
      relay = await startTestRelay();
      page = await newPage(browser);
    });

    afterAll(async () => {
      await rig?.close(200);
      await page?.close();
      await relay?.close();
    });

    /** Keep the page's main thread busy for `ms` (a stand-in for a page too slow for the rig). */
    const busy = (ms: number) =>
      page.evaluate((duration) => {
        const end = performance.now() + duration;
        while (performance.now() < end) {
          // spin
        }
      }, ms);

    it("a fast rig and a busy viewer: latest wins drops frames, and the top bar shows how many", async () => {
      const session = await relay.createSession({ title: "drops" });
      await page.goto(linkFor(inject("webUrl"), relay.url, session, "view"));
      await waitInPage(page, () => window.__depthroom?.status().key === "waiting", null);
      rig = await producer(linkFor(inject("webUrl"), relay.url, session, "publish"));
      const width = 320;
      const height = 240;
      const images = [1000, 2000, 3000].map((d) => new Uint16Array(width * height).fill(d));
      let sent = 0;
      const timer = setInterval(() => {
        rig?.setTime("frame", sent);
        rig?.log(
          "world/camera/depth",
          new DepthImage(images[sent % images.length] as Uint16Array, { width, height }),
        );
        sent++;
      }, 1000 / 60);
      const read = () =>
        page.evaluate(() => {
          const state = window.__depthroom!.state();
          return {
            received: state.framesReceived,
            dropped: state.entities["world/camera/depth"]?.dropped ?? 0,
          };
        });
      let during: { sent: number; received: number; dropped: number };
      try {
        await waitInPage(page, () => (window.__depthroom?.state().framesReceived ?? 0) > 0, null);
        const before = { sent, ...(await read()) };
        // While the page cannot take frames, the worker keeps only the newest one for it.
        await busy(3000);
        const after = { sent, ...(await read()) };
        // The frame after the gap tells the viewer how many it missed.
        await waitInPage(
          page,
          (n) => (window.__depthroom?.state().framesReceived ?? 0) > n + 1,
          after.received,
        );
        const next = await read();
        during = {
          sent: after.sent - before.sent,
          received: after.received - before.received,
          dropped: next.dropped - before.dropped,
        };
      } finally {
        clearInterval(timer);
      }
      // The rig kept streaming (60 Hz for 3 s) and the frames kept arriving in the frame worker, but the
      // page took at most the one already posted to it and the newest: the rest were dropped.
      expect(during.sent).toBeGreaterThan(30);
      expect(during.dropped).toBeGreaterThanOrEqual(during.sent / 2);
      const counter = page.getByTestId("dropped-counter");
      await counter.waitFor({ timeout: 5000 });
      // The counter renders the state (10 Hz); read them together once the stream has stopped.
      await page.waitForTimeout(1000);
      const dropped = await page.evaluate(() => {
        let total = 0;
        for (const e of Object.values(window.__depthroom!.state().entities)) total += e.dropped;
        return total;
      });
      expect(await counter.textContent()).toBe(`${dropped} dropped`);
      expect(dropped).toBeGreaterThanOrEqual(during.dropped);
    });
  });
  describe("admin notices", () => {
    let relay: TestRelay;
    let page: Page;

    beforeAll(async () => {
      relay = await startTestRelay();
      page = await newPage(browser);
    });

    afterAll(async () => {
      await page?.close();
      await relay?.close();
    });

    it("a notice from the relay's operator reaches the viewer state; one for another session does not", async () => {
      const session = await relay.createSession({ title: "notices" });
      const other = await relay.createSession({ title: "elsewhere" });
      await page.goto(linkFor(inject("webUrl"), relay.url, session, "view"));
      await waitInPage(page, () => window.__depthroom?.status().key === "waiting", null);
      // The relay writes its generated admin token to its data directory.
      const adminToken = (await readFile(join(relay.dataDir, "admin-token"), "utf8")).trim();
      await postNotice({
        relayUrl: relay.url,
        adminToken,
        session: other.id,
        text: "only for the other session",
      });
      const sent = await postNotice({
        relayUrl: relay.url,
        adminToken,
        session: session.id,
        level: "warning",
        text: "The relay restarts at 18:00 UTC",
      });
      await waitInPage(page, (id) => window.__depthroom?.state().notices.some((n) => n.id === id), sent.id);
      const notices = await page.evaluate(() => window.__depthroom!.state().notices);
      expect(notices).toEqual([sent]);
      // Shown over the views as a warning, until its reader dismisses it.
      const banner = page.locator('[data-testid="notice"]');
      await banner.waitFor({ timeout: 3000 });
      expect(await banner.locator('[data-testid="notice-text"]').textContent()).toContain(
        "The relay restarts at 18:00 UTC",
      );
      expect(await banner.getAttribute("role")).toBe("alert");
      expect(await page.locator('[data-testid="notice"]').count()).toBe(1);
      await banner.locator('[data-testid="notice-dismiss"]').click();
      await banner.waitFor({ state: "detached", timeout: 3000 });
    });
  });
});
