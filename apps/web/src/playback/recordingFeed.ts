import {
  isRetryableCode,
  makeRecordingLink,
  type RecordingDescription,
  type RecordingLink,
} from "@depthroom/schema";
import {
  describeRecording,
  fetchLatestAt,
  fetchRange,
  type RecordingAccess,
  recordingAccess,
  type SdkError,
} from "@depthroom/sdk";
import type { FrameSink, FrameSource } from "../frames/frameSource.ts";
import { messageAction } from "../stream/subscribeSession.ts";
import { createDecoder, type Decoder } from "./decoder.ts";
import { type CachedMessage, cacheBatch, componentKey, FrameCache, type Segment } from "./frameCache.ts";
import { RelayClock, type RelayClockStats } from "./relayClock.ts";

/*
 * A recording as a frame source for the viewer. The review room's timeline calls `show(cursor)` every
 * animation frame; the feed hands the scene, per entity, the latest message at or before the cursor:
 * from its cache when it holds that time, else it asks the relay (latest-at). While playing it reads a
 * window ahead (range) so the cursor finds its frames already here. Latest wins everywhere: one latest-at
 * and one range request in flight, one decode per entity in flight; a newer want replaces an older one,
 * nothing queues.
 */

/** Cursor (float ns) to the time frames are looked up at: a float64 of a present-day time in ns is exact
 *  to 256 ns, so a seek to a frame's exact time might land just before it; half a microsecond covers it. */
export const LOOKUP_TOLERANCE_NS = 512n;

export function lookupTime(cursorNs: number): bigint {
  return BigInt(Math.round(cursorNs)) + LOOKUP_TOLERANCE_NS;
}

/** The viewer's handlers; `onClear`: the scene hides an entity that has nothing at the cursor. */
export type RecordingFeedHandlers = FrameSink;

/**
 * The entities shown now that an answer for the cursor (complete: every entity with a message at or
 * before it) does not hold: they have nothing at that time, so what they last showed must go.
 */
export function absentEntities(shown: Iterable<string>, answer: readonly CachedMessage[]): string[] {
  const present = new Set(answer.map((m) => m.entityPath));
  return [...shown].filter((entity) => !present.has(entity));
}

/** The feed's own code for a recording without frames (the relay has no such refusal). */
export const RECORDING_EMPTY = "recording-empty";

export type RecordingFeedPhase =
  | { readonly kind: "loading" }
  | {
      readonly kind: "ready";
      readonly recording: RecordingDescription;
      readonly startNs: number;
      readonly endNs: number;
    }
  | { readonly kind: "failed"; readonly code: string; readonly message: string };

/** What the feed handed to the scene for an entity. */
export interface HandedFrame {
  readonly entityPath: string;
  readonly timeNs: string;
  readonly frame: number | undefined;
}

export interface RecordingFeedStats extends RelayClockStats {
  readonly latestAtRequests: number;
  readonly rangeRequests: number;
  readonly cacheHits: number;
  readonly cacheBytes: number;
  readonly decodes: number;
  /** Frames that were wanted, then replaced by a newer want before they were decoded. */
  readonly replaced: number;
}

export interface RecordingFeed extends FrameSource {
  readonly kind: "review";
  readonly access: RecordingAccess;
  /** The relay's clock (playback anchors are written and read in it). */
  readonly clock: RelayClock;
  phase(): RecordingFeedPhase;
  /** Calls `listener` when the phase changes. */
  subscribe(listener: () => void): () => void;
  /** Show the recording at `cursorNs` (already clamped); `playing` and `rate` steer the read-ahead. */
  show(cursorNs: number, playing: boolean, rate: number): void;
  /** The time of the depth frame after (1) or before (-1) the cursor, asking the relay when not cached. */
  stepTime(cursorNs: number, direction: 1 | -1): Promise<number | undefined>;
  handed(): HandedFrame[];
  stats(): RecordingFeedStats;
  close(): void;
}

const READ_AHEAD_MS = 3000;
const RANGE_BYTES = 8 * 1024 * 1024;
const KEEP_BEHIND_NS = 2_000_000_000n;
const RETRY_MS = 2000;

export function openRecordingFeed(
  link: RecordingLink,
  handlers: RecordingFeedHandlers,
  options: { decode?: "worker" | "main" } = {},
): RecordingFeed {
  const access = recordingAccess(makeRecordingLink(link));
  const id = link.recording;
  const cache = new FrameCache();
  const clock = new RelayClock(access.relayUrl);
  const decoder: Decoder = createDecoder(options.decode ?? "worker");
  const listeners = new Set<() => void>();
  let phase: RecordingFeedPhase = { kind: "loading" };
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const abort = new AbortController();

  let cursor = 0;
  let playing = false;
  let rate = 1;
  let latestAtInFlight = false;
  let rangeInFlight = false;
  // By `componentKey` (entity path and archetype): the message handed to the scene, the decodes in
  // flight and the newest message waiting for one; and the entity paths the scene shows something of.
  const handed = new Map<string, CachedMessage>();
  const decoding = new Set<string>();
  const wanted = new Map<string, CachedMessage>();
  const shownEntities = new Set<string>();
  const counts = { latestAtRequests: 0, rangeRequests: 0, cacheHits: 0, decodes: 0, replaced: 0 };

  const setPhase = (next: RecordingFeedPhase) => {
    phase = next;
    for (const listener of listeners) listener();
  };

  const problem = (error: unknown, what: string) => {
    if (closed) return;
    const e = error as Partial<SdkError>;
    const code = e.code ?? "internal";
    const message = `${what}: ${e.message ?? String(error)}`;
    // Codes that retrying cannot fix (the schema's table): the viewer shows its error page.
    if (!isRetryableCode(code)) {
      setPhase({ kind: "failed", code, message });
      handlers.dispatch({ type: "closed", code, message: e.message ?? message });
    } else handlers.dispatch({ type: "problem", code, message, at: Date.now() });
  };

  const describe = async () => {
    try {
      const recording = await describeRecording(access, id, { signal: abort.signal });
      if (closed) return;
      if (recording.startTimeNs === null || recording.endTimeNs === null) {
        setPhase({ kind: "failed", code: "empty", message: "This recording holds no frames." });
        handlers.dispatch({
          type: "closed",
          code: RECORDING_EMPTY,
          message: "This recording holds no frames.",
        });
        return;
      }
      handlers.dispatch({ type: "connection", state: "connected", at: Date.now() });
      setPhase({
        kind: "ready",
        recording,
        startNs: Number(recording.startTimeNs),
        endNs: Number(recording.endTimeNs),
      });
      show(cursor, playing, rate);
    } catch (error) {
      problem(error, "describe the recording");
      if (!closed && phase.kind === "loading") retry = setTimeout(describe, RETRY_MS);
    }
  };

  // --- Handing frames to the scene: one decode per entity in flight, the newest want waits ---

  /** Hand the scene the state at the cursor: `messages` holds every entity with something at or before it. */
  const handOver = (messages: readonly CachedMessage[]) => {
    const present = new Set(messages.map(componentKey));
    for (const key of handed.keys())
      if (!present.has(key)) {
        handed.delete(key);
        wanted.delete(key);
      }
    for (const entity of absentEntities(shownEntities, messages)) {
      shownEntities.delete(entity);
      handlers.onClear?.(entity);
    }
    for (const m of messages) {
      const key = componentKey(m);
      if (handed.get(key) === m || wanted.get(key) === m) continue;
      if (decoding.has(key)) {
        if (wanted.has(key)) counts.replaced++;
        wanted.set(key, m);
        continue;
      }
      startDecode(m);
    }
  };

  const startDecode = (m: CachedMessage) => {
    const key = componentKey(m);
    decoding.add(key);
    handed.set(key, m);
    shownEntities.add(m.entityPath);
    counts.decodes++;
    decoder
      .decode(m.bytes)
      .then(({ message, image }) => {
        // Cleared (the cursor moved before its first message) while it was decoded: not shown.
        if (closed || handed.get(key) !== m) {
          image?.bitmap.close();
          return;
        }
        handlers.onMessage(message, performance.now(), image);
        handlers.dispatch(messageAction(message, Date.now()));
      })
      .catch((error: unknown) => {
        if (closed) return;
        handlers.dispatch({
          type: "problem",
          code: "bad-message",
          message: `${m.entityPath}: ${error instanceof Error ? error.message : String(error)}`,
          at: Date.now(),
        });
      })
      .finally(() => {
        decoding.delete(key);
        const next = wanted.get(key);
        if (next && !closed) {
          wanted.delete(key);
          startDecode(next);
        }
      });
  };

  // --- Reading from the relay ---

  /** After a failed read, no new one before this time (ms): a relay that is down is not hammered. */
  let quietUntil = 0;
  /** The segment the last latest-at answer made: while playing, read-ahead extends it up to the cursor. */
  let playhead: Segment | undefined;

  const failed = (error: unknown, what: string) => {
    quietUntil = Date.now() + RETRY_MS;
    problem(error, what);
  };

  const requestLatestAt = (t: bigint) => {
    if (latestAtInFlight || closed || Date.now() < quietUntil) return;
    latestAtInFlight = true;
    counts.latestAtRequests++;
    fetchLatestAt(access, id, t, { signal: abort.signal })
      .then((batch) => {
        if (closed) return;
        const messages = cacheBatch(batch);
        const segment = cache.addLatestAt(t, messages);
        playhead = segment;
        // The answer is the nearest thing known: show it if the cursor is not covered by now.
        if (!cache.covering(lookupTime(cursor))) handOver(cache.at(segment, t));
      })
      .catch((error: unknown) => failed(error, "read the recording"))
      .finally(() => {
        latestAtInFlight = false;
        if (!closed) show(cursor, playing, rate);
      });
  };

  const readAheadWindowNs = () => BigInt(Math.round(READ_AHEAD_MS * Math.max(1, rate) * 1e6));

  /** Extend `segment` by a window of range answers once the cursor `t` is within half a window of its end. */
  const readAhead = (segment: Segment, t: bigint, endNs: bigint) => {
    if (rangeInFlight || closed || segment.to >= endNs || Date.now() < quietUntil) return;
    const windowNs = readAheadWindowNs();
    if (segment.to - t > windowNs / 2n) return;
    const from = segment.to + 1n;
    const to = segment.to + windowNs < endNs ? segment.to + windowNs : endNs;
    rangeInFlight = true;
    counts.rangeRequests++;
    fetchRange(access, id, from, to, { signal: abort.signal, maxBytes: RANGE_BYTES })
      .then(({ messages, next }) => {
        if (closed || !cache.has(segment) || segment.to !== from - 1n) return;
        cache.extend(segment, next !== undefined ? next - 1n : to, cacheBatch(messages));
      })
      .catch((error: unknown) => failed(error, "read ahead"))
      .finally(() => {
        rangeInFlight = false;
      });
  };

  const show = (cursorNs: number, nowPlaying: boolean, nowRate: number) => {
    cursor = cursorNs;
    playing = nowPlaying;
    rate = nowRate;
    if (closed || phase.kind !== "ready") return;
    const t = lookupTime(cursorNs);
    const endNs = BigInt(phase.recording.endTimeNs as string);
    const segment = cache.covering(t);
    if (segment) {
      counts.cacheHits++;
      handOver(cache.at(segment, t));
      if (playing) readAhead(segment, t, endNs);
    } else if (
      playing &&
      playhead &&
      cache.has(playhead) &&
      playhead.to < t &&
      t - playhead.to <= readAheadWindowNs()
    ) {
      // Playing on past the last answer (it came a frame or more after its request): what is known up to
      // its end stays on screen while read-ahead brings the times up to the cursor; no new latest-at.
      readAhead(playhead, t, endNs);
    } else requestLatestAt(t);
    cache.evict(t, KEEP_BEHIND_NS);
  };

  const stepTimeOf = async (cursorNs: number, direction: 1 | -1): Promise<number | undefined> => {
    if (phase.kind !== "ready") return undefined;
    const t = BigInt(Math.round(cursorNs));
    const end = BigInt(phase.recording.endTimeNs as string);
    const start = BigInt(phase.recording.startTimeNs as string);
    if (direction > 0) {
      const after = t + LOOKUP_TOLERANCE_NS;
      const cached = cache.nextFrameTime(after);
      if (cached !== undefined) return Number(cached);
      if (after >= end) return undefined;
      // The first time after the cursor that holds messages (the relay never cuts before the first).
      const { messages } = await fetchRange(access, id, after + 1n, end, {
        maxBytes: 1,
        signal: abort.signal,
      });
      const found = cacheBatch(messages).find((m) => !m.static);
      return found ? Number(found.timeNs) : undefined;
    }
    const before = t - LOOKUP_TOLERANCE_NS;
    const cached = cache.previousFrameTime(before);
    if (cached !== undefined) return Number(cached);
    if (before <= start) return undefined;
    const batch = cacheBatch(await fetchLatestAt(access, id, before - 1n, { signal: abort.signal }));
    let best: bigint | undefined;
    for (const m of batch)
      if (
        !m.static &&
        m.kind === "DepthImage" &&
        m.timeNs < before &&
        (best === undefined || m.timeNs > best)
      )
        best = m.timeNs;
    return best === undefined ? undefined : Number(best);
  };

  describe();

  return {
    kind: "review",
    get decode() {
      return decoder.where;
    },
    access,
    clock,
    phase: () => phase,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    show,
    async stepTime(cursorNs, direction) {
      try {
        return await stepTimeOf(cursorNs, direction);
      } catch (error) {
        failed(error, "step");
        throw error;
      }
    },
    handed: () =>
      [...handed.values()].map((m) => ({
        entityPath: m.entityPath,
        timeNs: m.timeNs.toString(),
        frame: m.frame,
      })),
    stats: () => ({ ...counts, cacheBytes: cache.size.bytes, ...clock.stats() }),
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      abort.abort();
      clock.close();
      decoder.close();
      listeners.clear();
    },
  };
}
