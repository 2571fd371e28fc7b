import { mkdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  DepthImage,
  EncodedImage,
  makeRecordingLink,
  makeSessionLink,
  Pinhole,
  parseRecordingLink,
} from "@depthroom/schema";
import { loadSampleSets } from "@depthroom/schema/testing";
import { connect, describeRecording, recordingAccess, startRecording, stopRecording } from "@depthroom/sdk";
import { devices } from "playwright-core";
import { buildWebApp, launchChromium, startChildRelay, startWebApp } from "../testing/index.ts";

/*
 * README screenshots of the real sample (`npm run screenshots -w @depthroom/web`): the TUM RGB-D frame
 * (Kinect v1, PrimeSense default intrinsics) with its registered colour image (the shipped PNG, so the
 * cloud is coloured) streamed through a real relay into the viewer in Chromium,
 * saved as docs/viewer.png (whole window), docs/view-3d.png and docs/view-2d.png; then three seconds of
 * it recorded and opened as a review room, stopped at its middle: docs/review.png. The live session is
 * also shown on a phone (the Pixel 7 profile): docs/phone.png.
 */

const outDir = fileURLToPath(new URL("../docs/", import.meta.url));
const DEPTH = "world/kinect/depth";

async function main(): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const build = await buildWebApp();
  console.log(`web app ${build.built ? "built" : "build up to date"}`);
  const relay = await startChildRelay();
  const web = await startWebApp();
  const browser = await launchChromium();
  try {
    const session = await relay.createSession("TUM fr2 sample");
    const page = await browser.newPage({ viewport: { width: 1440, height: 810 }, deviceScaleFactor: 1 });
    await page.goto(
      makeSessionLink({
        webUrl: web.url,
        relayUrl: relay.url,
        session: session.id,
        token: session.tokens.edit,
      }),
    );
    await page.waitForFunction(() => window.__depthroom?.status().key === "waiting", null, {
      timeout: 30_000,
    });

    const rig = await connect({
      link: makeSessionLink({
        webUrl: web.url,
        relayUrl: relay.url,
        session: session.id,
        token: session.tokens.publish,
      }),
    });
    const [tum] = loadSampleSets();
    const frame = tum?.frames[0];
    if (!tum || !frame) throw new Error("the TUM sample frame is missing");
    rig.log(
      "world/kinect",
      Pinhole.fromIntrinsics({ fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 }),
    );
    const colour = new EncodedImage(
      new Uint8Array(
        await readFile(new URL("../../../data/samples/tum-fr2/rgb/TUM_color.png", import.meta.url)),
      ),
    );
    // Stream the frame at 10 Hz while the pictures are taken, so the session shows as live.
    let n = 0;
    const timer = setInterval(() => {
      rig.setTime("frame", n++);
      rig.log(
        DEPTH,
        new DepthImage(frame.depth, { width: frame.width, height: frame.height, meter: tum.unitsPerMetre }),
      );
      rig.log("world/kinect/rgb", colour);
    }, 100);
    await page.waitForFunction(
      (entity) =>
        window.__depthroom?.stats().find((s) => s.entity === entity)?.hasCloud &&
        window.__depthroom?.colors().clouds.find((c) => c.entity === entity)?.colorEntity,
      DEPTH,
      {
        timeout: 30_000,
      },
    );
    // Dismiss the first-visit name prompt of the collaboration layer, if it shows.
    const ok = page.getByRole("button", { name: "OK", exact: true });
    if (await ok.isVisible().catch(() => false)) await ok.click();
    // A three-quarter view: orbit with the mouse and zoom in a little; then hover a desk pixel for the readout.
    const panel3d = await page.evaluate(() => window.__depthroom?.panels().find((p) => p.kind === "3d"));
    if (!panel3d) throw new Error("no 3D panel");
    const cx = panel3d.x + panel3d.width / 2;
    const cy = panel3d.y + panel3d.height / 2;
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 45, cy + 12, { steps: 8 });
    await page.mouse.up();
    await page.mouse.wheel(0, -300);
    await page.waitForTimeout(500);
    const at = await page.evaluate((entity) => window.__depthroom?.pixelToClient(entity, 420, 300), DEPTH);
    if (at) await page.mouse.move(at[0], at[1]);
    await page.waitForTimeout(1500);

    await page.screenshot({ path: `${outDir}viewer.png` });
    const panels = (await page.evaluate(() => window.__depthroom?.panels())) ?? [];
    for (const panel of panels) {
      const name = panel.kind === "3d" ? "view-3d" : "view-2d";
      await page.screenshot({
        path: `${outDir}${name}.png`,
        clip: { x: panel.x, y: panel.y - 26, width: panel.width, height: panel.height + 26 },
      });
    }

    // The same session on a phone (Playwright's Pixel 7 profile: 412x915, touch): one view at a time,
    // the bar's controls in its menu (issue 21): docs/phone.png, at CSS pixels.
    const phoneContext = await browser.newContext({ ...devices["Pixel 7"] });
    const phone = await phoneContext.newPage();
    await phone.goto(
      makeSessionLink({
        webUrl: web.url,
        relayUrl: relay.url,
        session: session.id,
        token: session.tokens.view,
      }),
    );
    await phone.waitForFunction(
      (entity) => window.__depthroom?.stats().find((s) => s.entity === entity)?.hasCloud,
      DEPTH,
      { timeout: 60_000 },
    );
    const phoneOk = phone.getByRole("button", { name: "OK", exact: true });
    if (await phoneOk.isVisible().catch(() => false)) await phoneOk.click();
    await phone.evaluate(() => window.__depthroom?.fit());
    await phone.waitForTimeout(2500);
    await phone.screenshot({ path: `${outDir}phone.png`, scale: "css" });
    await phoneContext.close();

    // The review room: record three seconds of the stream, open the recording, stop at its middle.
    const access = recordingAccess(
      makeSessionLink({
        webUrl: web.url,
        relayUrl: relay.url,
        session: session.id,
        token: session.tokens.edit,
      }),
    );
    const started = await startRecording(access);
    await page.waitForTimeout(3000);
    await stopRecording(access, started.id);
    const described = await describeRecording(access, started.id);
    const edit = described.links?.edit;
    if (!edit) throw new Error("the recording has no edit review link");
    const review = await browser.newPage({ viewport: { width: 1440, height: 810 }, deviceScaleFactor: 1 });
    await review.goto(makeRecordingLink({ ...parseRecordingLink(edit), webUrl: web.url }));
    await review.getByTestId("timeline").waitFor({ timeout: 30_000 });
    const okReview = review.getByRole("button", { name: "OK", exact: true });
    if (await okReview.isVisible().catch(() => false)) await okReview.click();
    await review.waitForFunction(() => window.__depthroom?.playback() != null, null, { timeout: 30_000 });
    await review.evaluate(() => {
      const playback = window.__depthroom?.playback();
      if (!playback) throw new Error("the review room has no playback");
      playback.seek((playback.startNs + playback.endNs) / 2);
    });
    await review.waitForFunction(
      (entity) => window.__depthroom?.stats().find((s) => s.entity === entity)?.hasCloud,
      DEPTH,
      { timeout: 30_000 },
    );
    await review.waitForTimeout(1500);
    await review.screenshot({ path: `${outDir}review.png` });

    clearInterval(timer);
    await rig.close();
    console.log(`wrote ${outDir}viewer.png, view-3d.png, view-2d.png, review.png`);
  } finally {
    await browser.close();
    await web.stop();
    await relay.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
