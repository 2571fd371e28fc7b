import { beforeAll, describe, expect, inject, it } from "vitest";
import { writeRos2Mcap } from "../support/mcapFiles.ts";
import { ALICE, type CollabPage } from "./support/collabPages.ts";
import { browserSuite } from "./support/suite.ts";

// The .mcap upload of the live viewer shows its progress while the bytes go out, not only "sent":
// Chromium's own network throttling (DevTools protocol) slows the upload to the relay so that the
// progress bar has time to move, as it does for a person on a slow uplink.
const UPLOAD_BYTES_PER_SECOND = 2 * 1024 * 1024;

describe("mcap upload progress", () => {
  const suite = browserSuite({ relay: { webUrl: inject("webUrl") } });
  let a: CollabPage;

  beforeAll(async () => {
    const { links } = await suite.newSession({ title: "upload progress" });
    a = await suite.openAs(links.edit, ALICE);
  });

  it("a 6 MB ROS 2 file on a 2 MB/s uplink: the bar advances in steps up to the whole file, then the import", async () => {
    // 10 frames of 640x480 16UC1 (614 KB each), noise so that nothing compresses on the way.
    const frames = Array.from({ length: 10 }, (_, i) => {
      const data = new Uint16Array(640 * 480);
      let seed = 12345 + i;
      for (let p = 0; p < data.length; p++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        data[p] = 500 + (seed >>> 20);
      }
      return { t: 1_700_000_000_000_000_000n + BigInt(i) * 100_000_000n, width: 640, height: 480, data };
    });
    const file = await writeRos2Mcap({ frames, k: [525, 0, 319.5, 0, 525, 239.5, 0, 0, 1] });
    expect(file.byteLength).toBeGreaterThan(6_000_000);

    const cdp = await a.context.newCDPSession(a.page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: UPLOAD_BYTES_PER_SECOND,
    });
    // Every value the progress bar takes while sending, and the states in order.
    await a.page.evaluate(() => {
      const seen = { values: [] as number[], max: 0, states: [] as string[] };
      (window as unknown as { uploadSeen: typeof seen }).uploadSeen = seen;
      new MutationObserver(() => {
        const upload = document.querySelector('[data-testid="upload"]');
        const state = upload?.getAttribute("data-state");
        if (state && seen.states.at(-1) !== state) seen.states.push(state);
        const bar = document.querySelector<HTMLProgressElement>('[data-testid="upload-progress"]');
        if (bar && state === "sending" && seen.values.at(-1) !== bar.value) {
          seen.values.push(bar.value);
          seen.max = bar.max;
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await a.page.getByTestId("recordings-button").click();
    const started = Date.now();
    await a.page.getByTestId("import-file").setInputFiles({
      name: "slow-uplink.mcap",
      mimeType: "application/octet-stream",
      buffer: Buffer.from(file),
    });
    await a.page.locator('[data-testid="upload"][data-state="done"]').waitFor({ timeout: 60_000 });
    const took = Date.now() - started;
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    const seen = await a.page.evaluate(
      () =>
        (window as unknown as { uploadSeen: { values: number[]; max: number; states: string[] } }).uploadSeen,
    );
    console.log(
      `upload of ${file.byteLength} B took ${took} ms; progress values seen: ${seen.values.length}, states ${seen.states.join(" -> ")}`,
    );
    // The throttle held: the bytes could not have gone out faster than the uplink.
    expect(took).toBeGreaterThan((file.byteLength / UPLOAD_BYTES_PER_SECOND) * 1000 * 0.8);
    expect(seen.states).toEqual(["sending", "importing", "done"]);
    expect(seen.max).toBe(file.byteLength);
    // Several steps between nothing and everything, never going back.
    const between = seen.values.filter((v) => v > 0 && v < file.byteLength);
    expect(between.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.values.length; i++) {
      expect(seen.values[i]!).toBeGreaterThanOrEqual(seen.values[i - 1]!);
    }
    // Ten depth images and the Pinhole of their CameraInfo.
    expect(await a.page.getByTestId("upload").textContent()).toContain("11 messages imported");
  });
});
