import type {
  AdminNotice,
  ArchetypeKind,
  Datatype,
  EntityInfo,
  ProducerEvent,
  ProducerInfo,
} from "@depthroom/schema";

/*
 * What the viewer knows, as data: the connection, the rigs (producers), every entity seen, and the
 * problems to show. One reducer changes it; every action is handled (exhaustiveness check at the end),
 * and the UI renders it: connection trouble is a state to show, never a silent empty view.
 */

export type ConnectionStatus =
  | { readonly kind: "connecting"; readonly since: number }
  | { readonly kind: "live"; readonly since: number }
  | { readonly kind: "reconnecting"; readonly since: number }
  /** Closed for good: refused (bad token, no such session), version mismatch, or unreachable. */
  | { readonly kind: "closed"; readonly code: string; readonly message: string };

export interface EntityEntry {
  readonly path: string;
  readonly kind: ArchetypeKind;
  readonly width: number | undefined;
  readonly height: number | undefined;
  readonly datatype: Datatype | undefined;
  /** Wall-clock ms of the latest message. */
  readonly lastSeen: number;
  readonly messages: number;
  /** Smoothed interval between messages, ms (0 until two arrived). */
  readonly intervalMs: number;
  /** The latest value of the `frame` sequence timeline, when the producer sets one. */
  readonly frame: number | undefined;
  /**
   * Frames dropped: gaps in the `frame` sequence of what arrived (dropped by the rig or the relay),
   * plus frames this viewer received but replaced by a newer one before the page could take them
   * (latest wins in the frame worker, when the page is busy).
   */
  readonly dropped: number;
  /** Milliseconds the latest frame took to decode (RVL included), in the frame worker or on the page. */
  readonly decodeMs: number | undefined;
  readonly visible: boolean;
}

export interface Problem {
  readonly id: number;
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

export interface ViewerState {
  readonly connection: ConnectionStatus;
  readonly producers: Readonly<Record<string, ProducerInfo>>;
  /** Whether a rig was ever seen in this session (so "offline" can be told from "not started"). */
  readonly everHadProducer: boolean;
  readonly entities: Readonly<Record<string, EntityEntry>>;
  /** Depth frames received since the page opened. */
  readonly framesReceived: number;
  readonly lastFrameAt: number | undefined;
  /** Wire bytes of the messages received live, and their rate (`receivedBytesPerSecond`). */
  readonly received: ReceiveRate;
  readonly problems: readonly Problem[];
  /** Notices from the relay's operator (validated by the SDK), oldest first, not dismissed. */
  readonly notices: readonly AdminNotice[];
  /** Ids of notices dismissed here, so one sent again (after a reconnect) stays dismissed. */
  readonly dismissedNotices: readonly string[];
  readonly selected: string | undefined;
}

/**
 * Bytes per second of wire messages received, measured over windows of at least `RATE_WINDOW_MS` of
 * arrival times: a window opens at an arrival and sums the bytes of the arrivals after it, so a steady
 * stream of n frames of b bytes every t ms reads b / t.
 */
export interface ReceiveRate {
  /** Every message's bytes since the page opened. */
  readonly bytes: number;
  /** Arrival time (ms) that opened the current window, and the bytes that arrived after it. */
  readonly windowStart: number | undefined;
  readonly windowBytes: number;
  readonly lastAt: number | undefined;
  /** The rate of the last closed window; undefined until one closed. */
  readonly bytesPerSecond: number | undefined;
}

export const RATE_WINDOW_MS = 1000;
/** No message for this long: the rate reads 0. */
export const RATE_STALE_MS = 2500;

export type ViewerAction =
  | {
      readonly type: "connection";
      readonly state: "connecting" | "connected" | "reconnecting";
      readonly at: number;
    }
  | { readonly type: "closed"; readonly code: string; readonly message: string }
  | {
      readonly type: "subscribed";
      readonly entities: readonly EntityInfo[];
      readonly producers: readonly ProducerInfo[];
      readonly at: number;
    }
  | { readonly type: "producer"; readonly event: ProducerEvent }
  | {
      readonly type: "message";
      readonly entityPath: string;
      readonly kind: ArchetypeKind;
      readonly width?: number;
      readonly height?: number;
      readonly datatype?: Datatype;
      readonly frame?: number;
      readonly at: number;
      /** What decoding this frame took (depth images). */
      readonly decodeMs?: number;
      /** The wire message's size (live frames; counted in `received`). */
      readonly bytes?: number;
    }
  /** Frames of an entity this viewer received and replaced by a newer one before showing them. */
  | { readonly type: "dropped"; readonly entityPath: string; readonly count: number }
  | { readonly type: "problem"; readonly code: string; readonly message: string; readonly at: number }
  | { readonly type: "dismiss-problem"; readonly id: number }
  | { readonly type: "notice"; readonly notice: AdminNotice }
  | { readonly type: "dismiss-notice"; readonly id: string }
  | { readonly type: "set-visible"; readonly path: string; readonly visible: boolean }
  | { readonly type: "select"; readonly path: string | undefined };

export const MAX_PROBLEMS = 8;
/** Notices kept (newest win), and dismissed ids remembered. */
export const MAX_NOTICES = 5;
const MAX_DISMISSED_NOTICES = 64;

export function initialViewerState(now: number): ViewerState {
  return {
    connection: { kind: "connecting", since: now },
    producers: {},
    everHadProducer: false,
    entities: {},
    framesReceived: 0,
    lastFrameAt: undefined,
    received: {
      bytes: 0,
      windowStart: undefined,
      windowBytes: 0,
      lastAt: undefined,
      bytesPerSecond: undefined,
    },
    problems: [],
    notices: [],
    dismissedNotices: [],
    selected: undefined,
  };
}

let problemIds = 0;

export function viewerReducer(state: ViewerState, action: ViewerAction): ViewerState {
  switch (action.type) {
    case "connection": {
      if (state.connection.kind === "closed") return state;
      const kind = action.state === "connected" ? "live" : action.state;
      if (state.connection.kind === kind) return state;
      return { ...state, connection: { kind, since: action.at } };
    }
    case "closed":
      return { ...state, connection: { kind: "closed", code: action.code, message: action.message } };
    case "subscribed": {
      const producers = Object.fromEntries(action.producers.map((p) => [p.id, p]));
      const entities = { ...state.entities };
      for (const info of action.entities) {
        const existing = entities[info.entityPath];
        if (!existing) entities[info.entityPath] = newEntity(info.entityPath, info.kind, info.lastSeen);
      }
      return {
        ...state,
        producers,
        everHadProducer: state.everHadProducer || action.producers.length > 0,
        entities,
      };
    }
    case "producer": {
      const producers = { ...state.producers };
      if (action.event.type === "joined") producers[action.event.producer.id] = action.event.producer;
      else delete producers[action.event.producer.id];
      return {
        ...state,
        producers,
        everHadProducer: state.everHadProducer || action.event.type === "joined",
      };
    }
    case "message": {
      const previous =
        state.entities[action.entityPath] ?? newEntity(action.entityPath, action.kind, action.at);
      const skipped =
        action.frame !== undefined && previous.frame !== undefined && action.frame > previous.frame + 1
          ? action.frame - previous.frame - 1
          : 0;
      // The stream's interval: frames skipped in the `frame` sequence (the relay's latest wins, for a
      // viewer that draws slower than the rig sends) count, so the rate is the rig's, not this viewer's.
      const interval = previous.messages > 0 ? (action.at - previous.lastSeen) / (skipped + 1) : 0;
      const intervalMs =
        previous.messages === 0
          ? 0
          : previous.intervalMs === 0
            ? interval
            : previous.intervalMs * 0.8 + interval * 0.2;
      const entry: EntityEntry = {
        ...previous,
        kind: action.kind,
        width: action.width ?? previous.width,
        height: action.height ?? previous.height,
        datatype: action.datatype ?? previous.datatype,
        lastSeen: action.at,
        messages: previous.messages + 1,
        intervalMs,
        frame: action.frame ?? previous.frame,
        dropped: previous.dropped + skipped,
        decodeMs: action.decodeMs ?? previous.decodeMs,
      };
      const isFrame = action.kind === "DepthImage";
      return {
        ...state,
        entities: { ...state.entities, [action.entityPath]: entry },
        framesReceived: state.framesReceived + (isFrame ? 1 : 0),
        lastFrameAt: isFrame ? action.at : state.lastFrameAt,
        received:
          action.bytes === undefined
            ? state.received
            : countReceived(state.received, action.bytes, action.at),
      };
    }
    case "dropped": {
      const entry = state.entities[action.entityPath];
      if (!entry || !(action.count > 0)) return state;
      return {
        ...state,
        entities: {
          ...state.entities,
          [action.entityPath]: { ...entry, dropped: entry.dropped + action.count },
        },
      };
    }
    case "problem": {
      const last = state.problems.at(-1);
      if (last && last.code === action.code && last.message === action.message) return state;
      const problem: Problem = {
        id: ++problemIds,
        code: action.code,
        message: action.message,
        at: action.at,
      };
      return { ...state, problems: [...state.problems, problem].slice(-MAX_PROBLEMS) };
    }
    case "dismiss-problem":
      return { ...state, problems: state.problems.filter((p) => p.id !== action.id) };
    case "notice": {
      const notice = action.notice;
      if (state.dismissedNotices.includes(notice.id)) return state;
      const others = state.notices.filter((n) => n.id !== notice.id);
      return { ...state, notices: [...others, notice].slice(-MAX_NOTICES) };
    }
    case "dismiss-notice":
      if (!state.notices.some((n) => n.id === action.id)) return state;
      return {
        ...state,
        notices: state.notices.filter((n) => n.id !== action.id),
        dismissedNotices: [...state.dismissedNotices, action.id].slice(-MAX_DISMISSED_NOTICES),
      };
    case "set-visible": {
      const entry = state.entities[action.path];
      if (!entry || entry.visible === action.visible) return state;
      return {
        ...state,
        entities: { ...state.entities, [action.path]: { ...entry, visible: action.visible } },
      };
    }
    case "select":
      return state.selected === action.path ? state : { ...state, selected: action.path };
    default: {
      const unhandled: never = action;
      throw new TypeError(`unhandled viewer action ${(unhandled as { type: string }).type}`);
    }
  }
}

function countReceived(rate: ReceiveRate, bytes: number, at: number): ReceiveRate {
  const total = rate.bytes + bytes;
  if (rate.windowStart === undefined || at < rate.windowStart) {
    return { ...rate, bytes: total, windowStart: at, windowBytes: 0, lastAt: at };
  }
  const windowBytes = rate.windowBytes + bytes;
  const span = at - rate.windowStart;
  if (span < RATE_WINDOW_MS) return { ...rate, bytes: total, windowBytes, lastAt: at };
  return {
    bytes: total,
    windowStart: at,
    windowBytes: 0,
    lastAt: at,
    bytesPerSecond: (windowBytes * 1000) / span,
  };
}

/** Bytes per second received at `now` (0 once nothing came for `RATE_STALE_MS`; undefined before a rate). */
export function receivedBytesPerSecond(rate: ReceiveRate, now: number): number | undefined {
  if (rate.bytesPerSecond === undefined || rate.lastAt === undefined) return undefined;
  return now - rate.lastAt > RATE_STALE_MS ? 0 : rate.bytesPerSecond;
}

function newEntity(path: string, kind: ArchetypeKind, at: number): EntityEntry {
  return {
    path,
    kind,
    width: undefined,
    height: undefined,
    datatype: undefined,
    lastSeen: at,
    messages: 0,
    intervalMs: 0,
    frame: undefined,
    dropped: 0,
    decodeMs: undefined,
    visible: true,
  };
}

// --- Derived views -----------------------------------------------------------------------------

/** Frames stop for this long with a rig connected: "no frames". */
export const STALL_MS = 3000;

export type StatusTone = "ok" | "wait" | "warn" | "bad";

export interface StatusSummary {
  /** Stable key for tests and styling. */
  readonly key:
    | "connecting"
    | "live"
    | "waiting"
    | "rig-offline"
    | "stalled"
    | "reconnecting"
    | "version-mismatch"
    | "closed";
  readonly label: string;
  readonly detail: string;
  readonly tone: StatusTone;
}

/** The one line that says how the session is doing right now. */
export function statusSummary(state: ViewerState, now: number): StatusSummary {
  const c = state.connection;
  switch (c.kind) {
    case "connecting":
      return {
        key: "connecting",
        label: "Connecting",
        detail: "Opening a connection to the relay…",
        tone: "wait",
      };
    case "reconnecting":
      return {
        key: "reconnecting",
        label: "Reconnecting",
        detail: `Lost the relay ${Math.round((now - c.since) / 1000)} s ago; trying again.`,
        tone: "warn",
      };
    case "closed":
      return c.code === "version-mismatch"
        ? { key: "version-mismatch", label: "Relay version mismatch", detail: c.message, tone: "bad" }
        : { key: "closed", label: "Disconnected", detail: c.message, tone: "bad" };
    case "live": {
      const rigs = Object.keys(state.producers).length;
      if (rigs === 0) {
        return state.everHadProducer || state.framesReceived > 0
          ? {
              key: "rig-offline",
              label: "Rig offline",
              detail: "No rig is streaming into this session.",
              tone: "warn",
            }
          : {
              key: "waiting",
              label: "Waiting for a rig",
              detail: "Connected; no rig has joined yet.",
              tone: "wait",
            };
      }
      const since = state.lastFrameAt;
      if (since !== undefined && now - since > STALL_MS) {
        return {
          key: "stalled",
          label: "No frames",
          detail: `The rig is connected but sent nothing for ${Math.round((now - since) / 1000)} s.`,
          tone: "warn",
        };
      }
      return {
        key: "live",
        label: "Live",
        detail: `${rigs} rig${rigs === 1 ? "" : "s"} streaming.`,
        tone: "ok",
      };
    }
    default: {
      const unhandled: never = c;
      throw new TypeError(`unhandled connection ${(unhandled as { kind: string }).kind}`);
    }
  }
}

/** Messages per second of an entity, or undefined when it is not streaming. */
export function entityRate(entry: EntityEntry, now: number): number | undefined {
  if (entry.intervalMs <= 0 || now - entry.lastSeen > Math.max(2000, entry.intervalMs * 3)) return undefined;
  return 1000 / entry.intervalMs;
}

/** Entities as a tree, parents before children, sorted by path. */
export function entityTree(
  entities: Readonly<Record<string, EntityEntry>>,
): { path: string; name: string; depth: number; entry: EntityEntry | undefined }[] {
  const paths = new Set<string>();
  for (const path of Object.keys(entities)) {
    const parts = path.split("/");
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join("/"));
  }
  return [...paths]
    .sort((a, b) => (a.split("/").join("\u0000") < b.split("/").join("\u0000") ? -1 : 1))
    .map((path) => ({
      path,
      name: path.slice(path.lastIndexOf("/") + 1),
      depth: path.split("/").length - 1,
      entry: entities[path],
    }));
}

/** The notices to show now: not dismissed, not expired (`expiresAt`), newest first. */
export function activeNotices(state: ViewerState, now: number): AdminNotice[] {
  return state.notices.filter((n) => n.expiresAt === undefined || n.expiresAt > now).reverse();
}

/** Total frames dropped: sequence gaps plus frames this viewer replaced before showing them. */
export function droppedFrames(state: ViewerState): number {
  let total = 0;
  for (const entry of Object.values(state.entities)) total += entry.dropped;
  return total;
}
