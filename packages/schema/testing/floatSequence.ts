import { seededRandom } from "./fuzzPayloads.ts";

/**
 * A generated F32 depth sequence in metres (test and bench helper): a slanted wall that moves back
 * 2 cm a frame, a box in front of it sliding right 12 px a frame with a 4 px shadow of NaN on its left,
 * time-of-flight-like Gaussian noise of 1.5 mm x depth^2, and 3 % of pixels NaN at random. Seeded, so
 * every run sees the same frames.
 */
export function generatedFloatSequence(
  frameCount = 6,
  width = 320,
  height = 240,
): { width: number; height: number; depth: Float32Array }[] {
  const random = seededRandom(0x19f32);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const frames: { width: number; height: number; depth: Float32Array }[] = [];
  for (let f = 0; f < frameCount; f++) {
    const depth = new Float32Array(width * height);
    const boxLeft = 60 + 12 * f;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const inBox = x >= boxLeft && x < boxLeft + 90 && y >= 70 && y < 180;
        const shadow = x >= boxLeft - 4 && x < boxLeft && y >= 70 && y < 180;
        const z = inBox ? 1.1 + 0.0005 * (x - boxLeft) : 2 + 0.02 * f + 0.004 * x + 0.002 * y;
        depth[y * width + x] = shadow || random() < 0.03 ? Number.NaN : z + 0.0015 * z * z * gaussian();
      }
    }
    frames.push({ width, height, depth });
  }
  return frames;
}
