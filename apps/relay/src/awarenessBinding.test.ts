import type { AwarenessState } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { AwarenessOwners } from "./awarenessBinding.ts";
import type { AwarenessEntry } from "./docMessages.ts";

const limits = { maxAwarenessClientsPerConnection: 1, maxAwarenessStateBytes: 1024 };

function state(name: string): AwarenessState {
  return {
    user: { id: `user-${name}`, name, color: "#e6194b" },
    camera: null,
    pointer: null,
    selection: null,
  };
}

function entry(clientID: number, clock: number, value: unknown): AwarenessEntry {
  return { clientID, clock, json: JSON.stringify(value), state: value };
}

describe("AwarenessOwners", () => {
  it("the first clientID a connection sets is its own; it keeps setting and removing it", () => {
    const owners = new AwarenessOwners<string>(limits);
    expect(owners.filter("a", [entry(1, 1, state("Ada"))])).toEqual({
      kept: [entry(1, 1, state("Ada"))],
      foreign: 0,
      invalid: 0,
    });
    expect(owners.ownerOf(1)).toBe("a");
    expect(owners.filter("a", [entry(1, 2, state("Ada L."))]).kept).toHaveLength(1);
    expect(owners.filter("a", [entry(1, 3, null)]).kept).toEqual([entry(1, 3, null)]);
    // Removing its state does not give up the clientID.
    expect(owners.ownerOf(1)).toBe("a");
  });

  it("another connection's clientID is dropped entry by entry, the rest of the message is kept", () => {
    const owners = new AwarenessOwners<string>(limits);
    owners.filter("a", [entry(1, 1, state("Ada"))]);
    owners.filter("b", [entry(2, 1, state("Bob"))]);
    // An old y-websocket client re-sends its peers' states along with its own; a hostile one forges.
    const result = owners.filter("b", [
      entry(1, 9, state("Mallory")),
      entry(2, 2, state("Bob")),
      entry(1, 10, null),
    ]);
    expect(result).toEqual({ kept: [entry(2, 2, state("Bob"))], foreign: 2, invalid: 0, firstDropped: 1 });
    expect(owners.ownerOf(1)).toBe("a");
  });

  it("a connection claims at most the limit of clientIDs", () => {
    const owners = new AwarenessOwners<string>(limits);
    owners.filter("a", [entry(1, 1, state("Ada"))]);
    expect(owners.filter("a", [entry(5, 1, state("Eve"))])).toMatchObject({ kept: [], foreign: 1 });
    expect(owners.ownerOf(5)).toBeUndefined();
    const two = new AwarenessOwners<string>({ ...limits, maxAwarenessClientsPerConnection: 2 });
    expect(two.filter("a", [entry(1, 1, state("Ada")), entry(5, 1, state("Eve"))]).kept).toHaveLength(2);
  });

  it("removing a state nobody owns is skipped quietly and claims nothing", () => {
    const owners = new AwarenessOwners<string>(limits);
    expect(owners.filter("a", [entry(7, 4, null)])).toEqual({ kept: [], foreign: 0, invalid: 0 });
    expect(owners.ownerOf(7)).toBeUndefined();
    expect(owners.filter("a", [entry(1, 1, state("Ada"))]).kept).toHaveLength(1);
  });

  it("invalid and oversized states are dropped; the empty initial state claims but is not forwarded", () => {
    const owners = new AwarenessOwners<string>(limits);
    expect(owners.filter("a", [entry(1, 1, {})])).toEqual({ kept: [], foreign: 0, invalid: 0 });
    expect(owners.ownerOf(1)).toBe("a");
    const bad = { ...state("Ada"), user: { id: "x", name: "Ada", color: "red" } };
    expect(owners.filter("a", [entry(1, 2, bad)])).toEqual({
      kept: [],
      foreign: 0,
      invalid: 1,
      firstDropped: 1,
    });
    const big = { ...state("Ada"), padding: "x".repeat(2000) };
    expect(owners.filter("a", [entry(1, 3, big)])).toMatchObject({ kept: [], invalid: 1 });
    expect(owners.filter("a", [entry(1, 4, [1, 2])])).toMatchObject({ kept: [] });
    // Unknown keys within the bound pass, and the JSON is forwarded as sent.
    const extra = { ...state("Ada"), t: 123 };
    expect(owners.filter("a", [entry(1, 5, extra)]).kept).toEqual([entry(1, 5, extra)]);
  });

  it("a closed connection's clientIDs are free again (a reconnecting client claims its own back)", () => {
    const owners = new AwarenessOwners<string>(limits);
    owners.filter("a", [entry(1, 1, state("Ada"))]);
    expect(owners.filter("a2", [entry(1, 2, state("Ada"))]).foreign).toBe(1);
    owners.release("a");
    expect(owners.ownerOf(1)).toBeUndefined();
    expect(owners.filter("a2", [entry(1, 3, state("Ada"))]).kept).toHaveLength(1);
    expect(owners.ownerOf(1)).toBe("a2");
  });
});
