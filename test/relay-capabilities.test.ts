import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { TokenSigner } from "@depthroom/relay";
import {
  CloseCode,
  type CreateSessionResponse,
  depthImage3dExample,
  ErrorCode,
  encodeMessage,
} from "@depthroom/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  collectFrames,
  connectFrames,
  type DocClient,
  type FrameSocket,
  handshakeRefusal,
  openDoc,
  publish,
  subscribe,
  waitFor,
} from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// The capability matrix: {no token, wrong session, view, edit, publish} x {subscribe frames, publish
// frames, read doc, write doc}. Refusals carry the named code; a refused doc write leaves the doc
// unchanged for all other clients.

type Who = "no token" | "wrong session" | "view" | "edit" | "publish";

describe("relay capabilities", () => {
  let relay: TestRelay;
  let session: CreateSessionResponse;
  let other: CreateSessionResponse;
  const cleanups: (() => void)[] = [];
  const tokenOf = (who: Who): string | undefined =>
    who === "no token" ? undefined : who === "wrong session" ? other.tokens.edit : session.tokens[who];

  beforeAll(async () => {
    relay = await startTestRelay();
    session = await relay.createSession({ title: "matrix" });
    other = await relay.createSession({ title: "another" });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await relay.close();
  });

  const frames = async (who: Who) => {
    const { socket } = await connectFrames(relay.url, session.id, tokenOf(who));
    cleanups.push(() => socket.close());
    return socket;
  };
  const doc = (who: Who) => {
    const client = openDoc(relay.url, session.id, tokenOf(who));
    cleanups.push(() => client.destroy());
    return client;
  };
  const closed = async (client: DocClient) => {
    await waitFor(() => client.closes.length > 0, 5000, "the doc connection to close");
    // 44xx closes are permanent: the provider gives up instead of retrying.
    await waitFor(() => !client.provider.shouldConnect, 2000, "the provider to stop reconnecting");
    return client.closes[0]!;
  };

  describe("handshake refusals", () => {
    it.each([
      ["no token", ErrorCode.Unauthorized],
      ["wrong session", ErrorCode.BadToken],
    ] as const)("%s: frames (subscribe and publish) refused with %s", async (who, code) => {
      expect(await handshakeRefusal(relay.url, session.id, tokenOf(who))).toMatchObject({ code });
    });

    it.each([
      ["no token", CloseCode.Unauthorized],
      ["wrong session", CloseCode.Forbidden],
      ["publish", CloseCode.Forbidden],
    ] as const)("%s: doc read and write refused with close %i", async (who, code) => {
      const editor = doc("edit");
      await editor.synced();
      editor.doc.getMap("annotations").set("by-editor", "ok");
      const intruder = doc(who);
      intruder.doc.getMap("annotations").set("by-intruder", "nope");
      const close = await closed(intruder);
      expect(close.code).toBe(code);
      expect(close.reason).toMatch(
        code === CloseCode.Unauthorized ? /^unauthorized/ : /^(bad-token|forbidden)/,
      );
      expect(intruder.doc.getMap("annotations").get("by-editor")).toBeUndefined();
      const witness = doc("view");
      await witness.synced();
      expect(witness.doc.getMap("annotations").get("by-intruder")).toBeUndefined();
      expect(witness.doc.getMap("annotations").get("by-editor")).toBe("ok");
    });

    it("forged, foreign-relay and wrong-version handshakes are refused with their codes", async () => {
      const forged = `${session.tokens.view.slice(0, -4)}AAAA`;
      expect(await handshakeRefusal(relay.url, session.id, forged)).toMatchObject({
        code: ErrorCode.BadToken,
      });
      expect(await handshakeRefusal(relay.url, session.id, "garbage")).toMatchObject({
        code: ErrorCode.BadToken,
      });
      const otherRelay = new TokenSigner("another relay's secret, 32 bytes").issue(session.id, "edit");
      expect(await handshakeRefusal(relay.url, session.id, otherRelay)).toMatchObject({
        code: ErrorCode.BadToken,
      });
      // A correctly signed token of a session this relay does not know.
      const secret = (await readFile(join(relay.dataDir, "secret"), "utf8")).trim();
      const ghost = "AAAAAAAAAAAAAAAAAAAAAA";
      const ghostToken = new TokenSigner(secret).issue(ghost, "view");
      expect(await handshakeRefusal(relay.url, ghost, ghostToken)).toMatchObject({
        code: ErrorCode.SessionNotFound,
      });
      const ghostDoc = openDoc(relay.url, ghost, ghostToken);
      cleanups.push(() => ghostDoc.destroy());
      expect((await closed(ghostDoc)).code).toBe(CloseCode.SessionNotFound);
      expect(
        await handshakeRefusal(relay.url, session.id, session.tokens.view, { version: "999" }),
      ).toMatchObject({
        code: ErrorCode.VersionMismatch,
      });
      const response = await fetch(`${relay.url}/api/sessions/${session.id}?token=${other.tokens.view}`);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        error: { code: ErrorCode.BadToken, message: "token of another session" },
      });
    });
  });

  describe("frames", () => {
    const [pinhole] = depthImage3dExample().map((m) => encodeMessage(m)) as [Uint8Array];

    it.each(["view", "edit"] as const)("%s: subscribes and receives, cannot publish", async (who) => {
      const producer = await frames("publish");
      const viewer = await frames(who);
      const received = collectFrames(viewer);
      expect(await subscribe(viewer)).toMatchObject({ ok: true });
      expect(await publish(viewer, pinhole)).toEqual({
        ok: false,
        code: ErrorCode.Forbidden,
        message: `a ${who} token cannot publish frames`,
      });
      expect(await publish(producer, pinhole)).toEqual({ ok: true });
      await waitFor(() => received.length >= 1, 2000, "a frame");
    });

    it("publish: publishes, cannot subscribe", async () => {
      const producer: FrameSocket = await frames("publish");
      expect(await subscribe(producer)).toEqual({
        ok: false,
        code: ErrorCode.Forbidden,
        message: "a publish token cannot subscribe to frames",
      });
      const received = collectFrames(producer);
      expect(await publish(producer, pinhole)).toEqual({ ok: true });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual([]);
    });
  });

  describe("docs", () => {
    it("view reads, and its writes are refused (read-only) without changing the doc for anyone", async () => {
      const editor = doc("edit");
      const viewer = doc("view");
      const witness = doc("view");
      await Promise.all([editor.synced(), viewer.synced(), witness.synced()]);
      editor.doc.getMap("meta").set("title", "from the editor");
      await waitFor(
        () => viewer.doc.getMap("meta").get("title") === "from the editor",
        3000,
        "the viewer to read",
      );

      viewer.doc.getMap("annotations").set("pin-by-viewer", { text: "should not land" });
      viewer.doc.getMap("meta").delete("title");
      await waitFor(() => viewer.denials.length >= 2, 3000, "the relay's refusals");
      expect(viewer.denials[0]).toMatch(/^read-only: /);
      // The viewer stays connected and keeps reading.
      editor.doc.getMap("annotations").set("pin-by-editor", { text: "lands" });
      await waitFor(
        () => viewer.doc.getMap("annotations").has("pin-by-editor"),
        3000,
        "the viewer to keep reading",
      );
      await waitFor(() => witness.doc.getMap("annotations").has("pin-by-editor"), 3000, "the witness");
      for (const client of [editor, witness]) {
        expect(client.doc.getMap("annotations").has("pin-by-viewer")).toBe(false);
        expect(client.doc.getMap("meta").get("title")).toBe("from the editor");
      }
      expect(viewer.closes).toEqual([]);
      const fresh = doc("view");
      await fresh.synced();
      expect(fresh.doc.getMap("annotations").get("pin-by-editor")).toEqual({ text: "lands" });
      expect(fresh.doc.getMap("annotations").has("pin-by-viewer")).toBe(false);
      expect(fresh.doc.getMap("meta").get("title")).toBe("from the editor");
      const metrics = await fetch(`${relay.url}/metrics`).then((r) => r.text());
      expect(metrics).toMatch(/^depthroom_rejected_total\{reason="read-only"\} [1-9]/m);
    });

    it("edit reads and writes", async () => {
      const a = doc("edit");
      const b = doc("edit");
      await Promise.all([a.synced(), b.synced()]);
      a.doc.getMap("annotations").set("from-a", 1);
      b.doc.getMap("annotations").set("from-b", 2);
      await waitFor(
        () => a.doc.getMap("annotations").has("from-b") && b.doc.getMap("annotations").has("from-a"),
        3000,
        "both edits on both sides",
      );
      expect(a.denials).toEqual([]);
    });
  });
});
