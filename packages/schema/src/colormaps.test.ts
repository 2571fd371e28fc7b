import {
  interpolateInferno,
  interpolateMagma,
  interpolatePlasma,
  interpolateTurbo,
  interpolateViridis,
  schemeSpectral,
} from "d3-scale-chromatic";
import { describe, expect, it } from "vitest";
import {
  COLORMAP_TABLE_SIZE,
  COLORMAPS,
  type Colormap,
  colormapFromId,
  colormapId,
  colormapIndex,
  colormapLookup,
  colormapTable,
  DEFAULT_COLORMAP,
  isColormap,
} from "./colormaps.ts";

type Rgb = readonly [number, number, number];

/** Parses d3's "#rrggbb" or "rgb(r, g, b)" into 0..255 integers. */
function parseCss(css: string): Rgb {
  const parts = css.startsWith("#")
    ? [1, 3, 5].map((at) => Number.parseInt(css.slice(at, at + 2), 16))
    : (css.match(/\d+/g) ?? []).map(Number);
  const [r, g, b] = parts;
  if (parts.length !== 3 || r === undefined || g === undefined || b === undefined) {
    throw new Error(`cannot parse ${css}`);
  }
  return [r, g, b];
}

/** Linear blend of two colours, `f` in [0, 1]. */
function mix(a: Rgb, b: Rgb, f: number): Rgb {
  return [a[0] * (1 - f) + b[0] * f, a[1] * (1 - f) + b[1] * f, a[2] * (1 - f) + b[2] * f];
}

function entry(name: Colormap, i: number): Rgb {
  const table = colormapTable(name);
  return [table[i * 4] ?? -1, table[i * 4 + 1] ?? -1, table[i * 4 + 2] ?? -1];
}

/** Largest per-channel difference, in 0..255 steps. */
function maxChannelDiff(a: Rgb, b: Rgb): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}

/** Asserts a table entry equals a published float colour within one 8-bit step. */
function expectNearFloat(name: Colormap, i: number, float: Rgb): void {
  const scaled: Rgb = [float[0] * 255, float[1] * 255, float[2] * 255];
  expect(maxChannelDiff(entry(name, i), scaled), `${name}[${i}]`).toBeLessThanOrEqual(1);
}

describe("names and ids", () => {
  it("lists Rerun's depth colormaps with Rerun's enum numbers", () => {
    expect(COLORMAPS.map((name) => [name, colormapId(name)])).toEqual([
      ["grayscale", 1],
      ["inferno", 2],
      ["magma", 3],
      ["plasma", 4],
      ["turbo", 5],
      ["viridis", 6],
      ["cyantoyellow", 7],
      ["spectral", 8],
      ["twilight", 9],
    ]);
  });

  it("round-trips every name through its id", () => {
    for (const name of COLORMAPS) expect(colormapFromId(colormapId(name))).toBe(name);
  });

  it("has no colormap for 0, the Rviz grid palettes or other numbers", () => {
    for (const id of [0, 10, 11, 12, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(colormapFromId(id), String(id)).toBeUndefined();
    }
  });

  it("defaults to turbo, like Rerun's depth images", () => {
    expect(DEFAULT_COLORMAP).toBe("turbo");
    expect(colormapId(DEFAULT_COLORMAP)).toBe(5);
  });

  it("recognises exactly the lower-case names", () => {
    for (const name of COLORMAPS) expect(isColormap(name)).toBe(true);
    for (const x of ["Turbo", "TURBO", "jet", "", " turbo", 5, null, undefined, {}, ["turbo"]]) {
      expect(isColormap(x), JSON.stringify(x)).toBe(false);
    }
  });
});

describe("colormapTable", () => {
  it("is 256 opaque RGBA entries for every colormap", () => {
    expect(COLORMAP_TABLE_SIZE).toBe(256);
    for (const name of COLORMAPS) {
      const table = colormapTable(name);
      expect(table).toBeInstanceOf(Uint8Array);
      expect(table.length).toBe(256 * 4);
      expect(table.byteOffset).toBe(0);
      expect(table.buffer.byteLength).toBe(256 * 4);
      for (let i = 0; i < 256; i++) expect(table[i * 4 + 3], `${name}[${i}] alpha`).toBe(255);
    }
  });

  it("returns the same cached array on every call", () => {
    for (const name of COLORMAPS) expect(colormapTable(name)).toBe(colormapTable(name));
    expect(colormapTable("viridis")).not.toBe(colormapTable("magma"));
  });

  it("makes grayscale a linear 0..255 ramp", () => {
    for (let i = 0; i < 256; i++) expect(entry("grayscale", i)).toEqual([i, i, i]);
  });

  it("rejects an unknown name from untyped callers", () => {
    expect(() => colormapTable("jet" as Colormap)).toThrow(RangeError);
  });
});

describe("table data against the published float tables (matplotlib _cm_listed.py)", () => {
  // Rows copied from the source file; each must come back within one 8-bit step.
  const spots: [Colormap, number, Rgb][] = [
    ["viridis", 0, [0.267004, 0.004874, 0.329415]],
    ["viridis", 64, [0.229739, 0.322361, 0.545706]],
    ["viridis", 128, [0.127568, 0.566949, 0.550556]],
    ["viridis", 192, [0.369214, 0.788888, 0.382914]],
    ["viridis", 255, [0.993248, 0.906157, 0.143936]],
    ["magma", 0, [0.001462, 0.000466, 0.013866]],
    ["magma", 128, [0.716387, 0.214982, 0.47529]],
    ["magma", 255, [0.987053, 0.991438, 0.749504]],
    ["inferno", 0, [0.001462, 0.000466, 0.013866]],
    ["inferno", 128, [0.735683, 0.215906, 0.330245]],
    ["inferno", 255, [0.988362, 0.998364, 0.644924]],
    ["plasma", 0, [0.050383, 0.029803, 0.527975]],
    ["plasma", 128, [0.798216, 0.280197, 0.469538]],
    ["plasma", 255, [0.940015, 0.975158, 0.131326]],
    // Google's Turbo (matplotlib `_turbo_data`): the exact check for turbo, see the d3 test below.
    ["turbo", 0, [0.18995, 0.07176, 0.23217]],
    ["turbo", 64, [0.15844, 0.73551, 0.92305]],
    ["turbo", 128, [0.64362, 0.98999, 0.23356]],
    ["turbo", 192, [0.9836, 0.49291, 0.12849]],
    ["turbo", 255, [0.4796, 0.01583, 0.01055]],
    // twilight's first and last rows (of 510) are kept exactly.
    ["twilight", 0, [0.88575015840754434, 0.85000924943067835, 0.8879736506427196]],
    ["twilight", 255, [0.88571155122845646, 0.85002186115856315, 0.88572538990087124]],
  ];
  for (const [name, i, float] of spots) {
    it(`${name}[${i}]`, () => expectNearFloat(name, i, float));
  }

  it("resamples twilight's 510 rows linearly (entry 128 lies between rows 255 and 256)", () => {
    const row255: Rgb = [0.18488035509396164, 0.079425730279723883, 0.21307651648984993];
    const row256: Rgb = [0.18774482037046955, 0.077251588468039312, 0.21387448578597812];
    const f = (128 * 509) / 255 - 255;
    expectNearFloat("twilight", 128, mix(row255, row256, f));
  });

  it("keeps twilight cyclic: both ends are the same colour", () => {
    expect(maxChannelDiff(entry("twilight", 0), entry("twilight", 255))).toBeLessThanOrEqual(1);
  });
});

describe("table data against d3-scale-chromatic", () => {
  // d3's viridis family is a 256-colour ramp built from the same matplotlib data, and its interpolator
  // picks entry floor(t * 256) (clamped), which is entry i at t = i / 255: every entry must agree.
  const sameData: [Colormap, (t: number) => string][] = [
    ["viridis", interpolateViridis],
    ["magma", interpolateMagma],
    ["inferno", interpolateInferno],
    ["plasma", interpolatePlasma],
  ];
  for (const [name, interpolate] of sameData) {
    it(`${name}: all 256 entries within 2/255 of d3`, () => {
      for (let i = 0; i < 256; i++) {
        expect(
          maxChannelDiff(entry(name, i), parseCss(interpolate(i / 255))),
          `${name}[${i}]`,
        ).toBeLessThanOrEqual(2);
      }
    });
  }

  it("turbo: loosely follows d3's polynomial approximation", () => {
    // d3's interpolateTurbo is not Google's table but a coarse polynomial fit of it (the table itself is
    // pinned by the spot values above). Measured against Google's table the fit is off by about 12/255 on
    // average and by up to 32/255 at t = 0, so only a loose bound is meaningful here: it still catches a
    // reversed, channel-swapped or wrong table, which would be off by ~100/255 or more.
    let sum = 0;
    for (let i = 0; i < 256; i++) {
      const diff = maxChannelDiff(entry("turbo", i), parseCss(interpolateTurbo(i / 255)));
      expect(diff, `turbo[${i}]`).toBeLessThanOrEqual(32);
      sum += diff;
    }
    expect(sum / 256).toBeLessThanOrEqual(12);
  });

  it("spectral: ColorBrewer's 11 Spectral colours, linear in between", () => {
    // d3's schemeSpectral[11] holds the same ColorBrewer colours as matplotlib's _Spectral_data.
    const stops = (schemeSpectral[11] ?? []).map(parseCss);
    expect(stops).toHaveLength(11);
    for (let i = 0; i < 256; i++) {
      const x = (i * 10) / 255;
      const k = Math.min(Math.floor(x), 9);
      const expected = mix(stops[k] ?? [0, 0, 0], stops[k + 1] ?? [0, 0, 0], x - k);
      expect(maxChannelDiff(entry("spectral", i), expected), `spectral[${i}]`).toBeLessThanOrEqual(1);
    }
    expect(entry("spectral", 0)).toEqual([0x9e, 0x01, 0x42]);
    expect(entry("spectral", 255)).toEqual([0x5e, 0x4f, 0xa2]);
  });

  it("cyantoyellow: Rerun's cyan -> dark grey -> yellow", () => {
    expect(entry("cyantoyellow", 0)).toEqual([0, 255, 255]);
    expect(entry("cyantoyellow", 255)).toEqual([255, 255, 0]);
    // t = 128/255 is just past the middle, where Rerun's formula gives (1/4, 1/4, 1/4).
    expect(maxChannelDiff(entry("cyantoyellow", 128), [64, 64, 64])).toBeLessThanOrEqual(2);
  });
});

describe("colormapIndex", () => {
  it("is round(t * 255) inside [0, 1]", () => {
    expect(colormapIndex(0)).toBe(0);
    expect(colormapIndex(1 / 255)).toBe(1);
    expect(colormapIndex(0.5)).toBe(128);
    expect(colormapIndex(0.499)).toBe(127);
    expect(colormapIndex(254 / 255)).toBe(254);
    expect(colormapIndex(1)).toBe(255);
    for (let i = 0; i < 256; i++) expect(colormapIndex(i / 255)).toBe(i);
  });

  it("clamps out-of-range t and maps NaN to 0", () => {
    expect(colormapIndex(-0.1)).toBe(0);
    expect(colormapIndex(-0)).toBe(0);
    expect(colormapIndex(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(colormapIndex(1.5)).toBe(255);
    expect(colormapIndex(Number.POSITIVE_INFINITY)).toBe(255);
    expect(colormapIndex(Number.NaN)).toBe(0);
  });
});

describe("colormapLookup", () => {
  it("reads the table entry for t", () => {
    for (const name of COLORMAPS) {
      for (const i of [0, 1, 100, 128, 254, 255])
        expect(colormapLookup(name, i / 255)).toEqual(entry(name, i));
    }
    expect(colormapLookup("viridis", 0)).toEqual([68, 1, 84]);
    expect(colormapLookup("turbo", 1)).toEqual([122, 4, 3]);
  });

  it("returns integers 0..255", () => {
    for (const name of COLORMAPS) {
      for (let t = 0; t <= 1; t += 0.01) {
        for (const v of colormapLookup(name, t)) {
          expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true);
        }
      }
    }
  });

  it("clamps t to [0, 1] and maps NaN to entry 0", () => {
    for (const name of COLORMAPS) {
      expect(colormapLookup(name, -3)).toEqual(colormapLookup(name, 0));
      expect(colormapLookup(name, 7)).toEqual(colormapLookup(name, 1));
      expect(colormapLookup(name, Number.NaN)).toEqual(colormapLookup(name, 0));
    }
  });
});
