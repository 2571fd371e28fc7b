import { ARCHETYPE_KINDS, type ArchetypeKind, type Envelope, PROTOCOL_VERSION } from "@depthroom/schema";

/*
 * The Depthroom recording format: an MCAP file (profile "depthroom") whose messages are Depthroom wire
 * messages, byte for byte (packages/schema/PROTOCOL.md). See ../README.md.
 */

export const PROFILE = "depthroom";
/** The one schema of a recording: the wire grammar of PROTOCOL.md. */
export const WIRE_SCHEMA_NAME = "depthroom.WireMessage";
/** Schema encoding: the schema data is a short text naming the grammar and its version. */
export const WIRE_SCHEMA_ENCODING = "depthroom-protocol";
/** Message encoding of every channel: one wire message (`encodeMessage` output) per MCAP message. */
export const WIRE_MESSAGE_ENCODING = "depthroom";
export const WIRE_SCHEMA_DATA = new TextEncoder().encode(
  `Depthroom wire message, protocol version ${PROTOCOL_VERSION}; byte grammar: packages/schema/PROTOCOL.md\n`,
);

/** Metadata record written when a recording starts (id, session, start time, writer). */
export const METADATA_START = "depthroom.recording";
/** Metadata record written by `close()` (stop time, counts, entities). A crashed file has none. */
export const METADATA_END = "depthroom.recording.end";
/** Keys of the end metadata: the log-time range of the temporal messages (ns, decimal). */
export const END_TEMPORAL_START = "temporalStartNs";
export const END_TEMPORAL_END = "temporalEndNs";

/** Channel metadata keys. */
export const CHANNEL_KIND = "kind";
export const CHANNEL_STATIC = "static";
export const CHANNEL_PROTOCOL = "protocolVersion";

/** What a channel of a recording carries: one entity, one archetype kind, static or temporal. */
export interface ChannelInfo {
  readonly entityPath: string;
  readonly kind: ArchetypeKind;
  readonly static: boolean;
}

export function channelKey(entityPath: string, kind: ArchetypeKind, isStatic: boolean): string {
  return `${entityPath}\u0000${kind}\u0000${isStatic ? 1 : 0}`;
}

export function channelMetadata(info: ChannelInfo): Map<string, string> {
  return new Map([
    [CHANNEL_KIND, info.kind],
    [CHANNEL_STATIC, info.static ? "true" : "false"],
    [CHANNEL_PROTOCOL, String(PROTOCOL_VERSION)],
  ]);
}

const KINDS = new Set<string>(ARCHETYPE_KINDS);

/** The Depthroom meaning of an MCAP channel, or undefined if it is not one of ours. */
export function channelInfo(channel: {
  topic: string;
  messageEncoding: string;
  metadata: ReadonlyMap<string, string>;
}): ChannelInfo | undefined {
  if (channel.messageEncoding !== WIRE_MESSAGE_ENCODING) return undefined;
  const kind = channel.metadata.get(CHANNEL_KIND);
  if (kind === undefined || !KINDS.has(kind)) return undefined;
  return {
    entityPath: channel.topic,
    kind: kind as ArchetypeKind,
    static: channel.metadata.get(CHANNEL_STATIC) === "true",
  };
}

/**
 * The MCAP log time of a wire message: its first `timestamp` timeline (capture time, ns since the
 * epoch), else the time the relay received it. Static messages always use the receive time.
 */
export function logTimeOf(envelope: Envelope, receiveTimeNs: bigint): bigint {
  if (!envelope.static) {
    for (const t of envelope.timelines) {
      if (t.kind === "timestamp" && t.value >= 0n) return t.value;
    }
  }
  return receiveTimeNs;
}

/** Summary figures of a recording (from the writer's `close()`, a reader, or recovery). */
export interface RecordingStats {
  /** Wire messages stored. */
  readonly frames: number;
  /** Total bytes of those wire messages. */
  readonly bytes: number;
  /** Entity paths, sorted. */
  readonly entities: readonly string[];
  /**
   * Log-time range of the TEMPORAL messages (ns), undefined when there are none: static messages (a
   * Pinhole sent once, stamped with the time recording began) belong to all times and do not stretch the
   * timeline, so a review starts at the first frame.
   */
  readonly startTimeNs: bigint | undefined;
  readonly endTimeNs: bigint | undefined;
  readonly chunks: number;
}

/** What the start metadata record says (strings, as MCAP metadata holds strings). */
export interface RecordingInfo {
  readonly recordingId?: string;
  readonly sessionId?: string;
  /** Wall time the recording started / stopped, ns since the epoch, as decimal strings. */
  readonly startedAtNs?: string;
  readonly stoppedAtNs?: string;
  /** Every other key of the start and end metadata. */
  readonly extra: Readonly<Record<string, string>>;
}

export function recordingInfoFrom(metadata: ReadonlyMap<string, ReadonlyMap<string, string>>): RecordingInfo {
  const start = metadata.get(METADATA_START) ?? new Map<string, string>();
  const end = metadata.get(METADATA_END) ?? new Map<string, string>();
  const extra: Record<string, string> = {};
  for (const m of [start, end]) {
    for (const [k, v] of m) {
      if (k !== "recordingId" && k !== "sessionId" && k !== "startedAtNs" && k !== "stoppedAtNs")
        extra[k] = v;
    }
  }
  const info: {
    recordingId?: string;
    sessionId?: string;
    startedAtNs?: string;
    stoppedAtNs?: string;
    extra: Record<string, string>;
  } = { extra };
  const recordingId = start.get("recordingId");
  const sessionId = start.get("sessionId");
  const startedAtNs = start.get("startedAtNs");
  const stoppedAtNs = end.get("stoppedAtNs");
  if (recordingId !== undefined) info.recordingId = recordingId;
  if (sessionId !== undefined) info.sessionId = sessionId;
  if (startedAtNs !== undefined) info.startedAtNs = startedAtNs;
  if (stoppedAtNs !== undefined) info.stoppedAtNs = stoppedAtNs;
  return info;
}
