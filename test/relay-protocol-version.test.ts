import {
  DepthImage,
  ErrorCode,
  encodeMessage,
  FRAME_CREDITS,
  RELAY_PROTOCOL_VERSION,
  type Refusal,
  readEnvelope,
} from "@depthroom/schema";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  connectFrames,
  type FrameSocket,
  handshakeRefusal,
  publish,
  subscribe,
  waitFor,
} from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// Protocol 2 paces viewers by credits (`credit`, FRAME_CREDITS) instead of one ack per frame. A client
// of protocol 1 (a socket.io client announcing v=1, as the SDK and the Python client did before) is
// refused at the handshake with version-mismatch, at once, instead of waiting for frames that would
// never be paced the way it expects. A viewer's credit is checked: bad payloads get a named problem.

function frame(sequence: number): Uint8Array {
  return encodeMessage({
    entityPath: "world/camera/depth",
    timelines: [{ timeline: "frame", kind: "sequence", value: BigInt(sequence) }],
    archetype: new DepthImage(new Uint16Array(16).fill(sequence), { width: 4, height: 4, meter: 1000 }),
  });
}

describe("relay protocol version and credit", () => {
  let relay: TestRelay;
  const sockets: FrameSocket[] = [];

  beforeEach(async () => {
    relay = await startTestRelay();
  });
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    await relay.close();
  });

  it("refuses a protocol-1 client at the handshake with version-mismatch, not a hang", async () => {
    expect(RELAY_PROTOCOL_VERSION).toBe(2);
    const session = await relay.createSession({});
    const started = performance.now();
    const refusal = await handshakeRefusal(relay.url, session.id, session.tokens.view, { version: "1" });
    expect(refusal).toEqual<Refusal>({
      code: ErrorCode.VersionMismatch,
      message: "relay protocol 2, the client asked for 1",
    });
    // The answer to the handshake itself (a hang would meet the test's timeout instead).
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("sends a viewer FRAME_CREDITS frames, then waits for its credit; bad credit gets a named problem", async () => {
    const session = await relay.createSession({});
    const { socket: producer } = await connectFrames(relay.url, session.id, session.tokens.publish);
    const { socket: viewer } = await connectFrames(relay.url, session.id, session.tokens.view);
    sockets.push(producer, viewer);
    const sequences: number[] = [];
    viewer.on("frame", (payload) =>
      sequences.push(Number(readEnvelope(new Uint8Array(payload)).timelines[0]?.value)),
    );
    const problems: Refusal[] = [];
    viewer.on("problem", (problem) => problems.push(problem));
    expect(await subscribe(viewer)).toMatchObject({ ok: true });

    // No credit given back: FRAME_CREDITS frames come, the rest wait at the relay (the newest only).
    for (let i = 1; i <= FRAME_CREDITS + 5; i++)
      expect(await publish(producer, frame(i))).toEqual({ ok: true });
    await waitFor(() => sequences.length === FRAME_CREDITS, 3000, "the first frames");
    expect(sequences).toEqual(Array.from({ length: FRAME_CREDITS }, (_, i) => i + 1));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sequences).toHaveLength(FRAME_CREDITS);

    // Bad credit is refused by name and changes nothing; only the first gets an answer (a flood of bad
    // credit must not grow the socket's write buffer), every one is counted.
    for (const bad of [0, -1, 1.5, FRAME_CREDITS + 1, "2", null]) viewer.emit("credit", bad as number);
    await waitFor(() => problems.length === 1, 3000, "a problem");
    await new Promise((resolve) => setTimeout(resolve, 200));
    const counted = await (await fetch(`${relay.url}/metrics`)).text();
    expect(counted).toMatch(/depthroom_rejected_total\{reason="bad-message"\} 6\b/);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe(ErrorCode.BadMessage);
    expect(problems[0]?.message).toContain(`1..${FRAME_CREDITS}`);
    expect(sequences).toHaveLength(FRAME_CREDITS);

    // Credit for one frame: the newest waiting one comes (latest wins), then nothing more.
    viewer.emit("credit", 1);
    await waitFor(() => sequences.length === FRAME_CREDITS + 1, 3000, "the frame after the credit");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sequences.at(-1)).toBe(FRAME_CREDITS + 5);
    expect(sequences).toHaveLength(FRAME_CREDITS + 1);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/depthroom_frames_dropped_total [1-9]/);
  });
});
