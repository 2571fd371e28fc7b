/** Grey checkerboard for "no depth" pixels in the 2D view (0..1 per channel, sRGB as written). */
export const NO_DEPTH_COLORS: readonly (readonly [number, number, number])[] = [
  [0x2a / 255, 0x2d / 255, 0x33 / 255],
  [0x3a / 255, 0x3d / 255, 0x43 / 255],
];

/** Screen pixels per checkerboard cell. */
export const NO_DEPTH_CELL = 6;
