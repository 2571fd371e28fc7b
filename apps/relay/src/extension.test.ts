import { describe, expect, it } from "vitest";
import { type RelayExtension, RelayExtensions } from "./extension.ts";
import { createLogger } from "./log.ts";

describe("RelayExtensions", () => {
  it("calls hooks in order, the first room answer wins, and a throwing hook is logged, not raised", async () => {
    const lines: string[] = [];
    const extensions = new RelayExtensions(createLogger("error", (line) => lines.push(line)));
    const calls: string[] = [];
    const failing: RelayExtension = {
      name: "failing",
      onPublish() {
        throw new Error("boom");
      },
      admitRoom() {
        throw new Error("no");
      },
      async close() {
        throw new Error("late");
      },
    };
    const rooms: RelayExtension = {
      name: "rooms",
      onPublish: (session) => calls.push(`publish ${session}`),
      admitRoom: (room) => (room === "rec-x" ? { ok: false, code: "forbidden", message: "x" } : undefined),
      close: async () => {
        calls.push("close rooms");
      },
    };
    extensions.add(failing);
    extensions.add(rooms);
    extensions.onPublish("s", new Uint8Array(1));
    expect(extensions.admitRoom("rec-x", null)).toMatchObject({ ok: false, code: "forbidden" });
    expect(extensions.admitRoom("session", null)).toBeUndefined();
    await extensions.close();
    expect(calls).toEqual(["publish s", "close rooms"]);
    const failures = lines.map((line) => JSON.parse(line) as { extension: string; hook: string });
    expect(failures.map((f) => `${f.extension}.${f.hook}`)).toEqual([
      "failing.onPublish",
      "failing.admitRoom",
      "failing.admitRoom",
      "failing.close",
    ]);
  });
});
