import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import wsProtocol from "@foxglove/ws-protocol";
import { WebSocketServer } from "ws";

// CommonJS: plain Node hands it to ESM as a default export only.
const { FoxgloveServer } = wsProtocol;

/*
 * The Foxglove peer: `@foxglove/ws-protocol`'s FoxgloveServer on a `ws` server (no deflate) as a relay.
 * The producer is a Foxglove client publishing on a client channel (clientPublish); every message is
 * sent on the server channel `/camera/depth` to its subscribers, as foxglove_bridge sends a topic.
 * No pacing, no latest-wins. Prints {"msg":"listening","url":...}.
 */

const server = new FoxgloveServer({
  name: "depthroom bench foxglove relay",
  capabilities: ["clientPublish"],
  supportedEncodings: ["depthroom"],
});
const channel = server.addChannel({
  topic: "/camera/depth",
  encoding: "depthroom",
  schemaName: "depthroom.LogMessage",
  schema: "",
});
server.on("error", () => {});
server.on("message", ({ data }) => {
  server.sendMessage(channel, process.hrtime.bigint(), data as ArrayBufferView<ArrayBuffer>);
});
const http = createServer();
const wss = new WebSocketServer({
  server: http,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
  handleProtocols: (protocols) => server.handleProtocols(protocols),
});
wss.on("connection", (ws, req) => {
  ws.on("error", () => {});
  server.handleConnection(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`);
});
http.listen(0, "127.0.0.1", () => {
  const { port } = http.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: "listening", url: `http://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
