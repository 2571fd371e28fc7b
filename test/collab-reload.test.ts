import { addAnnotation, addComment, listAnnotations } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { cleanupsAfterEach } from "./support/cleanups.ts";
import { openDoc, waitFor } from "./support/clients.ts";
import { collabUser } from "./support/collab.ts";
import { scratchDir, startTestRelay } from "./support/relay.ts";

/*
 * A client that opens a stored doc on a freshly started relay is "synced" only with the stored state:
 * the relay holds the client's sync step 1 until the doc is loaded, instead of answering it from an
 * empty doc (which made the client report synced with no annotations, then fill in a moment later).
 */
describe("collab reload", () => {
  const cleanups = cleanupsAfterEach();

  it("a client synced against a restarted relay already has every stored annotation", async () => {
    const dataDir = await scratchDir(cleanups, "depthroom-collab-");
    const first = await startTestRelay({ dataDir });
    const session = await first.createSession({ title: "reload" });
    const writer = openDoc(first.url, session.id, session.tokens.edit);
    const witness = openDoc(first.url, session.id, session.tokens.view);
    await Promise.all([writer.synced(), witness.synced()]);
    const author = collabUser(0);
    // Many small updates: the stored log holds one record per update until it is compacted.
    for (let i = 0; i < 200; i++) {
      const id = addAnnotation(writer.doc, {
        kind: "point2d",
        entityPath: "world/rig/cam0/color",
        geometry: { u: i, v: i },
        author,
        text: `note ${i}`,
        createdAt: 1000 + i,
      });
      addComment(writer.doc, id, { author, text: `reply ${i}`, createdAt: 2000 + i });
    }
    const stored = listAnnotations(writer.doc);
    await waitFor(() => listAnnotations(witness.doc).length === 200, 10_000, "the witness");
    writer.destroy();
    witness.destroy();
    await first.close();

    for (let round = 0; round < 3; round++) {
      const relay = await startTestRelay({ dataDir });
      const reader = openDoc(relay.url, session.id, session.tokens.view);
      await reader.synced(10_000);
      // No waiting: at "synced" the stored state is there.
      expect(listAnnotations(reader.doc), `round ${round}`).toEqual(stored);
      reader.destroy();
      await relay.close();
    }
  });
});
