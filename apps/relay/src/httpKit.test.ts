import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  guardRequest,
  HttpError,
  JSON_OBJECT,
  readJsonBody,
  requestTarget,
  sendJson,
  spoolBody,
} from "./httpKit.ts";
import { createLogger } from "./log.ts";
import { RelayMetrics } from "./metrics.ts";

describe("requestTarget", () => {
  it("reads origin-form and absolute-form targets, and nothing else", () => {
    expect(requestTarget({ url: "/healthz?x=1" })?.pathname).toBe("/healthz");
    expect(requestTarget({ url: "//x/healthz" })?.pathname).toBe("//x/healthz");
    expect(requestTarget({ url: "//" })?.pathname).toBe("//");
    expect(requestTarget({ url: "http://host:8787/api/sessions" })?.pathname).toBe("/api/sessions");
    for (const bad of ["", "*", "http://[", "healthz", "\\\\", "ftp://x/"]) {
      expect(requestTarget({ url: bad })).toBeUndefined();
    }
  });
});

describe("guardRequest", () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  const serve = async (handle: Parameters<typeof guardRequest>[1]) => {
    const lines: string[] = [];
    const deps = {
      logger: createLogger("error", (line) => lines.push(line)),
      metrics: new RelayMetrics({ sessions: () => 0, liveSessions: () => 0, pendingFrames: () => 0 }),
    };
    server = createServer(guardRequest(deps, handle));
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, lines };
  };

  it("answers 500 `internal` to a handler that throws or rejects, logging the route but not the query", async () => {
    const { url, lines } = await serve((_req, _res, target) => {
      if (target.pathname === "/throw") throw new Error("/srv/secret/path exploded");
      if (target.pathname === "/internal") throw new HttpError("internal", "cannot read /srv/secret/file");
      return Promise.reject(new Error("/srv/secret/other"));
    });
    for (const path of ["/throw?token=abc", "/reject?token=abc", "/internal?token=abc"]) {
      const response = await fetch(url + path);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({ error: { code: "internal", message: "internal error" } });
      expect(text).not.toContain("/srv/");
    }
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain("cannot read /srv/secret/file");
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: "error", route: "GET /throw" });
    expect(lines.join("\n")).not.toContain("token=abc");
  });

  it("answers a refusal with its code and status, and a body past the bound with message-too-large", async () => {
    const { url } = await serve(async (req, res, target) => {
      if (target.pathname === "/refuse") throw new HttpError("forbidden", "not you");
      sendJson(res, 200, await readJsonBody(req, JSON_OBJECT, { maxBytes: 64 }));
    });
    const refused = await fetch(`${url}/refuse`);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: { code: "forbidden", message: "not you" } });
    const big = await fetch(`${url}/body`, { method: "POST", body: JSON.stringify({ x: "y".repeat(100) }) });
    expect(big.status).toBe(413);
    const array = await fetch(`${url}/body`, { method: "POST", body: "[1]" });
    expect((await array.json()).error).toEqual({
      code: "bad-message",
      message: "bad body: expected a JSON object",
    });
    const ok = await fetch(`${url}/body`, { method: "POST", body: '{"a":1}' });
    expect(await ok.json()).toEqual({ a: 1 });
  });

  it("spools a body to a new file, refusing it past the bound without storing the rest", async () => {
    const dir = await mkdtemp(join(tmpdir(), "depthroom-kit-"));
    try {
      let n = 0;
      const { url } = await serve(async (req, res) => {
        const size = await spoolBody(req, join(dir, `body-${n++}`), 1000);
        sendJson(res, 200, { size });
      });
      const ok = await fetch(url, { method: "POST", body: "x".repeat(1000) });
      expect(await ok.json()).toEqual({ size: 1000 });
      expect(await readFile(join(dir, "body-0"), "utf8")).toBe("x".repeat(1000));
      const big = await fetch(url, { method: "POST", body: "y".repeat(200_000) });
      expect(big.status).toBe(413);
      expect((await readFile(join(dir, "body-1"))).byteLength).toBeLessThanOrEqual(1000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
