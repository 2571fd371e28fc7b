// @depthroom/web/testing: the web app, real Chromium and page pixels for browser tests, screenshots and benches.

// The page's `window.__depthroomCollab` (collaboration: presence, annotations, following).
export type { CollabHooks } from "../src/collab/collabHooks.ts";
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
export { type ChildRelay, startChildRelay } from "./relayProcess.ts";
export {
  type BuildResult,
  buildInputsHash,
  buildWebApp,
  type RunningWebApp,
  startWebApp,
} from "./webApp.ts";
