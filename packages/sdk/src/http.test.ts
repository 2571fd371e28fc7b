import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateSessionResponseSchema } from "@depthroom/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SdkError } from "./errors.ts";
import { call, readJson } from "./http.ts";

// A real HTTP server on port 0 answering what each path asks for (the relay's answers and failures).
let server: Server;
let base: string;
const seen: { method?: string; authorization?: string; contentType?: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({
      method: req.method,
      authorization: req.headers.authorization,
      contentType: req.headers["content-type"],
      body,
    });
    const json = (status: number, value: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    switch (req.url?.split("?")[0]) {
      case "/ok":
        return json(200, { id: "x" });
      case "/refused":
        return json(403, { error: { code: "bad-token", message: "expired" } });
      case "/html":
        return res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad gateway</h1>");
      case "/odd-error":
        return json(500, { oops: true });
      case "/slow":
        return; // never answers
      default:
        return json(404, { error: { code: "session-not-found", message: "no such session" } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<SdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SdkError);
  return error as SdkError;
}

describe("call() and readJson(), the SDK's one way to the relay's HTTP API", () => {
  it("sends the method, the bearer token and a JSON body", async () => {
    seen.length = 0;
    const response = await call(base, "/ok", { method: "POST", token: "t0k", json: { title: "lab" } });
    expect(await response.json()).toEqual({ id: "x" });
    expect(seen[0]).toEqual({
      method: "POST",
      authorization: "Bearer t0k",
      contentType: "application/json",
      body: '{"title":"lab"}',
    });
  });

  it("turns the relay's refusal into an SdkError with its code", async () => {
    const error = await failure(call(base, "/refused"));
    expect(error.code).toBe("bad-token");
    expect(error.message).toBe("the relay refused: expired");
  });

  it("names an error answer that is not the relay's (no JSON, or no refusal in it)", async () => {
    const html = await failure(call(base, "/html"));
    expect(html.code).toBe("internal");
    expect(html.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/html answered 502 without JSON/);
    const odd = await failure(call(base, "/odd-error?token=secret"));
    expect(odd.code).toBe("internal");
    expect(odd.message).not.toContain("secret");
  });

  it("says relay-unreachable when nothing answers, and when the answer takes too long", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await failure(call(`http://127.0.0.1:${port}`, "/ok"));
    expect(refused.code).toBe("relay-unreachable");
    const slow = await failure(call(base, "/slow", { timeoutMs: 200 }));
    expect(slow.code).toBe("relay-unreachable");
    expect(slow.message).toContain("no answer within 0.2 s");
  });

  it("says closed when the caller aborts", async () => {
    const controller = new AbortController();
    const pending = call(base, "/slow", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect((await failure(pending)).code).toBe("closed");
  });

  it("checks an answer with its schema, naming the field that does not match", async () => {
    const error = await failure(readJson(await call(base, "/ok"), CreateSessionResponseSchema, "the answer"));
    expect(error.code).toBe("bad-message");
    expect(error.field).toBe("id");
    expect(error.message).toMatch(/^the answer is malformed: id: /);
  });
});
