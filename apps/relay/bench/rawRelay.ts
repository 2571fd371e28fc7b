import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

/*
 * The near-limit baseline: a minimal raw `ws` broadcast relay (ws 8 + bufferutil, no deflate). The
 * producer connects to /pub, viewers to /sub; every producer message is sent to every viewer. No
 * parsing, no pacing, no latest-wins. Prints {"msg":"listening","url":...}.
 */

const server = createServer();
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
const viewers = new Set<WebSocket>();
wss.on("connection", (ws, req) => {
  ws.on("error", () => {});
  if (req.url?.startsWith("/sub")) {
    viewers.add(ws);
    ws.on("close", () => viewers.delete(ws));
  } else {
    ws.on("message", (data: Buffer) => {
      for (const viewer of viewers) viewer.send(data, { binary: true });
    });
  }
});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
