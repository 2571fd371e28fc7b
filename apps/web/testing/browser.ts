import { type Browser, chromium, type Page } from "playwright-core";

/*
 * Real Chromium for tests, screenshots and benchmarks: Debian's build, headless, WebGL2 through
 * SwiftShader (no GPU needed). Never downloads a browser.
 */

export const CHROMIUM_PATH = process.env.DEPTHROOM_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--use-angle=swiftshader",
  "--enable-unsafe-swiftshader",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  // Keep animation frames coming while the page is "hidden" in headless mode.
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major. */
  readonly data: Uint8Array;
}

/**
 * A screenshot of a region of the page, decoded to RGBA by the page's own image decoder (what a person
 * would see, without a PNG library in the tests).
 */
export async function screenshotPixels(
  page: Page,
  clip: { x: number; y: number; width: number; height: number },
): Promise<Pixels> {
  const png = await page.screenshot({ clip, type: "png" });
  const decoded = await page.evaluate(async (base64: string) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }), {
      colorSpaceConversion: "none",
      premultiplyAlpha: "none",
    });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
    context.drawImage(bitmap, 0, 0);
    const image = context.getImageData(0, 0, bitmap.width, bitmap.height);
    let binary = "";
    const data = image.data;
    for (let i = 0; i < data.length; i += 0x8000)
      binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return { width: image.width, height: image.height, rgba: btoa(binary) };
  }, png.toString("base64"));
  return {
    width: decoded.width,
    height: decoded.height,
    data: new Uint8Array(Buffer.from(decoded.rgba, "base64")),
  };
}

export function pixel(image: Pixels, x: number, y: number): [number, number, number] {
  const i = (Math.round(y) * image.width + Math.round(x)) * 4;
  return [image.data[i] as number, image.data[i + 1] as number, image.data[i + 2] as number];
}

/** Largest channel difference between two colours. */
export function colorDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return Math.max(
    Math.abs((a[0] ?? 0) - (b[0] ?? 0)),
    Math.abs((a[1] ?? 0) - (b[1] ?? 0)),
    Math.abs((a[2] ?? 0) - (b[2] ?? 0)),
  );
}
