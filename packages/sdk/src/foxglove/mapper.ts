// The bridge's core, without sockets: what the source advertises -> what to subscribe to; each message
// -> the archetypes to log, at which entity path and time. The adapter (bridge.ts) feeds it from a
// Foxglove WebSocket client and hands its output to the SDK's producer.

import { type Archetype, type Pinhole, Transform3D } from "@depthroom/schema";
import { z } from "zod";
import { BridgeMessageError, type BridgeMessageProblem, skipsMessage } from "./errors.ts";
import { FrameTree, frameSegment, MAX_FRAMES } from "./frameTree.ts";
import {
  type Distortion,
  FOXGLOVE_SCHEMAS,
  fromFoxglove,
  fromRos2,
  type MessageKind,
  type Observation,
  ROS2_SCHEMAS,
} from "./messages.ts";
import { type CdrDecoder, cdrDecoder } from "./ros2.ts";

/** The timeline carrying the rig's clock (header.stamp, else the message's log time). */
export const ROS_TIME = "ros_time";

/** One archetype to log. `timeNs` is set for temporal data (the `ros_time` timeline), absent for static. */
export interface BridgeLog {
  readonly entityPath: string;
  readonly archetype: Archetype;
  readonly static: boolean;
  readonly timeNs?: bigint;
  readonly topic: string;
}

/** A channel as the protocol advertises it (validated: a peer may send anything). */
export const channelSchema = z.object({
  id: z.number().int().min(0).max(0xffff_ffff),
  topic: z.string().min(1).max(1024),
  encoding: z.string().max(64),
  schemaName: z.string().max(256),
  schema: z.string().max(1_000_000),
  schemaEncoding: z.string().max(64).optional(),
});
export type SourceChannel = z.infer<typeof channelSchema>;

export type ChannelStatus =
  | { readonly state: "bridged"; readonly kind: MessageKind }
  | { readonly state: "skipped"; readonly reason: string };

export interface TopicStats {
  readonly topic: string;
  readonly schemaName: string;
  readonly encoding: string;
  readonly status: ChannelStatus;
  /** Messages received from the source. */
  received: number;
  /** Messages turned into at least one archetype. */
  bridged: number;
  bytesIn: number;
  /** Messages skipped (or, for unsupported-distortion, bridged without a part), by why. */
  problems: Record<BridgeMessageProblem, number>;
  lastProblem?: string;
  /** Where its data goes, once a message said which frame (depth: the image entity; camera: the Pinhole's). */
  entityPath?: string;
  /** Depth topics: the last image, as `848x480 U16`. */
  image?: string;
  /** Depth topics: whether a camera calibration has been seen for their frame. */
  hasCamera?: boolean;
  /** Camera topics: the lens distortion they carry, in the source's words. */
  distortion?: Distortion;
  /** Camera topics: why their distortion is not applied (unknown model...), while it is not. */
  distortionProblem?: string;
}

interface ChannelState {
  readonly channel: SourceChannel;
  readonly stats: TopicStats;
  readonly kind?: MessageKind;
  readonly decode?: (payload: Uint8Array) => unknown;
  readonly entities: Set<string>;
}

export interface MapperOptions {
  /** Glob patterns over topic names (`*` within a segment, `**` across, `?`). Default: every depth-like topic. */
  readonly topics?: readonly string[];
  /**
   * A line for the rig operator's log: called when a topic's problem that does not skip its messages
   * appears or changes (a calibration at 30 Hz with an unsupported distortion: one line, not 30 a second).
   */
  readonly onProblem?: (sentence: string) => void;
}

/** Channels kept per source (a server advertising more is not a camera rig); past it they count as invalid. */
const MAX_CHANNELS = 10_000;

/** Topic names that usually carry depth (RealSense, Orbbec, Azure Kinect, ZED, OAK's stereo depth). */
const DEPTH_LIKE = /depth|stereo/i;
const TF_TOPICS = new Set(["/tf", "/tf_static", "tf", "tf_static"]);

/** Compile `--topics` globs: `*` any characters but `/`, `**` anything, `?` one character. */
export function topicMatcher(globs: readonly string[]): (topic: string) => boolean {
  const patterns = globs.map((glob) => {
    let re = "";
    for (let i = 0; i < glob.length; i++) {
      const c = glob[i] as string;
      if (c === "*" && glob[i + 1] === "*") {
        re += ".*";
        i++;
      } else if (c === "*") re += "[^/]*";
      else if (c === "?") re += "[^/]";
      else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
    return new RegExp(`^${re}$`);
  });
  return (topic) => patterns.some((p) => p.test(topic));
}

/** The topic as one entity path segment: `/camera/depth/image_rect_raw` -> `camera.depth.image_rect_raw`. */
export function topicSegment(topic: string): string {
  return frameSegment(topic.replace(/^\/+/, "").replace(/\//g, "."));
}

/** The namespace a camera_info belongs to: `/cam/depth/image_raw/compressedDepth` -> `/cam/depth`. */
function cameraNamespace(topic: string): string {
  const parts = topic.split("/");
  parts.pop();
  if (parts.at(-1)?.startsWith("image")) parts.pop();
  return parts.join("/");
}

/** An image topic without image_transport's suffix: `/cam/depth/image_raw/compressedDepth` -> `/cam/depth/image_raw`. */
function imageBase(topic: string): string {
  return topic.replace(/\/(compressedDepth|compressed)$/, "");
}

function variantRank(topic: string): number {
  if (topic.endsWith("/compressedDepth")) return 0;
  return topic.endsWith("/compressed") ? 2 : 1;
}

function noProblems(): Record<BridgeMessageProblem, number> {
  return {
    malformed: 0,
    "unsupported-encoding": 0,
    "bad-image": 0,
    "bad-value": 0,
    "unsupported-distortion": 0,
  };
}

export class SessionMapper {
  private readonly channels = new Map<number, ChannelState>();
  private readonly tree = new FrameTree();
  private readonly match: ((topic: string) => boolean) | undefined;
  /** Pinholes logged, per frame: a camera_info repeated at 30 Hz is logged once per change. */
  private readonly pinholes = new Map<string, Pinhole>();
  /** Channels advertised with a shape the protocol does not allow. */
  invalidChannels = 0;

  private readonly onProblem: ((sentence: string) => void) | undefined;

  constructor(options: MapperOptions = {}) {
    this.match = options.topics && options.topics.length > 0 ? topicMatcher(options.topics) : undefined;
    this.onProblem = options.onProblem;
  }

  /**
   * Channels advertised; returns the ids to subscribe to. Re-advertising an id replaces it. A camera
   * info is taken when it belongs to a depth topic (same namespace) or matches the globs; transforms
   * always.
   */
  advertise(channels: readonly unknown[]): number[] {
    const added: ChannelState[] = [];
    const valid: SourceChannel[] = [];
    for (const raw of channels) {
      const parsed = channelSchema.safeParse(raw);
      if (parsed.success) valid.push(parsed.data);
      else this.invalidChannels++;
    }
    // One image from each camera topic: its compressedDepth variant first (a fraction of the bytes from
    // the rig), then the raw one, then image_transport's plain `compressed`.
    valid.sort((a, b) => variantRank(a.topic) - variantRank(b.topic));
    for (const channel of valid) {
      if (!this.channels.has(channel.id) && this.channels.size >= MAX_CHANNELS) {
        this.invalidChannels++;
        continue;
      }
      const state = this.classify(channel);
      this.channels.set(channel.id, state);
      added.push(state);
    }
    // A camera_info advertised before its depth topic: re-check every skipped camera once more.
    const subscribe = added.filter((s) => s.stats.status.state === "bridged").map((s) => s.channel.id);
    for (const state of this.channels.values()) {
      if (
        state.kind === undefined &&
        state.stats.status.state === "skipped" &&
        this.isWantedCamera(state.channel)
      ) {
        const upgraded = this.classify(state.channel);
        if (upgraded.stats.status.state === "bridged") {
          this.channels.set(state.channel.id, upgraded);
          if (!subscribe.includes(state.channel.id)) subscribe.push(state.channel.id);
        }
      }
    }
    return subscribe;
  }

  /** Channels gone; returns the entity paths they fed (for the caller to drop what it can). */
  unadvertise(ids: readonly number[]): { id: number; entities: string[] }[] {
    const out: { id: number; entities: string[] }[] = [];
    for (const id of ids) {
      const state = this.channels.get(id);
      if (!state) continue;
      this.retire(state);
      this.channels.delete(id);
      out.push({ id, entities: [...state.entities] });
    }
    return out;
  }

  /** Counts since the start, channels gone included. */
  totals(): { received: number; depthReceived: number; bytesIn: number; skipped: number } {
    const t = { ...this.retired };
    for (const state of this.channels.values()) add(t, state);
    return t;
  }

  private readonly retired = { received: 0, depthReceived: 0, bytesIn: 0, skipped: 0 };

  private retire(state: ChannelState): void {
    add(this.retired, state);
  }

  /**
   * The source went away: every channel is forgotten (the server re-advertises on reconnect), and the
   * pinholes logged (a new relay connection gets them again). The frame tree stays.
   */
  reset(): void {
    for (const state of this.channels.values()) this.retire(state);
    this.channels.clear();
    this.pinholes.clear();
  }

  /** Is this channel one of transforms? (The adapter subscribes to those first.) */
  isTransforms(channelId: number): boolean {
    return this.channels.get(channelId)?.kind === "transforms";
  }

  /**
   * One message of a subscribed channel. Returns the archetypes to log; a message that cannot be
   * bridged is counted on its topic and yields nothing. Never throws.
   */
  message(channelId: number, logTimeNs: bigint, payload: Uint8Array): BridgeLog[] {
    const state = this.channels.get(channelId);
    if (!state || state.kind === undefined || !state.decode) return [];
    const stats = state.stats;
    stats.received++;
    stats.bytesIn += payload.length;
    let observation: Observation;
    try {
      const decoded = state.decode(payload);
      observation =
        state.channel.encoding === "json"
          ? fromFoxglove(state.channel.schemaName, state.kind, decoded, logTimeNs)
          : fromRos2(state.kind, decoded, logTimeNs);
    } catch (error) {
      const problem = error instanceof BridgeMessageError ? error.problem : "malformed";
      stats.problems[problem]++;
      stats.lastProblem = error instanceof Error ? error.message : String(error);
      return [];
    }
    const logs = this.logsOf(state, observation);
    if (logs.length > 0 || observation.kind !== "transforms") stats.bridged++;
    for (const log of logs) state.entities.add(log.entityPath);
    return logs;
  }

  private logsOf(state: ChannelState, o: Observation): BridgeLog[] {
    const topic = state.channel.topic;
    switch (o.kind) {
      case "depth": {
        const frame = o.frameId === "" ? topicSegment(topic) : o.frameId;
        const framePath = this.tree.entityPath(frame);
        const entityPath = `${framePath}/${topicSegment(topic)}`;
        state.stats.entityPath = entityPath;
        state.stats.hasCamera = this.pinholes.has(frame);
        state.stats.image = `${o.image.width}x${o.image.height} ${o.image.datatype}`;
        return [{ entityPath, archetype: o.image, static: false, timeNs: o.stampNs, topic }];
      }
      case "camera": {
        const frame = o.frameId === "" ? topicSegment(topic) : o.frameId;
        const entityPath = this.tree.entityPath(frame);
        state.stats.entityPath = entityPath;
        state.stats.distortion = o.distortion;
        this.noteDistortion(state, entityPath, o.distortionProblem);
        const last = this.pinholes.get(frame);
        if (last && samePinhole(last, o.pinhole)) return [];
        // Bounded like the frame tree: past MAX_FRAMES cameras each calibration is logged, not remembered.
        if (last || this.pinholes.size < MAX_FRAMES) this.pinholes.set(frame, o.pinhole);
        return [{ entityPath, archetype: o.pinhole, static: true, topic }];
      }
      case "transforms": {
        const isStatic = topic.endsWith("tf_static");
        const { placed, refused, moved } = this.tree.apply(o.transforms, isStatic);
        if (refused.length > 0) {
          state.stats.problems["bad-value"]++;
          const first = refused[0];
          state.stats.lastProblem = `transform ${first?.parent.slice(0, 80)} -> ${first?.child.slice(0, 80)} refused: it would close a cycle, or a frame id is too long, or there are too many frames`;
        }
        const logs: BridgeLog[] = [];
        for (const p of placed) {
          let archetype: Transform3D;
          try {
            archetype = new Transform3D({
              translation: [...p.transform.translation],
              rotation: [...p.transform.rotation],
            });
          } catch (error) {
            state.stats.problems["bad-value"]++;
            state.stats.lastProblem = (error as Error).message;
            continue;
          }
          logs.push(
            p.static
              ? { entityPath: p.entityPath, archetype, static: true, topic }
              : { entityPath: p.entityPath, archetype, static: false, timeNs: p.transform.stampNs, topic },
          );
        }
        // A camera whose frame moved in the tree: its Pinhole follows to the new entity path.
        for (const frame of moved) {
          const pinhole = this.pinholes.get(frame);
          if (pinhole)
            logs.push({ entityPath: this.tree.entityPath(frame), archetype: pinhole, static: true, topic });
        }
        return logs;
      }
    }
  }

  private kindOf(channel: SourceChannel): { kind: MessageKind } | { reason: string } {
    const table =
      channel.encoding === "cdr" ? ROS2_SCHEMAS : channel.encoding === "json" ? FOXGLOVE_SCHEMAS : undefined;
    if (!table) return { reason: `message encoding "${channel.encoding}" is not bridged (cdr and json are)` };
    const kind = table[channel.schemaName];
    return kind ? { kind } : { reason: `schema ${channel.schemaName || "(none)"} is not bridged` };
  }

  private isWantedCamera(channel: SourceChannel): boolean {
    if (this.match?.(channel.topic)) return true;
    const namespace = cameraNamespace(channel.topic);
    for (const state of this.channels.values()) {
      if (state.kind !== "image" && state.kind !== "compressed-image") continue;
      if (cameraNamespace(state.channel.topic) === namespace) return true;
      // image_transport subtopics: /cam/depth/image_raw/compressedDepth shares /cam/depth/camera_info.
      if (cameraNamespace(cameraNamespace(state.channel.topic)) === namespace) return true;
    }
    return false;
  }

  private classify(channel: SourceChannel): ChannelState {
    const stats = (status: ChannelStatus): TopicStats => ({
      topic: channel.topic,
      schemaName: channel.schemaName,
      encoding: channel.encoding,
      status,
      received: 0,
      bridged: 0,
      bytesIn: 0,
      problems: noProblems(),
    });
    const skipped = (reason: string): ChannelState => ({
      channel,
      stats: stats({ state: "skipped", reason }),
      entities: new Set(),
    });
    const known = this.kindOf(channel);
    if ("reason" in known) return skipped(known.reason);
    const k = known.kind;
    const isTf = k === "transforms";
    if (!isTf) {
      if (k === "camera-info") {
        if (!this.isWantedCamera(channel)) return skipped("camera info of no bridged depth topic");
      } else if (this.match ? !this.match(channel.topic) : !DEPTH_LIKE.test(channel.topic)) {
        return skipped(
          this.match ? "not matched by --topics" : "not a depth topic by name (pick it with --topics)",
        );
      } else if (!this.match) {
        const twin = this.bridgedVariant(channel);
        if (twin) return skipped(`the same image is bridged from ${twin} (pick this one with --topics)`);
      }
    } else if (channel.encoding === "cdr" && !TF_TOPICS.has(channel.topic) && !this.match?.(channel.topic)) {
      return skipped("a TFMessage topic other than /tf and /tf_static (pick it with --topics)");
    }
    let decode: CdrDecoder | ((payload: Uint8Array) => unknown);
    if (channel.encoding === "cdr") {
      try {
        decode = cdrDecoder(channel.schemaName, channel.schema, channel.schemaEncoding);
      } catch (error) {
        return skipped(`schema does not parse: ${(error as Error).message}`);
      }
    } else {
      decode = decodeJson;
    }
    return { channel, stats: stats({ state: "bridged", kind: k }), kind: k, decode, entities: new Set() };
  }

  /** Count a calibration bridged without its distortion; one log line per topic and sentence. */
  private noteDistortion(state: ChannelState, entityPath: string, problem: string | undefined): void {
    const stats = state.stats;
    if (problem) {
      stats.problems["unsupported-distortion"]++;
      stats.lastProblem = problem;
    }
    if (problem === stats.distortionProblem) return;
    stats.distortionProblem = problem;
    if (problem) this.onProblem?.(`${stats.topic} -> ${entityPath}: ${problem}`);
  }

  /** Another variant of the same image topic (raw, compressedDepth, compressed) already bridged. */
  private bridgedVariant(channel: SourceChannel): string | undefined {
    const base = imageBase(channel.topic);
    for (const state of this.channels.values()) {
      if (state.channel.id === channel.id) continue;
      if (state.kind !== "image" && state.kind !== "compressed-image") continue;
      if (imageBase(state.channel.topic) === base) return state.channel.topic;
    }
    return undefined;
  }

  /** Every advertised channel with its status and counts, in topic order. */
  topics(): TopicStats[] {
    return [...this.channels.values()].map((s) => s.stats).sort((a, b) => a.topic.localeCompare(b.topic));
  }

  /** The channel ids currently bridged. */
  get bridgedIds(): number[] {
    return [...this.channels.values()].filter((s) => s.kind !== undefined).map((s) => s.channel.id);
  }

  /** Whether any advertised channel is a depth topic the bridge takes. */
  get hasDepthTopics(): boolean {
    for (const s of this.channels.values()) {
      if (s.kind === "image" || s.kind === "compressed-image") return true;
    }
    return false;
  }
}

function add(
  totals: { received: number; depthReceived: number; bytesIn: number; skipped: number },
  state: ChannelState,
): void {
  const s = state.stats;
  totals.received += s.received;
  totals.bytesIn += s.bytesIn;
  if (state.kind === "image" || state.kind === "compressed-image") totals.depthReceived += s.received;
  for (const [problem, n] of Object.entries(s.problems) as [BridgeMessageProblem, number][])
    if (skipsMessage(problem)) totals.skipped += n;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
function decodeJson(payload: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(payload));
  } catch (error) {
    throw new BridgeMessageError("malformed", `JSON: ${(error as Error).message}`);
  }
}

function samePinhole(a: Pinhole, b: Pinhole): boolean {
  return (
    a.imageFromCamera.every((v, i) => v === b.imageFromCamera[i]) &&
    a.resolution?.[0] === b.resolution?.[0] &&
    a.resolution?.[1] === b.resolution?.[1] &&
    a.distortion?.model === b.distortion?.model &&
    (a.distortion?.coefficients ?? []).every((v, i) => v === b.distortion?.coefficients[i])
  );
}
