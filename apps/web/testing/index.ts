// @depthroom/web/testing: the web app, real Chromium and page pixels for browser tests, screenshots and benches.

export { NO_DEPTH_COLORS } from "../src/render/noDepth.ts";
// The page's `window.__depthroom` (declared globally by this import).
export type { DepthroomHooks } from "../src/viewer/testHooks.ts";
export {
  CHROMIUM_ARGS,
  CHROMIUM_PATH,
  colorDistance,
  launchChromium,
  type Pixels,
  pixel,
  screenshotPixels,
} from "./browser.ts";
export {
  type BuildResult,
  buildInputsHash,
  buildWebApp,
  freePort,
  type RunningWebApp,
  startWebApp,
} from "./webApp.ts";
