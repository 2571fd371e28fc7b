import { describe, expect, it } from "vitest";
import { FrameLoop } from "./frameLoop.ts";

describe("FrameLoop", () => {
  it("runs cursor, presence, scene, ui in that order whatever the order they were added in", () => {
    const loop = new FrameLoop();
    const ran: string[] = [];
    loop.add("ui", () => ran.push("ui"));
    loop.add("scene", () => ran.push("scene"));
    loop.add("presence", () => ran.push("presence"));
    loop.add("cursor", () => ran.push("cursor"));
    loop.run(16);
    expect(ran).toEqual(["cursor", "presence", "scene", "ui"]);
  });

  it("passes the time since the previous frame, at most 100 ms", () => {
    const loop = new FrameLoop();
    const dts: number[] = [];
    loop.add("scene", (_now, dt) => dts.push(dt));
    loop.run(1000);
    loop.run(1016);
    loop.run(5000);
    expect(dts).toEqual([0, 16, 100]);
  });

  it("stops running a removed step", () => {
    const loop = new FrameLoop();
    let n = 0;
    const remove = loop.add("presence", () => n++);
    loop.run(0);
    remove();
    loop.run(16);
    expect(n).toBe(1);
  });

  it("reports a throwing step and still runs the others", () => {
    const errors: string[] = [];
    const loop = new FrameLoop((error, stage) => errors.push(`${stage}: ${(error as Error).message}`));
    let drew = false;
    loop.add("cursor", () => {
      throw new Error("boom");
    });
    loop.add("scene", () => {
      drew = true;
    });
    loop.run(0);
    expect(errors).toEqual(["cursor: boom"]);
    expect(drew).toBe(true);
  });
});
