import { Decoder, Encoder } from "./binary.ts";
import { type DepthEncoding, type DepthImage, readDepthImage, writeDepthImage } from "./depthImage.ts";
import { type EncodedImage, readEncodedImage, writeEncodedImage } from "./encodedImage.ts";
import { checkEntityPath } from "./entityPath.ts";
import { DecodeError } from "./errors.ts";
import { type Image, readImage, writeImage } from "./image.ts";
import { type Pinhole, pinholeBodyVersion, readPinhole, writePinhole } from "./pinhole.ts";
import { TIMELINE_NAME } from "./timeline.ts";
import { readTransform3D, type Transform3D, writeTransform3D } from "./transform3d.ts";

/*
 * The wire message: one binary message per logged archetype, the same bytes on the socket, in the
 * relay's memory and in recordings. Byte grammar in ../PROTOCOL.md. `readEnvelope` reads the header,
 * entity path and time stamps without touching the archetype body (the relay routes on it).
 */

/** "DPTH" */
export const MAGIC = new Uint8Array([0x44, 0x50, 0x54, 0x48]);
export const PROTOCOL_VERSION = 1;
/** The largest message any peer should send: a raw 8192 x 4096 float32 image and headers. */
export const MAX_MESSAGE_BYTES = (1 << 25) * 4 + 64 * 1024;
export const MAX_TIMELINES = 16;

export type Archetype = DepthImage | Pinhole | Transform3D | Image | EncodedImage;
export type ArchetypeKind = Archetype["kind"];

/**
 * Frames: archetypes that stream (one per capture), where only the newest matters (latest wins).
 * Everything else (Pinhole, Transform3D) is state, kept and re-sent.
 */
export function isFrameKind(kind: ArchetypeKind): boolean {
  return kind === "DepthImage" || kind === "Image" || kind === "EncodedImage";
}

/**
 * Kind ids on the wire, and the versions of each archetype's body this side reads (`oldest` to
 * `version`). A writer writes the oldest version that holds the archetype (`bodyVersionOf`), so a
 * new optional field only makes an older reader refuse the messages that carry it.
 */
const KINDS = {
  DepthImage: { id: 1, version: 1, oldest: 1 },
  Pinhole: { id: 2, version: 2, oldest: 1 },
  Transform3D: { id: 3, version: 1, oldest: 1 },
  Image: { id: 4, version: 1, oldest: 1 },
  EncodedImage: { id: 5, version: 1, oldest: 1 },
} as const satisfies Record<ArchetypeKind, { id: number; version: number; oldest: number }>;

function bodyVersionOf(archetype: Archetype): number {
  return archetype.kind === "Pinhole" ? pinholeBodyVersion(archetype) : KINDS[archetype.kind].version;
}
/** Every archetype kind, in wire id order. */
export const ARCHETYPE_KINDS = Object.keys(KINDS) as readonly ArchetypeKind[];
const KIND_BY_ID = new Map<number, ArchetypeKind>(
  (Object.keys(KINDS) as ArchetypeKind[]).map((kind) => [KINDS[kind].id, kind]),
);

export type TimelineKind = "sequence" | "timestamp";
const TIMELINE_KIND_IDS: Record<TimelineKind, number> = { sequence: 1, timestamp: 2 };

/** A time on one timeline: a `sequence` number (frame index) or a `timestamp` in nanoseconds. */
export interface TimePoint {
  readonly timeline: string;
  readonly kind: TimelineKind;
  readonly value: bigint;
}

export interface LogMessage<A extends Archetype = Archetype> {
  readonly entityPath: string;
  readonly timelines: readonly TimePoint[];
  /** Static data belongs to all times (e.g. a fixed Pinhole), as in Rerun. */
  readonly static?: boolean;
  readonly archetype: A;
}

/** What the relay needs to route a message, read from its first bytes only. */
export interface Envelope {
  readonly protocolVersion: number;
  readonly kind: ArchetypeKind;
  readonly kindVersion: number;
  readonly static: boolean;
  readonly entityPath: string;
  readonly timelines: readonly TimePoint[];
  /** Where the archetype body starts, and its length (the body runs to the end of the message). */
  readonly bodyOffset: number;
  readonly bodyLength: number;
}

export interface EncodeOptions {
  /** Depth payload encoding; default RVL for U16 and raw otherwise. */
  readonly depthEncoding?: DepthEncoding;
  /**
   * Where the message is written: called with its length, returns exactly that many bytes (e.g. a view
   * of a buffer the caller reuses once a message is sent: the SDK producer's frames). Default: a new one.
   */
  readonly output?: (length: number) => Uint8Array;
}

const FLAG_STATIC = 1;

export function encodeMessage(message: LogMessage, options: EncodeOptions = {}): Uint8Array {
  const checked = checkEntityPath(message.entityPath);
  if (!checked.ok) throw new RangeError(`entityPath: ${checked.reason}`);
  if (message.timelines.length > MAX_TIMELINES) throw new RangeError(`more than ${MAX_TIMELINES} timelines`);
  const archetype = message.archetype;
  // One encoder reused across messages (encoding never re-enters), so a message allocates only its
  // result. It holds the headers and small bodies (a path <= 512 bytes, <= 16 timelines, a pinhole);
  // a frame's payload goes straight from the image (or the codec's scratch) into the result.
  const enc = scratch;
  enc.reset();
  enc.bytes(MAGIC);
  enc.u8(PROTOCOL_VERSION);
  enc.u8(KINDS[archetype.kind].id);
  enc.u8(bodyVersionOf(archetype));
  enc.u8(message.static ? FLAG_STATIC : 0);
  enc.string16(checked.path);
  enc.u8(message.timelines.length);
  for (const t of message.timelines) {
    if (!TIMELINE_NAME.test(t.timeline)) throw new RangeError(`timeline name "${t.timeline}"`);
    enc.string8(t.timeline);
    enc.u8(TIMELINE_KIND_IDS[t.kind]);
    enc.i64(t.value);
  }
  const bodyLengthAt = enc.pos;
  enc.u32(0);
  const bodyStart = enc.pos;
  switch (archetype.kind) {
    case "DepthImage":
      writeDepthImage(enc, archetype, options.depthEncoding);
      break;
    case "Pinhole":
      writePinhole(enc, archetype);
      break;
    case "Transform3D":
      writeTransform3D(enc, archetype);
      break;
    case "Image":
      writeImage(enc, archetype);
      break;
    case "EncodedImage":
      writeEncodedImage(enc, archetype);
      break;
    default:
      throw new TypeError(`unknown archetype ${(archetype satisfies never as { kind: string }).kind}`);
  }
  enc.setU32(bodyLengthAt, enc.length - bodyStart);
  const bytes = enc.finish(options.output); // exactly the message's size: the payload's one copy
  enc.reset(); // lets go of the payload
  return bytes;
}

const scratch = new Encoder(4096);

/** Read the header, entity path and time stamps; throws `DecodeError`. Does not read the body. */
export function readEnvelope(bytes: Uint8Array): Envelope {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError("invalid-field", "message", "not binary");
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new DecodeError("too-large", "message", `${bytes.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  }
  const dec = new Decoder(bytes);
  for (let i = 0; i < MAGIC.length; i++) {
    if (dec.u8("header.magic") !== MAGIC[i])
      throw new DecodeError("bad-magic", "header.magic", "not a Depthroom message");
  }
  const protocolVersion = dec.u8("header.version");
  if (protocolVersion !== PROTOCOL_VERSION) {
    throw new DecodeError(
      "unsupported-version",
      "header.version",
      `protocol ${protocolVersion}, this side speaks ${PROTOCOL_VERSION}`,
    );
  }
  const kindId = dec.u8("header.kind");
  const kind = KIND_BY_ID.get(kindId);
  if (!kind) throw new DecodeError("unknown-kind", "header.kind", `unknown archetype kind ${kindId}`);
  const kindVersion = dec.u8("header.kindVersion");
  if (kindVersion < KINDS[kind].oldest || kindVersion > KINDS[kind].version) {
    throw new DecodeError("unsupported-version", "header.kindVersion", `${kind} version ${kindVersion}`);
  }
  const flags = dec.u8("header.flags");
  if (flags & ~FLAG_STATIC) throw new DecodeError("invalid-field", "header.flags", `unknown flags ${flags}`);
  const rawPath = dec.string16("entityPath");
  const checked = checkEntityPath(rawPath);
  if (!checked.ok || checked.path !== rawPath) {
    throw new DecodeError("invalid-field", "entityPath", checked.ok ? "not normalized" : checked.reason);
  }
  const timelineCount = dec.u8("timelines");
  if (timelineCount > MAX_TIMELINES) {
    throw new DecodeError(
      "invalid-field",
      "timelines",
      `${timelineCount} timelines, at most ${MAX_TIMELINES}`,
    );
  }
  const timelines: TimePoint[] = [];
  for (let i = 0; i < timelineCount; i++) {
    const timeline = dec.string8("timelines.name");
    if (!TIMELINE_NAME.test(timeline))
      throw new DecodeError("invalid-field", "timelines.name", `bad name "${timeline}"`);
    const kindByte = dec.u8("timelines.kind");
    const timelineKind: TimelineKind | undefined =
      kindByte === 1 ? "sequence" : kindByte === 2 ? "timestamp" : undefined;
    if (!timelineKind)
      throw new DecodeError("invalid-field", "timelines.kind", `unknown timeline kind ${kindByte}`);
    timelines.push({ timeline, kind: timelineKind, value: dec.i64("timelines.value") });
  }
  const bodyLength = dec.u32("body.length");
  if (bodyLength !== dec.remaining) {
    throw new DecodeError(
      bodyLength > dec.remaining ? "truncated" : "trailing-bytes",
      "body.length",
      `says ${bodyLength} bytes, ${dec.remaining} follow`,
    );
  }
  return {
    protocolVersion,
    kind,
    kindVersion,
    static: (flags & FLAG_STATIC) !== 0,
    entityPath: rawPath,
    timelines,
    bodyOffset: dec.pos,
    bodyLength,
  };
}

/** Decode a whole message (RVL decoded); throws `DecodeError`, never anything else, for bad bytes. */
export function decodeMessage(bytes: Uint8Array): LogMessage {
  const envelope = readEnvelope(bytes);
  const dec = new Decoder(bytes, envelope.bodyOffset);
  let archetype: Archetype;
  switch (envelope.kind) {
    case "DepthImage":
      archetype = readDepthImage(dec);
      break;
    case "Pinhole":
      archetype = readPinhole(dec, envelope.kindVersion);
      break;
    case "Transform3D":
      archetype = readTransform3D(dec);
      break;
    case "Image":
      archetype = readImage(dec);
      break;
    case "EncodedImage":
      archetype = readEncodedImage(dec);
      break;
  }
  if (dec.remaining !== 0) {
    throw new DecodeError("trailing-bytes", envelope.kind, `${dec.remaining} bytes after the body`);
  }
  return {
    entityPath: envelope.entityPath,
    timelines: envelope.timelines,
    ...(envelope.static ? { static: true } : {}),
    archetype,
  };
}
