import { readEnvelope } from "@depthroom/schema";
import { frameSocket } from "./clients.ts";
import { clockMs, readStamp } from "./frames.ts";

/*
 * Child process body for viewerProcess.ts: <url> <session> <token> <count> <stallMs> [entities].
 * `count` viewers subscribe to everything; for every stamped depth frame each prints
 * {"viewer":i,"entity":path,"sequence":n,"at":ms,"lagMs":x}. With stallMs > 0 the thread sleeps (Atomics.wait, like a
 * renderer stuck on a long frame: nothing is read from any socket meanwhile) before the frame's credit
 * goes back.
 */

const [url, session, token, countText, stallText, entitiesText] = process.argv.slice(2);
if (!url || !session || !token)
  throw new Error("usage: viewerMain.ts <url> <session> <token> <count> <stallMs>");
const count = Number(countText ?? "1");
const stallMs = Number(stallText ?? "0");
// Comma-separated entity paths to subscribe to; everything when absent.
const entities = entitiesText ? entitiesText.split(",") : undefined;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

for (let viewer = 0; viewer < count; viewer++) {
  const socket = frameSocket(url, session, token, { name: `viewer ${viewer}` });
  // As the SDK's subscriber does (protocol 2): frames that came while this one was stalled wait, the
  // newest per entity, and are handled once the input already received has been read; each frame's
  // credit goes back when it is handled or replaced.
  const waiting = new Map<string, Uint8Array>();
  let scheduled = false;
  const handleWaiting = () => {
    scheduled = false;
    for (const [key, bytes] of waiting) {
      waiting.delete(key);
      const envelope = readEnvelope(bytes);
      if (envelope.kind === "DepthImage") {
        const { sequence, captureMs } = readStamp(bytes);
        const at = clockMs();
        const entity = envelope.entityPath;
        process.stdout.write(`${JSON.stringify({ viewer, entity, sequence, at, lagMs: at - captureMs })}\n`);
      }
      if (stallMs > 0) Atomics.wait(sleeper, 0, 0, stallMs);
      socket.emit("credit", 1);
    }
  };
  socket.on("frame", (payload) => {
    const bytes = new Uint8Array(payload);
    const envelope = readEnvelope(bytes);
    const key = `${envelope.entityPath} ${envelope.kind}`;
    if (waiting.has(key)) socket.emit("credit", 1);
    waiting.set(key, bytes);
    if (!scheduled) {
      scheduled = true;
      setImmediate(handleWaiting);
    }
  });
  socket.on("welcome", () => {
    socket.emit("subscribe", { entities }, (result) =>
      process.stdout.write(`${JSON.stringify({ ready: result.ok })}\n`),
    );
  });
  socket.on("connect_error", (error) => {
    process.stderr.write(`connect_error ${error.message}\n`);
    process.exit(1);
  });
}
