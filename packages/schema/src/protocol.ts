import { z } from "zod";
import type { ErrorCode } from "./codes.ts";
import { EntityPathSchema } from "./collab/primitives.ts";
import { ROLES, type Role, SESSION_ID } from "./link.ts";
import { ARCHETYPE_KINDS, type ArchetypeKind } from "./message.ts";

/*
 * The relay protocol, in one file: the socket.io handshake, every socket event and its payload, and
 * the HTTP API's bodies. Frames are wire messages (message.ts) carried as binary socket.io arguments.
 *
 * Handshake (first): the client connects to `/socket.io/` (WebSocket transport only) with the query
 *   ?session=<id>&token=<token>&v=<RELAY_PROTOCOL_VERSION>[&name=<producer or viewer name>]
 * The session id sits in the URL so a load balancer can route on it. A refused handshake fails with
 * socket.io's `connect_error`, whose `data` is a `Refusal`. An accepted one is followed by `welcome`.
 */

/**
 * Version of this socket protocol (events and payloads); the wire message has its own version byte.
 * 2: viewers are paced by credits (`credit`, `FRAME_CREDITS`) instead of one ack per frame. A client
 * of another version is refused at the handshake with `version-mismatch`.
 */
export const RELAY_PROTOCOL_VERSION = 2;

/**
 * Frames a viewer may have been sent and not yet given back as credit, granted afresh by each accepted
 * `subscribe`. The relay sends a frame only while the viewer has credit (and its connection's buffers
 * are nearly empty); otherwise the frame waits in its entity's latest-wins slot at the relay.
 */
export const FRAME_CREDITS = 8;

export interface HandshakeQuery {
  readonly session: string;
  readonly token: string;
  readonly v: string;
  readonly name?: string;
}

/**
 * Data of a refused handshake (`connect_error`), of `problem` events and of HTTP error bodies: a named
 * code and a sentence. A code this version does not know (a newer relay's) is kept as it is.
 */
export const RefusalSchema = z.object({
  code: z
    .string()
    .min(1)
    .max(64)
    .transform((code) => code as ErrorCode),
  message: z.string().max(4096),
});
export type Refusal = z.output<typeof RefusalSchema>;

/** The body of every HTTP error answer. */
export const ErrorBodySchema = z.object({ error: RefusalSchema });
export type ErrorBody = z.output<typeof ErrorBodySchema>;

export const ProducerInfoSchema = z.object({
  /** Stable for the connection's life. */
  id: z.string(),
  name: z.string(),
  connectedAt: z.number(),
});
export type ProducerInfo = z.output<typeof ProducerInfoSchema>;

export const EntityInfoSchema = z.object({
  entityPath: z.string(),
  /** An archetype kind; a newer relay's unknown kind fails this schema (readers skip such entries). */
  kind: z.enum(ARCHETYPE_KINDS as [ArchetypeKind, ...ArchetypeKind[]]),
  /** Wall-clock ms of the latest message. */
  lastSeen: z.number(),
  messages: z.number(),
});
export type EntityInfo = z.output<typeof EntityInfoSchema>;

/** Every event, as one discriminated union: `from` says who sends it; `ack` is the reply, if any. */
export type ProtocolEvent =
  /** Sent by the relay right after an accepted handshake. */
  | { from: "relay"; name: "welcome"; payload: Welcome }
  /** One wire message for a subscriber; it spends one of the viewer's credits (no ack). */
  | { from: "relay"; name: "frame"; payload: Uint8Array }
  /** A producer joined or left the session. */
  | { from: "relay"; name: "producer"; payload: ProducerEvent }
  /** Something went wrong that is not the answer to a request (e.g. rate limit, about to close). */
  | { from: "relay"; name: "problem"; payload: Refusal }
  /** A notice from the relay's operator (`POST /api/admin/notices`), to every socket or one session's. */
  | { from: "relay"; name: "notice"; payload: AdminNotice }
  /** A producer publishes one wire message; the ack says whether the relay took it. */
  | { from: "client"; name: "publish"; payload: Uint8Array; ack: PublishResult }
  /** Start receiving frames: first the latest message of every entity, then live ones. */
  | { from: "client"; name: "subscribe"; payload: SubscribeRequest; ack: SubscribeResult }
  /**
   * A viewer gives back credit for this many frames it has taken (handed on, or dropped for a newer one
   * of the same entity): an integer 1..FRAME_CREDITS. A viewer gives it back in batches (the SDK every
   * FRAME_CREDITS / 2 frames), so the relay reads one message per batch instead of an ack per frame.
   * More credit than FRAME_CREDITS outstanding is capped; any other payload is answered with a
   * `problem` (bad-message) and ignored.
   */
  | { from: "client"; name: "credit"; payload: number };

export const WelcomeSchema = z.object({
  protocolVersion: z.number(),
  relayVersion: z.string(),
  session: z.string(),
  role: z.enum(ROLES),
  connectionId: z.string(),
  producers: z.array(ProducerInfoSchema).readonly(),
  /** The relay node serving this session, when the relay runs as several nodes (DEPTHROOM_NODE_ID). */
  node: z.string().optional(),
});
export type Welcome = z.output<typeof WelcomeSchema>;

export const ProducerEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("joined"), producer: ProducerInfoSchema }),
  z.object({ type: z.literal("left"), producer: ProducerInfoSchema }),
]);
export type ProducerEvent = z.output<typeof ProducerEventSchema>;

export type PublishResult = { readonly ok: true } | ({ readonly ok: false } & Refusal);

/** Most entity paths a subscription may filter on. */
export const MAX_SUBSCRIBE_ENTITIES = 64;

/** `subscribe` payload: absent or null means everything. */
export const SubscribeRequestSchema = z
  .object({
    /** Only these entity paths (and their descendants), normalized; all when absent. */
    entities: z.array(EntityPathSchema).max(MAX_SUBSCRIBE_ENTITIES).readonly().optional(),
  })
  .nullish();
export type SubscribeRequest = z.input<typeof SubscribeRequestSchema>;

/** A `credit` payload's frame count, or undefined when it is not an integer 1..FRAME_CREDITS. */
export function readCredit(payload: unknown): number | undefined {
  return Number.isInteger(payload) && (payload as number) >= 1 && (payload as number) <= FRAME_CREDITS
    ? (payload as number)
    : undefined;
}

export type SubscribeResult =
  | {
      readonly ok: true;
      readonly entities: readonly EntityInfo[];
      readonly producers: readonly ProducerInfo[];
    }
  | ({ readonly ok: false } & Refusal);

type EventsFrom<F extends ProtocolEvent["from"]> = Extract<ProtocolEvent, { from: F }>;
type Listener<E extends ProtocolEvent> = E extends { ack: infer A }
  ? (payload: E["payload"], ack: (reply: A) => void) => void
  : (payload: E["payload"]) => void;

/** socket.io's typed event maps, derived from `ProtocolEvent`. */
export type ServerToClientEvents = { [E in EventsFrom<"relay"> as E["name"]]: Listener<E> };
export type ClientToServerEvents = { [E in EventsFrom<"client"> as E["name"]]: Listener<E> };

/* HTTP API (JSON). Errors answer with a status and `{ error: Refusal }`. */

/** Longest session or recording title (characters, before trimming). */
export const MAX_TITLE_LENGTH = 200;

/** A session's or a recording's title as a client gives it: trimmed; empty means the relay picks one. */
export const TitleSchema = z
  .string()
  .max(MAX_TITLE_LENGTH, `title must be a string of at most ${MAX_TITLE_LENGTH} characters`)
  .trim();

/** `POST /api/sessions` body (optional). */
export const CreateSessionRequestSchema = z.object({ title: TitleSchema.optional() });
export type CreateSessionRequest = z.input<typeof CreateSessionRequestSchema>;

const byEveryRole = z.record(z.enum(ROLES), z.string().min(1));

/** `POST /api/sessions` response. Links need the web app's URL; the relay knows it from its config. */
export const CreateSessionResponseSchema = z.object({
  id: z.string().regex(SESSION_ID, "not a session id"),
  title: z.string().default(""),
  tokens: byEveryRole,
  links: byEveryRole,
});
export type CreateSessionResponse = z.output<typeof CreateSessionResponseSchema>;

/** `GET /api/sessions/:id` (any token of the session, as `Authorization: Bearer` or `?token=`). */
export interface SessionDescription {
  readonly id: string;
  readonly title: string;
  readonly createdAt: number;
  readonly entities: readonly EntityInfo[];
  readonly producers: readonly ProducerInfo[];
  readonly viewers: number;
}

/**
 * `GET /api/sessions/:id/links` (a token of the session, as for `GET /api/sessions/:id`): fresh tokens
 * and links for the roles the caller may hand out (`SHAREABLE_ROLES` of its token's role), so anyone
 * holding an edit link can share the session, not only the browser that created it.
 */
export const SessionLinksSchema = z
  .object({
    tokens: z.partialRecord(z.enum(ROLES), z.string().min(1)),
    links: z.partialRecord(z.enum(ROLES), z.string().min(1)),
  })
  .refine((x) => ROLES.every((role) => (x.tokens[role] === undefined) === (x.links[role] === undefined)), {
    message: "tokens and links name different roles",
  });
export type SessionLinks = z.output<typeof SessionLinksSchema>;

/** Which roles a token of each role may hand out: edit shares everything, the others only themselves. */
export const SHAREABLE_ROLES: Readonly<Record<Role, readonly Role[]>> = {
  edit: ["view", "edit", "publish"],
  view: ["view"],
  publish: ["publish"],
};

/** Longest admin notice text (characters). */
export const NOTICE_TEXT_MAX = 500;
/** Longest time an admin notice stays active for sockets that connect later (7 days). */
export const NOTICE_TTL_MAX_MS = 7 * 24 * 3600 * 1000;

/**
 * `POST /api/admin/notices` body (`Authorization: Bearer <admin token>`). `session`: only that
 * session's sockets (default: every socket of every node). `ttlMs`: sockets that connect within that
 * time get it too (default: only the sockets connected now). `level` defaults to "info".
 */
export const AdminNoticeRequestSchema = z
  .object({
    text: z.string().trim().min(1).max(NOTICE_TEXT_MAX),
    level: z.enum(["info", "warning"]).default("info"),
    session: z.string().regex(SESSION_ID, "not a session id").optional(),
    ttlMs: z.number().int().min(1).max(NOTICE_TTL_MAX_MS).optional(),
  })
  .strict();
export type AdminNoticeRequest = z.input<typeof AdminNoticeRequestSchema>;

/** The `notice` event (and the answer of `POST /api/admin/notices`). */
export const AdminNoticeSchema = z.object({
  id: z.string().min(1).max(64),
  text: z.string().min(1).max(NOTICE_TEXT_MAX),
  level: z.enum(["info", "warning"]),
  /** Wall-clock ms when the relay took it. */
  at: z.number(),
  session: z.string().regex(SESSION_ID).optional(),
  /** Wall-clock ms after which it is no longer shown (set when the request had `ttlMs`). */
  expiresAt: z.number().optional(),
});
export type AdminNotice = z.infer<typeof AdminNoticeSchema>;

/** `GET /healthz` */
export interface Health {
  readonly ok: true;
  readonly version: string;
  readonly protocolVersion: number;
  readonly uptimeSeconds: number;
  /**
   * The relay's clock (`Date.now()` when it answered, ms since the epoch): review rooms estimate their
   * offset to it (NTP-style) so everyone's playback cursor runs on one clock.
   */
  readonly serverTimeMs: number;
  /** This relay node's id, when the relay runs as several nodes (DEPTHROOM_NODE_ID). */
  readonly node?: string;
}
