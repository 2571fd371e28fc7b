import { rm } from "node:fs/promises";
import { join } from "node:path";
import { type RunningRelay, startRelay } from "@depthroom/relay";
import { ErrorCode } from "@depthroom/schema";
import { recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectFrames, publish } from "./support/clients.ts";
import { sampleStream, stampFrame } from "./support/frames.ts";
import { createSession, makeTempDir } from "./support/relay.ts";

// A failure inside the relay answers `{ error: { code: "internal" } }` with no detail: the detail (an
// absolute path of the server, an errno) goes to the log only. Before the fix a recording whose file
// had gone answered 500 with "the recording cannot be read: opening /tmp/.../<id>.mcap: ENOENT ...".

describe("relay: 500 bodies name a code, the log keeps the detail", () => {
  let dataDir: string;
  let relay: RunningRelay;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = await makeTempDir();
    relay = await startRelay({ port: 0, dataDir, logLevel: "warn", logSink: (line) => lines.push(line) });
  });
  afterAll(async () => {
    await relay?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("a recording whose file is gone answers internal, without the server's paths", async () => {
    const session = await createSession(relay.url, { title: "paths" });
    const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
    try {
      const sample = sampleStream();
      expect(await publish(socket, sample.pinhole)).toEqual({ ok: true });
      const edit = recordingAccess(session.links.edit);
      const recording = await startRecording(edit, { title: "take" });
      for (let i = 0; i < 3; i++) await publish(socket, stampFrame(sample, i, 1_800_000_000_000 + i * 100));
      await stopRecording(edit, recording.id);
      await rm(join(dataDir, "recordings", `${recording.id}.mcap`));

      for (const route of [
        `/api/recordings/${recording.id}/at?t=0`,
        `/api/recordings/${recording.id}/range?from=0&to=1`,
      ]) {
        const response = await fetch(`${relay.url}${route}`, {
          headers: { Authorization: `Bearer ${session.tokens.view}` },
        });
        const text = await response.text();
        expect(response.status, text).toBe(500);
        expect(JSON.parse(text)).toEqual({ error: { code: ErrorCode.Internal, message: "internal error" } });
        expect(text).not.toContain(dataDir);
      }
      // The operator still learns what happened, with the route (and no token).
      const logged = lines.filter((line) => line.includes(recording.id) && line.includes('"level":"error"'));
      expect(logged.length).toBeGreaterThan(0);
      expect(logged.join("\n")).toContain("ENOENT");
      expect(lines.join("\n")).not.toContain(session.tokens.view);
    } finally {
      socket.close();
    }
  });
});
