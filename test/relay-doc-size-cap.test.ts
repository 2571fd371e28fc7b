import { ErrorCode } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { openDoc, waitFor, writerAndWitness } from "./support/clients.ts";
import { scratchDir, startTestRelay, type TestRelay } from "./support/relay.ts";

// A session document has a size cap, enforced when updates arrive: the writer is told why its update
// was refused (a named code), everyone else keeps the document as it was before, and a restart brings
// back every accepted update (issue 12 item 2: a doc over the store's record bound used to be wiped).
describe("document size cap", () => {
  const cleanups = cleanupsAfterEach();

  it("refuses updates past the cap with a named error and keeps what was accepted across a restart", async () => {
    const cap = 256 * 1024;
    const dataDir = await scratchDir(cleanups);
    let relay: TestRelay = await startTestRelay({ dataDir, limits: { maxDocumentBytes: cap } });
    cleanups.push(() => relay.close());
    const session = await relay.createSession();
    const { writer, witness } = await writerAndWitness(cleanups, relay.url, session);
    const blobs = writer.doc.getMap<string>("blobs");
    // Five 64 KiB values: the first three fit under 256 KiB, the fifth surely does not.
    for (let i = 0; i < 5; i++) {
      blobs.set(`b${i}`, String(i).repeat(64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor(() => writer.denials.length > 0, 5000, "the writer to be told");
    expect(writer.denials[0]).toMatch(new RegExp(`^${ErrorCode.DocumentTooLarge}: .*document.*${cap}`));
    await waitFor(() => witness.doc.getMap("blobs").size >= 3, 5000, "the witness to get the first three");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const accepted = [...witness.doc.getMap("blobs").keys()].sort();
    expect(accepted.length).toBeGreaterThanOrEqual(3);
    expect(accepted.length).toBeLessThan(5);

    writer.destroy();
    witness.destroy();
    await relay.close();
    relay = await startTestRelay({ dataDir, limits: { maxDocumentBytes: cap } });
    const reader = openDoc(relay.url, session.id, session.tokens.view);
    cleanups.push(() => reader.destroy());
    await reader.synced(10_000);
    expect([...reader.doc.getMap("blobs").keys()].sort()).toEqual(accepted);
  });
});
