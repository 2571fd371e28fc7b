import { describe, expect, it } from "vitest";
import { readViewLink, viewLinkFor } from "./viewLink.ts";

const LINK = "https://depthroom.example/r/rec123?relay=https%3A%2F%2Frelay.example#token=v1.abc.def";
const camera = {
  position: [1.234567891234, -2, 3.5] as [number, number, number],
  target: [0, 0.25, 2] as [number, number, number],
  up: [0, -1, 0] as [number, number, number],
  fov: 47.5,
};

describe("view links", () => {
  it("keep the page, relay and token, and carry time, camera, layout and entity exactly", () => {
    const link = viewLinkFor(LINK, {
      at: { timeline: "log_time", value: 1_700_000_000_123_456_800 },
      camera,
      layout: "3d",
      entity: "world/camera/depth",
    });
    const url = new URL(link);
    expect(`${url.origin}${url.pathname}${url.search}`).toBe(
      "https://depthroom.example/r/rec123?relay=https%3A%2F%2Frelay.example",
    );
    expect(new URLSearchParams(url.hash.slice(1)).get("token")).toBe("v1.abc.def");
    expect(readViewLink(link)).toEqual({
      at: { timeline: "log_time", value: 1_700_000_000_123_456_800 },
      camera,
      layout: "3d",
      entity: "world/camera/depth",
    });
    // Copying again from a link that has a view replaces it.
    expect(readViewLink(viewLinkFor(link, { at: "live" }))).toEqual({ at: "live" });
  });

  it("leaves out what does not parse, never guessing", () => {
    const bad = `${LINK}&at=frame:NaN&cam=1,2,3&layout=wide&entity=${encodeURIComponent("a//b")}`;
    expect(readViewLink(bad)).toEqual({});
    expect(readViewLink(`${LINK}&cam=0,0,0,0,0,1,0,1,0,200`)).toEqual({});
    expect(readViewLink("not a url")).toEqual({});
    expect(readViewLink(`${LINK}&at=frame:42`)).toEqual({ at: { timeline: "frame", value: 42 } });
  });
});
