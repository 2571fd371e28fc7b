import { getRecordingState } from "@depthroom/schema";
import { recordingAccess, startRecording } from "@depthroom/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { openDoc, waitFor } from "./support/clients.ts";
import { startCluster, type TestCluster, trackedRig } from "./support/cluster.ts";
import { createSession } from "./support/relay.ts";

// Two relay processes + Redis + PostgreSQL sharing a recordings directory (issue 12 item 13): a node
// SIGKILLed while it records; once its cluster heartbeat stops, the other node recovers the file to
// its last valid chunk and marks the recording ended (recovered, with the reason), so it can be read,
// downloaded and stopped, and the red dot goes off.

describe("cluster: a recording whose node died", () => {
  let cluster: TestCluster | undefined;
  const teardown: (() => void)[] = [];
  afterAll(async () => {
    for (const stop of teardown.splice(0)) stop();
    await cluster?.close();
  });

  it("is taken over by a surviving node", async () => {
    cluster = await startCluster(["node-a", "node-b"]);
    const a = cluster.nodes.get("node-a");
    const b = cluster.nodes.get("node-b");
    if (!a || !b) throw new Error("nodes missing");

    // The session, its rig and the recording all on node a (no balancer in between).
    const session = await createSession(a.url, { title: "takeover" });
    const rig = trackedRig(a.url, session.id, session.tokens.publish, 33);
    teardown.push(() => rig.stop());
    await waitFor(() => rig.welcomes.length > 0, 5000, "the rig");
    const onA = (link: string) => link.replace(/relay=[^#&]+/, `relay=${encodeURIComponent(a.url)}`);
    const recording = await startRecording(recordingAccess(onA(session.links.edit)), { by: "takeover test" });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await a.stop("SIGKILL")).toBe(null);
    cluster.nodes.delete("node-a");
    rig.stop();
    const killedAt = Date.now();

    // Node b: refused while a's heartbeat lasts, then taken over.
    const describe = async () => {
      const response = await fetch(`${b.url}/api/recordings/${recording.id}`, {
        headers: { Authorization: `Bearer ${session.tokens.view}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as {
        status: string;
        recovered: boolean;
        frames: number;
        problems: string[];
      };
    };
    let described = await describe();
    while (described.status === "recording" && Date.now() - killedAt < 20_000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      described = await describe();
    }
    const tookMs = Date.now() - killedAt;
    console.log(
      `recording taken over ${tookMs} ms after its node was killed: ${described.frames} messages kept`,
    );
    expect(described).toMatchObject({ status: "stopped", recovered: true });
    expect(described.frames).toBeGreaterThan(20);
    expect(described.problems.join("; ")).toContain('relay node "node-a" stopped');
    expect(tookMs).toBeLessThan(15_000);

    // Stop answers with the stopped record; the file downloads; the red dot is off.
    const stop = await fetch(`${b.url}/api/recordings/${recording.id}/stop`, {
      method: "POST",
      headers: { Authorization: `Bearer ${session.tokens.edit}` },
    });
    expect(stop.status).toBe(200);
    const file = await fetch(`${b.url}/api/recordings/${recording.id}/file`, {
      headers: { Authorization: `Bearer ${session.tokens.view}` },
    });
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(1000);
    const doc = openDoc(b.url, session.id, session.tokens.view);
    teardown.push(() => doc.destroy());
    await doc.synced(10_000);
    await waitFor(() => getRecordingState(doc.doc)?.active === false, 5000, "the red dot to go off");
  });
});
