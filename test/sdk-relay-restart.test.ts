import { DepthImage, type LogMessage, Pinhole } from "@depthroom/schema";
import { connect, subscribe } from "@depthroom/sdk";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { createSession, type RelayProcess, scratchDir, spawnRelayProcess } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";

// The relay (a real child process on a fixed data directory) is stopped mid-stream and started again
// on the same port: the producer reconnects on its own and streaming resumes; the subscriber sees
// frames again within 2 s of the relay being back; the producer re-sends the Pinhole, so a viewer who
// arrives after the restart sees the camera.
describe("SDK across a relay restart", () => {
  const cleanups = cleanupsAfterEach();

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`resumes by itself after ${signal}`, async () => {
      const dataDir = await scratchDir(cleanups);
      let relay: RelayProcess = await spawnRelayProcess({ dataDir, env: { DEPTHROOM_LOG_LEVEL: "warn" } });
      cleanups.push(() => relay.stop("SIGKILL"));
      const session = await createSession(relay.url);

      const received: { at: number; message: LogMessage }[] = [];
      const subscription = subscribe({ link: session.links.view }, (message) => {
        received.push({ at: Date.now(), message });
      });
      cleanups.push(() => subscription.close());
      await subscription.ready;

      const rec = await connect({ link: session.links.publish });
      cleanups.push(() => rec.close(100));
      rec.log("world/camera", Pinhole.fromFocalLength({ width: 64, height: 48, focalLength: 50 }), {
        static: true,
      });
      let frame = 0;
      const depth = new Uint16Array(64 * 48);
      const timer = setInterval(() => {
        depth.fill(1000 + frame);
        rec.setTime("frame", frame++);
        rec.log("world/camera/depth", new DepthImage(depth, { width: 64, height: 48 }));
      }, 50);
      cleanups.push(() => clearInterval(timer));
      const depthFrames = () => received.filter((r) => r.message.archetype.kind === "DepthImage");
      await waitUntil(() => depthFrames().length >= 5, 5000, "frames before the restart");

      await relay.stop(signal);
      const downAt = Date.now();
      await waitUntil(
        () => subscription.state === "reconnecting" && rec.state === "reconnecting",
        5000,
        "both to notice",
      );
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const lastBefore = depthFrames().at(-1)!.at;
      expect(lastBefore).toBeLessThanOrEqual(downAt + 50);

      relay = await spawnRelayProcess({ dataDir, port: relay.port, env: { DEPTHROOM_LOG_LEVEL: "warn" } });
      const backAt = Date.now();
      await waitUntil(() => depthFrames().some((r) => r.at >= backAt), 5000, "a frame after the restart");
      const firstAfter = depthFrames().find((r) => r.at >= backAt)!;
      expect(firstAfter.at - backAt).toBeLessThan(2000);
      expect(rec.state).toBe("connected");
      expect(rec.stats.reconnects).toBe(1);
      expect(subscription.stats.reconnects).toBe(1);
      expect(rec.stats.rejected).toBe(0);

      // Frames keep coming, newer than any before the restart.
      const framesBefore = depthFrames().length;
      await waitUntil(() => depthFrames().length >= framesBefore + 5, 5000, "streaming to resume");
      const sequences = depthFrames().map((r) => r.message.timelines[0]!.value);
      expect(sequences.at(-1)!).toBeGreaterThan(sequences[framesBefore - 1]!);

      // A viewer arriving now sees the camera: the producer re-sent its Pinhole to the new relay process.
      const late = await collect(session.links.view);
      cleanups.push(() => late.subscription.close());
      await waitUntil(
        () => late.messages.some((m) => m.archetype.kind === "Pinhole"),
        3000,
        "the re-sent Pinhole",
      );
      expect(late.messages.find((m) => m.archetype.kind === "Pinhole")!.entityPath).toBe("world/camera");
    });
  }
});
