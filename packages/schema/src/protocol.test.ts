import { describe, expect, it } from "vitest";
import {
  CreateSessionRequestSchema,
  CreateSessionResponseSchema,
  EntityInfoSchema,
  ErrorBodySchema,
  MAX_SUBSCRIBE_ENTITIES,
  MAX_TITLE_LENGTH,
  ProducerEventSchema,
  RefusalSchema,
  SessionLinksSchema,
  SubscribeRequestSchema,
  WelcomeSchema,
} from "./protocol.ts";
import { StartRecordingRequestSchema, StopRecordingRequestSchema } from "./recordingApi.ts";

const SESSION = "AAAAAAAAAAAAAAAAAAAAAA";
const byRole = { view: "v", edit: "e", publish: "p" };

describe("HTTP and socket bodies", () => {
  it("reads a refusal, keeping a code this version does not know", () => {
    expect(RefusalSchema.parse({ code: "bad-token", message: "expired" })).toEqual({
      code: "bad-token",
      message: "expired",
    });
    expect(RefusalSchema.safeParse({ code: "from-the-future", message: "" }).success).toBe(true);
    for (const bad of [
      null,
      "bad-token",
      { code: "", message: "" },
      { code: 4, message: "x" },
      { code: "x" },
    ]) {
      expect(RefusalSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
    expect(ErrorBodySchema.safeParse({ error: { code: "internal", message: "x" } }).success).toBe(true);
    expect(ErrorBodySchema.safeParse({ code: "internal", message: "x" }).success).toBe(false);
  });

  it("trims titles and refuses long or non-string ones, as the relay always did", () => {
    expect(CreateSessionRequestSchema.parse({ title: "  lab  " })).toEqual({ title: "lab" });
    expect(CreateSessionRequestSchema.parse({})).toEqual({});
    expect(CreateSessionRequestSchema.safeParse({ title: "x".repeat(MAX_TITLE_LENGTH + 1) }).success).toBe(
      false,
    );
    expect(CreateSessionRequestSchema.safeParse({ title: 7 }).success).toBe(false);
    expect(CreateSessionRequestSchema.safeParse([]).success).toBe(false);
    expect(StartRecordingRequestSchema.parse({ title: " take 1 ", by: " ana " })).toEqual({
      title: "take 1",
      by: "ana",
    });
    expect(StopRecordingRequestSchema.safeParse({ by: "x".repeat(101) }).success).toBe(false);
  });

  it("reads a created session only with a session id and a token and link for every role", () => {
    const good = { id: SESSION, title: "lab", tokens: byRole, links: byRole };
    expect(CreateSessionResponseSchema.parse(good)).toEqual(good);
    expect(CreateSessionResponseSchema.parse({ ...good, title: undefined }).title).toBe("");
    expect(CreateSessionResponseSchema.safeParse({ ...good, id: "../etc" }).success).toBe(false);
    expect(CreateSessionResponseSchema.safeParse({ ...good, links: { view: "v", edit: "e" } }).success).toBe(
      false,
    );
    expect(CreateSessionResponseSchema.safeParse({ ...good, tokens: { ...byRole, view: 3 } }).success).toBe(
      false,
    );
  });

  it("reads shareable links: role keys only, and a link for every token", () => {
    expect(SessionLinksSchema.parse({ tokens: { view: "t" }, links: { view: "l" } })).toEqual({
      tokens: { view: "t" },
      links: { view: "l" },
    });
    for (const bad of [
      { tokens: { view: "t" }, links: {} },
      { tokens: { admin: "t" }, links: { admin: "l" } },
      { tokens: { view: 1 }, links: { view: "l" } },
      { tokens: [], links: [] },
      { links: { view: "l" } },
    ]) {
      expect(SessionLinksSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("reads a subscription filter: normalized entity paths, bounded, absent means everything", () => {
    expect(SubscribeRequestSchema.parse(undefined)).toBeUndefined();
    expect(SubscribeRequestSchema.parse(null)).toBeNull();
    expect(SubscribeRequestSchema.parse({})).toEqual({});
    expect(SubscribeRequestSchema.parse({ entities: ["/world/cam"] })).toEqual({ entities: ["world/cam"] });
    const many = Array.from({ length: MAX_SUBSCRIBE_ENTITIES + 1 }, (_, i) => `e${i}`);
    for (const bad of [{ entities: many }, { entities: ["a//b"] }, { entities: [3] }, { entities: "a" }, 5]) {
      expect(SubscribeRequestSchema.safeParse(bad).success, JSON.stringify(bad).slice(0, 40)).toBe(false);
    }
  });

  it("reads the relay's welcome, producer events and entity descriptions", () => {
    const producer = { id: "p1", name: "rig", connectedAt: 1 };
    const welcome = {
      protocolVersion: 1,
      relayVersion: "0.1.0",
      session: SESSION,
      role: "view",
      connectionId: "c1",
      producers: [producer],
    };
    expect(WelcomeSchema.parse(welcome)).toEqual(welcome);
    expect(WelcomeSchema.safeParse({ ...welcome, role: "admin" }).success).toBe(false);
    expect(WelcomeSchema.safeParse({ ...welcome, producers: [{ id: 1 }] }).success).toBe(false);
    expect(ProducerEventSchema.parse({ type: "left", producer })).toEqual({ type: "left", producer });
    expect(ProducerEventSchema.safeParse({ type: "renamed", producer }).success).toBe(false);
    const entity = { entityPath: "world/cam", kind: "Pinhole", lastSeen: 5, messages: 2 };
    expect(EntityInfoSchema.parse(entity)).toEqual(entity);
    expect(EntityInfoSchema.safeParse({ ...entity, kind: "Mesh3D" }).success).toBe(false);
  });
});
