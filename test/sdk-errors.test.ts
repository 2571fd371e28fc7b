import { createServer } from "node:net";
import { DepthImage } from "@depthroom/schema";
import { connect, SdkError, subscribe } from "@depthroom/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// The SDK's errors are typed: an `SdkError` with a `code` to branch on (and `field` for invalid
// archetypes), for a bad token, an unreachable relay, an invalid archetype, a wrong role.
describe("SDK errors", () => {
  let relay: TestRelay;
  let links: Record<"view" | "edit" | "publish", string>;
  beforeAll(async () => {
    relay = await startTestRelay();
    links = (await relay.createSession()).links;
  });
  afterAll(() => relay.close());

  async function rejection(promise: Promise<unknown>): Promise<SdkError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SdkError);
    return error as SdkError;
  }
  const forge = (link: string) => link.replace(/\.[A-Za-z0-9_-]+$/, ".Zm9yZ2Vk");

  it("bad token: the relay's refusal becomes bad-token, for producers and subscribers", async () => {
    const error = await rejection(connect({ link: forge(links.publish) }));
    expect(error.code).toBe("bad-token");
    expect(error.message).toMatch(/^refused: bad or expired token/);

    const states: string[] = [];
    const subscription = subscribe({ link: forge(links.view) });
    subscription.on("state", (state) => states.push(state));
    expect((await rejection(subscription.ready)).code).toBe("bad-token");
    expect(subscription.state).toBe("closed");
    expect(subscription.error?.code).toBe("bad-token");
    expect(states).toEqual(["closed"]);
    // The iterator form ends with the same error.
    await expect(subscription[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: "bad-token" });
  });

  it("relay unreachable: relay-unreachable after the connect timeout", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const nowhere = links.publish.replace(
      encodeURIComponent(relay.url),
      encodeURIComponent(`http://127.0.0.1:${port}`),
    );
    const started = Date.now();
    const error = await rejection(connect({ link: nowhere }, { connectTimeoutMs: 800 }));
    expect(error.code).toBe("relay-unreachable");
    expect(error.message).toMatch(`no answer from http://127.0.0.1:${port} within 0.8 s`);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("wrong role: a view link cannot publish", async () => {
    const error = await rejection(connect({ link: links.view }));
    expect(error.code).toBe("forbidden");
  });

  it("invalid archetype: a typed error naming the field, and the stream goes on", async () => {
    const rec = await connect({ link: links.publish });
    try {
      const field = (value: unknown) => {
        try {
          rec.log("world/camera/depth", value);
        } catch (error) {
          expect(error).toBeInstanceOf(SdkError);
          expect((error as SdkError).code).toBe("bad-message");
          return (error as SdkError).field;
        }
        return "no error";
      };
      expect(field({ kind: "DepthImage", data: new Uint16Array(4), width: 0, height: 4 })).toBe(
        "DepthImage.width",
      );
      expect(field({ kind: "DepthImage", data: new Uint16Array(4), width: 2, height: 3 })).toBe(
        "DepthImage.data",
      );
      expect(field({ kind: "Pinhole", imageFromCamera: [500, 0, 0, 0, -1, 0, 320, 240, 1] })).toBe(
        "Pinhole.imageFromCamera",
      );
      expect(field({ kind: "Transform3D", rotation: [0, 0, 0, 0] })).toBe("Transform3D.rotation");
      expect(field("depth")).toBe("archetype");
      expect(() => rec.setTime("frame", 0.5)).toThrow(SdkError);
      // Nothing invalid went out; a valid message still does.
      rec.log("world/camera/depth", new DepthImage(new Uint16Array(4), { width: 2, height: 2 }));
      await rec.flush();
      expect(rec.stats).toMatchObject({ sent: 1, rejected: 0 });
    } finally {
      await rec.close();
    }
    expect(() =>
      rec.log("world/camera/depth", new DepthImage(new Uint16Array(4), { width: 2, height: 2 })),
    ).toThrow(expect.objectContaining({ code: "closed" }));
  });
});
