import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { encodeTokenPayload, makeSessionLink } from "@depthroom/schema";
import { encode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempDir, startTestRelay, type TestRelay } from "./support/relay.ts";
import { hasStackTrace, repoRoot, runCli } from "./support/sdk.ts";

// Each bad input of `depthroom stream` ends with one clear message saying what and where, a non-zero
// exit code a script can branch on (2 usage, 3 bad input, 4 refused, 5 unreachable), never a stack trace.
describe("depthroom stream: bad input", () => {
  let relay: TestRelay;
  let publish: string;
  let view: string;
  let session: { id: string; tokens: Record<string, string> };
  let dir: string;
  const azure = join(repoRoot, "data/samples/azure-kinect");

  beforeAll(async () => {
    relay = await startTestRelay();
    const created = await relay.createSession();
    session = created;
    publish = created.links.publish;
    view = created.links.view;
    dir = await makeTempDir("depthroom-bad-");
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await relay.close();
  });

  function folder(name: string, files: Record<string, Uint8Array | string>): string {
    const path = join(dir, name);
    mkdirSync(path, { recursive: true });
    for (const [file, content] of Object.entries(files)) writeFileSync(join(path, file), content);
    return path;
  }
  const png16 = (w: number, h: number) =>
    encode({ width: w, height: h, data: new Uint16Array(w * h).fill(900), depth: 16, channels: 1 });
  const K = ["--fx", "100", "--fy", "100", "--cx", "2", "--cy", "2"];

  async function fails(args: string[], code: number, message: string | RegExp) {
    const result = await runCli(args);
    expect(result.code, result.stderr).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(hasStackTrace(result.stderr), result.stderr).toBe(false);
    expect(result.stderr.trim().split("\n").length).toBeLessThanOrEqual(2);
    return result;
  }

  it("an 8-bit PNG where 16-bit depth is expected", async () => {
    const path = folder("eight-bit", {
      "0001.png": png16(4, 4),
      "0002.png": encode({ width: 4, height: 4, data: new Uint8Array(16), depth: 8, channels: 1 }),
    });
    await fails(
      ["stream", path, "--link", publish, ...K],
      3,
      `depthroom stream: ${join(path, "0002.png")}: 8-bit greyscale PNG, expected 16-bit single-channel depth`,
    );
  });

  it("an RGB PNG where depth is expected", async () => {
    const path = folder("rgb", {
      "a.png": encode({ width: 4, height: 4, data: new Uint8Array(48), depth: 8, channels: 3 }),
    });
    await fails(
      ["stream", path, "--link", publish, ...K],
      3,
      /a\.png: 8-bit RGB PNG, expected 16-bit single-channel depth \(is this a colour image\?\)/,
    );
  });

  it("images of different sizes in one stream", async () => {
    const path = folder("sizes", {});
    copyFileSync(join(azure, "TestVector0_Room0.png"), join(path, "frame-000000.depth.png"));
    writeFileSync(join(path, "frame-000001.depth.png"), png16(640, 480));
    writeFileSync(join(path, "camera-intrinsics.txt"), "252 0 160\n0 252 144\n0 0 1\n");
    await fails(
      ["stream", path, "--link", publish],
      3,
      /frame-000001\.depth\.png: 640x480, but .*frame-000000\.depth\.png is 320x288 \(images of different sizes in one stream\)/,
    );
  });

  it("missing intrinsics", async () => {
    await fails(
      ["stream", "data/samples/azure-kinect", "--link", publish],
      3,
      /data\/samples\/azure-kinect: no intrinsics: .*pass --fx --fy --cx --cy/,
    );
    await fails(
      ["stream", "data/samples/azure-kinect", "--link", publish, "--fx", "200"],
      2,
      /--fx --fy --cx --cy go together: missing --fy --cx --cy/,
    );
  });

  it("malformed intrinsics", async () => {
    const path = folder("bad-k", {
      "frame-000000.depth.png": png16(4, 4),
      "camera-intrinsics.txt": "585 0 320\n0 585 two-forty\n0 0 1\n",
    });
    await fails(
      ["stream", path, "--link", publish],
      3,
      /camera-intrinsics\.txt: "two-forty" is not a number/,
    );
    const open3d = folder("bad-json", {
      "a.png": png16(4, 4),
      "intrinsics.json": '{"intrinsic_matrix": [525, 0, 0]}',
    });
    await fails(
      ["stream", open3d, "--link", publish],
      3,
      /intrinsics\.json: intrinsic_matrix must be 9 numbers/,
    );
  });

  it("a malformed pose", async () => {
    const path = folder("bad-pose", {
      "frame-000000.depth.png": png16(4, 4),
      "frame-000000.pose.txt": "1 0 0 0\n0 1 0 0\n0 0 1 0\n",
      "camera-intrinsics.txt": "100 0 2\n0 100 2\n0 0 1\n",
    });
    await fails(
      ["stream", path, "--link", publish],
      3,
      /frame-000000\.pose\.txt: expected a 4x4 matrix \(16 numbers\), found 12/,
    );
  });

  it("an expired link", async () => {
    const payload = encodeTokenPayload({
      session: session.id,
      role: "publish",
      iat: 1_700_000_000,
      exp: 1_700_003_600,
    });
    const expired = makeSessionLink({
      webUrl: "http://localhost:3000",
      relayUrl: relay.url,
      session: session.id,
      token: `v1.${payload}.c2lnbmF0dXJl`,
    });
    await fails(
      ["stream", "data/samples/tum-fr2", "--link", expired],
      4,
      "depthroom stream: the link expired on 2023-11-14T23:13:20.000Z",
    );
  });

  it("a view link where the publish link is needed", async () => {
    await fails(
      ["stream", "data/samples/tum-fr2", "--link", view],
      4,
      /this is a view link; publishing needs the session's publish link/,
    );
  });

  it("a forged token (the relay refuses it)", async () => {
    const forged = publish.replace(/\.[A-Za-z0-9_-]+$/, ".Zm9yZ2Vk");
    expect(forged).not.toBe(publish);
    await fails(["stream", "data/samples/tum-fr2", "--link", forged], 4, /refused: bad or expired token/);
  });

  it("a link that is not a link, an unknown option, a missing folder", async () => {
    await fails(["stream", "data/samples/tum-fr2", "--link", "localhost:8787"], 4, /bad session link/);
    await fails(
      ["stream", "data/samples/tum-fr2", "--link", publish, "--speed", "2"],
      2,
      "unknown option --speed (see: depthroom stream --help)",
    );
    await fails(["stream", "--link", publish], 2, "missing <folder>");
    await fails(
      ["stream", "data/samples/nowhere", "--link", publish],
      3,
      "data/samples/nowhere: no such folder",
    );
    await fails(["frobnicate"], 2, 'unknown command "frobnicate"');
  });

  it("a relay that does not answer", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const nowhere = publish.replace(
      encodeURIComponent(relay.url),
      encodeURIComponent(`http://127.0.0.1:${port}`),
    );
    await fails(
      ["stream", "data/samples/tum-fr2", "--link", nowhere, "--connect-timeout", "1"],
      5,
      /relay unreachable: no answer from http:\/\/127\.0\.0\.1:\d+ within 1 s/,
    );
    await fails(["session", "create", "--relay", `http://127.0.0.1:${port}`], 5, /relay unreachable/);
  });
});
