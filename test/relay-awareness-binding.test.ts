import { type AwarenessState, type CreateSessionResponse, parseAwarenessState } from "@depthroom/schema";
import * as encoding from "lib0/encoding";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { type DocClient, openDoc, waitFor } from "./support/clients.ts";
import { startTestRelay, type TestRelay } from "./support/relay.ts";

// Awareness is bound to its connection: a connection sets and removes only the state of the Yjs
// clientID it introduced. A hostile client that forges another client's clientID (a new state, a
// removal) changes nothing anyone sees, while its own state goes through; an old y-websocket client
// that re-sends its peers' states keeps working (only those entries are dropped). Real y-websocket
// providers for the honest clients, a raw WebSocket speaking the y-protocols bytes for the hostile one.

const person = (
  name: string,
  extra: Record<string, unknown> = {},
): AwarenessState & Record<string, unknown> => ({
  user: { id: `user-${name.toLowerCase()}`, name, color: "#3cb44b" },
  camera: { position: [1, 2, 3], target: [0, 0, 0], up: [0, -1, 0], fov: 60 },
  pointer: null,
  selection: null,
  ...extra,
});

/** y-protocols awareness message: (clientID, clock, state) entries. */
function awarenessBytes(entries: readonly [clientID: number, clock: number, state: unknown][]): Uint8Array {
  const inner = encoding.createEncoder();
  encoding.writeVarUint(inner, entries.length);
  for (const [clientID, clock, state] of entries) {
    encoding.writeVarUint(inner, clientID);
    encoding.writeVarUint(inner, clock);
    encoding.writeVarString(inner, JSON.stringify(state));
  }
  const outer = encoding.createEncoder();
  encoding.writeVarUint(outer, 1);
  encoding.writeVarUint8Array(outer, encoding.toUint8Array(inner));
  return encoding.toUint8Array(outer);
}

/** What the web app does (apps/web collab/ownAwarenessOnly.ts): forward only this client's own state. */
function forwardOwnAwarenessOnly({ provider }: DocClient): void {
  const own = provider.doc.clientID;
  const forward = provider._awarenessUpdateHandler;
  provider.awareness.off("update", forward);
  provider.awareness.on(
    "update",
    (change: Record<"added" | "updated" | "removed", number[]>, origin: unknown) => {
      const mine = (ids: number[]) => ids.filter((id) => id === own);
      forward(
        { added: mine(change.added), updated: mine(change.updated), removed: mine(change.removed) },
        origin,
      );
    },
  );
}

const nameOf = (client: DocClient, clientID: number): string | null | undefined => {
  const raw = client.provider.awareness.getStates().get(clientID);
  if (raw === undefined) return undefined;
  return parseAwarenessState(raw)?.user.name ?? null;
};

describe("awareness bound to its connection", () => {
  let relay: TestRelay;
  let session: CreateSessionResponse;
  const cleanups: (() => void)[] = [];

  beforeAll(async () => {
    relay = await startTestRelay();
    session = await relay.createSession({ title: "presence" });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await relay.close();
  });

  const honest = async (name: string, role: "view" | "edit", provider: "web app" | "stock") => {
    const client = openDoc(relay.url, session.id, session.tokens[role], { connect: false });
    cleanups.push(() => client.destroy());
    if (provider === "web app") forwardOwnAwarenessOnly(client);
    client.provider.awareness.setLocalState(person(name));
    client.provider.connect();
    await client.synced();
    return client;
  };
  const hostileSocket = async (): Promise<WebSocket> => {
    const ws = new WebSocket(
      `${relay.url.replace(/^http/, "ws")}/yjs/${session.id}?token=${session.tokens.view}`,
    );
    cleanups.push(() => ws.close());
    await new Promise((resolve, reject) => {
      ws.once("open", resolve);
      ws.once("error", reject);
    });
    return ws;
  };
  const droppedForeign = async () => {
    const text = await fetch(`${relay.url}/metrics`).then((r) => r.text());
    return Number(/^depthroom_awareness_dropped_total\{reason="foreign"\} (\d+)/m.exec(text)?.[1] ?? 0);
  };

  it("a hostile client forging another's clientID changes nothing others see; its own state goes through", async () => {
    const alice = await honest("Alice", "edit", "web app");
    const carol = await honest("Carol", "view", "web app");
    const aliceId = alice.doc.clientID;
    await waitFor(() => nameOf(carol, aliceId) === "Alice", 3000, "Carol to see Alice");
    const foreignBefore = await droppedForeign();

    const mallory = await hostileSocket();
    const malloryId = 0x5eed;
    // First message: a forged Alice state (her clientID is taken), then its own.
    mallory.send(awarenessBytes([[aliceId, 1_000, person("Mallory as Alice")]]));
    mallory.send(awarenessBytes([[malloryId, 1, person("Mallory")]]));
    await waitFor(() => nameOf(carol, malloryId) === "Mallory", 3000, "Carol to see Mallory's own state");
    // Removal of Alice, and a mixed message: the forged entries drop, Mallory's own entry applies.
    mallory.send(awarenessBytes([[aliceId, 2_000, null]]));
    mallory.send(
      awarenessBytes([
        [aliceId, 3_000, person("Mallory again")],
        [malloryId, 2, person("Mallory 2")],
      ]),
    );
    // Messages are applied and broadcast in order: once Carol sees "Mallory 2", the forgeries were seen too.
    await waitFor(() => nameOf(carol, malloryId) === "Mallory 2", 3000, "Mallory's second state");
    expect(nameOf(carol, aliceId)).toBe("Alice");
    expect(nameOf(alice, aliceId)).toBe("Alice");
    expect(await droppedForeign()).toBe(foreignBefore + 3);

    // A state that fails the schema is dropped too; Mallory's last valid state stays.
    mallory.send(awarenessBytes([[malloryId, 3, { user: { name: 42 } }]]));
    mallory.send(awarenessBytes([[malloryId, 4, person("Mallory 4")]]));
    await waitFor(() => nameOf(carol, malloryId) === "Mallory 4", 3000, "Mallory's fourth state");
    const metrics = await fetch(`${relay.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^depthroom_awareness_dropped_total\{reason="invalid"\} 1$/m);

    // Alice is unaffected: her updates still reach Carol.
    alice.provider.awareness.setLocalState(person("Alice moved"));
    await waitFor(() => nameOf(carol, aliceId) === "Alice moved", 3000, "Alice's next state");

    // Mallory closes: her own state goes away, Alice's stays.
    mallory.close();
    await waitFor(() => nameOf(carol, malloryId) === undefined, 3000, "Mallory's state to be removed");
    expect(nameOf(carol, aliceId)).toBe("Alice moved");
    expect(alice.closes).toEqual([]);
    expect(carol.closes).toEqual([]);
  });

  it("old clients that re-send their peers' states keep working; a reconnecting client gets its clientID back", async () => {
    // y-websocket 3.1's provider as shipped re-sends every awareness change it applies, peers' included.
    const dora = await honest("Dora", "edit", "stock");
    const eve = await honest("Eve", "edit", "stock");
    const fred = await honest("Fred", "view", "stock");
    const [doraId, eveId] = [dora.doc.clientID, eve.doc.clientID];
    await waitFor(
      () => nameOf(fred, doraId) === "Dora" && nameOf(fred, eveId) === "Eve",
      3000,
      "Fred to see both",
    );
    const foreignBefore = await droppedForeign();
    for (let i = 1; i <= 5; i++) {
      dora.provider.awareness.setLocalState(person("Dora", { step: i }));
      eve.provider.awareness.setLocalState(person("Eve", { step: i }));
    }
    const stepOf = (client: DocClient, id: number) =>
      (client.provider.awareness.getStates().get(id) as { step?: number } | undefined)?.step;
    await waitFor(
      () => stepOf(fred, doraId) === 5 && stepOf(fred, eveId) === 5 && stepOf(dora, eveId) === 5,
      3000,
      "everyone to see step 5",
    );
    // Eve re-sent Dora's states (and the other way round): those entries were dropped, not the messages.
    expect(await droppedForeign()).toBeGreaterThan(foreignBefore);
    expect(dora.closes).toEqual([]);
    expect(eve.closes).toEqual([]);

    // Dora drops off and reconnects with the same clientID: her presence leaves and comes back.
    dora.provider.disconnect();
    await waitFor(() => nameOf(fred, doraId) === undefined, 3000, "Dora's state to go on disconnect");
    dora.provider.awareness.setLocalState(person("Dora back"));
    dora.provider.connect();
    await waitFor(() => nameOf(fred, doraId) === "Dora back", 3000, "Dora back");
  });
});
