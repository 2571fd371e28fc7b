import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import type { ProducerEvent } from "@depthroom/schema";
import { bridgeFoxglove } from "@depthroom/sdk/node";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { relayWithSession } from "./support/relay.ts";
import { collect, waitUntil } from "./support/sdk.ts";

const require = createRequire(import.meta.url);

/** The rig in a child process (foxgloveSourceMain.ts); resolves with its port once it listens. */
function startRig(port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      pathToFileURL(require.resolve("tsx")).href,
      new URL("./support/foxgloveSourceMain.ts", import.meta.url).pathname,
      String(port),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => reject(new Error(`rig exited (${code}) before it was ready: ${err}`)));
  });
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

// The rig goes away (process killed) and comes back on the same port: the bridge, never restarted,
// shows the rig offline meanwhile (its producer leaves) and streams again within 5 s.
describe("bridge: the source restarts", () => {
  const cleanups = cleanupsAfterEach();

  it("reconnects with backoff and frames flow again within 5 s", async () => {
    const { links } = await relayWithSession(cleanups);
    const first = await startRig(0);
    cleanups.push(() => kill(first.child));
    const viewer = await collect(links.view);
    cleanups.push(() => viewer.subscription.close());
    const events: ProducerEvent["type"][] = [];
    viewer.subscription.on("producer", (event) => events.push(event.type));

    const bridge = await bridgeFoxglove({ url: `ws://127.0.0.1:${first.port}`, link: links.publish });
    cleanups.push(() => bridge.close());
    const frames = () => viewer.messages.filter((m) => m.archetype.kind === "DepthImage").length;
    await waitUntil(() => frames() >= 5, 10_000, "frames from the first rig");

    await kill(first.child);
    await waitUntil(() => bridge.stats.source === "reconnecting", 5000, "the bridge to notice");
    await waitUntil(() => events.includes("left"), 5000, "the rig shown offline (producer left)");
    const before = frames();

    const second = await startRig(first.port);
    cleanups.push(() => kill(second.child));
    // From the moment the restarted rig listens (its own start-up, tsx compiling, is not the bridge's).
    const restartedAt = Date.now();
    await waitUntil(() => frames() >= before + 5, 5000, "frames again after the restart");
    const seconds = (Date.now() - restartedAt) / 1000;
    expect(seconds).toBeLessThan(5);
    expect(bridge.stats.reconnects).toBe(1);
    expect(events.filter((e) => e === "joined").length).toBeGreaterThanOrEqual(1);
    console.log(`bridge: frames again ${seconds.toFixed(2)} s after the rig restarted`);
  });
});
