// `bridgeFoxglove`: a Foxglove WebSocket source (a ROS 2 rig's foxglove_bridge, an OAK camera, a
// Foxglove SDK app) streamed into a Depthroom session. Wiring only: FoxgloveSource in, SessionMapper in
// the middle, the SDK's producer out (which already drops per entity when the uplink is slow).

import { entityArchetypeKey } from "@depthroom/schema";
import { Emitter } from "../emitter.ts";
import { isPermanent, SdkError, SdkErrorCode } from "../errors.ts";
import { connect, type ProducerStats, type RecordingStream } from "../producer.ts";
import { type RelayTarget, resolveTarget } from "../target.ts";
import { BridgeError, BridgeErrorCode } from "./errors.ts";
import { type BridgeLog, ROS_TIME, SessionMapper, type TopicStats } from "./mapper.ts";
import { FoxgloveSource, type SourceState } from "./source.ts";

export interface BridgeOptions {
  /** The source: `ws://host:8765`. */
  readonly url: string;
  /** The session's publish link (or `{ url, session, token }`). */
  readonly link: string | RelayTarget;
  /** Glob patterns over topic names; default: every depth-like topic, its camera_info and the transforms. */
  readonly topics?: readonly string[];
  /** Aborting stops the bridge (as `close()`). */
  readonly signal?: AbortSignal;
  /**
   * Fail with `no-depth-topics` if the source advertises no depth topic the bridge takes within this
   * long after connecting. Default: wait for one as long as it takes.
   */
  readonly depthTopicTimeoutMs?: number;
  /** First connection to the source or the relay: give up after this long (default 10 s each). */
  readonly connectTimeoutMs?: number;
  /** Longest delay between reconnections to the source (default 2 s). */
  readonly reconnectDelayMaxMs?: number;
  /** Shown to viewers as the rig's name; default `bridge <url>`. */
  readonly name?: string;
  /** Depth payload encoding towards the relay for U16 images: `rvl` (default, lossless) or `raw`. */
  readonly depthEncoding?: "rvl" | "raw";
}

export interface BridgeStats {
  /** Channels bridged now. */
  readonly topics: number;
  /** Messages received from the source on bridged channels. */
  readonly messagesIn: number;
  /** Of those, depth images. */
  readonly depthIn: number;
  readonly bytesIn: number;
  /** Depth frames the relay acknowledged. */
  readonly framesOut: number;
  /** Bytes the relay acknowledged. */
  readonly bytesOut: number;
  /** Frames replaced by newer ones before they could be sent (slow uplink), or arriving while the relay link was down. */
  readonly dropped: number;
  /** Messages skipped because they could not be bridged (malformed, unsupported encoding, corrupt image). */
  readonly skipped: number;
  /** Source reconnections. */
  readonly reconnects: number;
  readonly source: SourceState;
}

export type BridgeEvents = {
  /** The source connection changed (`reconnecting`: the rig is offline and shown so in the session). */
  source: [state: SourceState, detail: string | undefined];
  /** Something worth a line in a log: a server status message, a refused publish. */
  problem: [message: string];
};

/** Static messages kept to replay to a new relay connection. */
const MAX_REPLAYED = 10_000;
/** How long images wait for the first transform message after connecting (see `openGate`). */
const TRANSFORMS_FIRST_MS = 1000;

export class FoxgloveBridge extends Emitter<BridgeEvents> {
  /** Settles when the bridge stops: resolves after `close()` / abort, rejects with the error that ended it. */
  readonly done: Promise<void>;
  private readonly mapper: SessionMapper;
  private producer: RecordingStream | undefined;
  private producing: Promise<void> | undefined;
  /** Static archetypes (pinholes, static transforms) replayed to every new relay connection. */
  private readonly state = new Map<string, BridgeLog>();
  private finished = false;
  private resolveDone!: () => void;
  private rejectDone!: (error: unknown) => void;
  private readonly past = { framesOut: 0, bytesOut: 0, dropped: 0 };
  private offlineDrops = 0;
  private gate: "closed" | "waiting" | "open" = "closed";
  private gateTimer: ReturnType<typeof setTimeout> | undefined;
  private deferred: number[] = [];
  private rejected = 0;

  /** @internal Use `bridgeFoxglove()`. */
  constructor(
    private readonly source: FoxgloveSource,
    private readonly options: BridgeOptions,
  ) {
    super();
    this.mapper = new SessionMapper({
      topics: options.topics,
      onProblem: (sentence) => this.emit("problem", sentence),
    });
    this.done = new Promise((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
    source.on("state", (state, detail) => {
      this.emit("source", state, detail);
      if (state === "reconnecting") {
        // The rig is gone: the session shows it offline (the producer leaves) until it is back.
        this.mapper.reset();
        this.dropProducer();
      }
    });
    source.on("serverInfo", () => {
      this.gate = "closed";
      this.deferred = [];
      if (!this.producer && !this.producing) this.startProducer();
    });
    source.on("advertise", (channels) => {
      const ids = this.mapper.advertise(channels);
      if (this.gate === "open") return source.subscribe(ids);
      const transforms = ids.filter((id) => this.mapper.isTransforms(id));
      this.deferred.push(...ids.filter((id) => !this.mapper.isTransforms(id)));
      if (transforms.length === 0 && this.gate === "closed") return this.openGate();
      source.subscribe(transforms);
      if (this.gate === "closed") {
        this.gate = "waiting";
        const gateTimer = setTimeout(() => this.openGate(), TRANSFORMS_FIRST_MS);
        this.gateTimer = gateTimer;
      }
    });
    source.on("unadvertise", (ids) => {
      for (const { entities } of this.mapper.unadvertise(ids)) {
        // What the SDK allows: its static state of those entities is no longer replayed after a reconnect.
        for (const [key, log] of this.state) if (entities.includes(log.entityPath)) this.state.delete(key);
      }
    });
    source.on("status", (level, message) => this.emit("problem", `source ${level}: ${message}`));
    source.on("message", (channelId, logTimeNs, payload) => this.onMessage(channelId, logTimeNs, payload));
  }

  /** Per advertised topic: status (bridged / skipped and why), counts, entity path. */
  topics(): TopicStats[] {
    return this.mapper.topics();
  }

  get hasDepthTopics(): boolean {
    return this.mapper.hasDepthTopics;
  }

  get stats(): BridgeStats {
    const totals = this.mapper.totals();
    const live: Pick<ProducerStats, "depthFrames" | "bytes" | "dropped"> = this.producer?.stats ?? {
      depthFrames: 0,
      bytes: 0,
      dropped: 0,
    };
    return {
      topics: this.mapper.bridgedIds.length,
      messagesIn: totals.received,
      depthIn: totals.depthReceived,
      bytesIn: totals.bytesIn,
      framesOut: this.past.framesOut + live.depthFrames,
      bytesOut: this.past.bytesOut + live.bytes,
      dropped: this.past.dropped + live.dropped + this.offlineDrops,
      skipped: totals.skipped + this.rejected,
      reconnects: this.source.reconnects,
      source: this.source.state,
    };
  }

  /** Stop: flush what is queued (briefly), close both connections. Never rejects. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.gateTimer);
    this.source.close();
    await this.producing?.catch(() => {});
    await this.producer?.close(1000);
    this.resolveDone();
  }

  /** @internal The first relay connection, made before the source is touched (a bad link fails fast). */
  adoptProducer(producer: RecordingStream): void {
    this.watchProducer(producer);
    this.producer = producer;
  }

  /**
   * Transforms first: images and camera infos are subscribed once the first transform message came (a
   * latched /tf_static does at once) or TRANSFORMS_FIRST_MS passed, so the first frames already land
   * where the frame tree puts them rather than at a path the tree moves a moment later.
   */
  private openGate(): void {
    clearTimeout(this.gateTimer);
    this.gate = "open";
    const bridged = new Set(this.mapper.bridgedIds);
    const ids = this.deferred.filter((id) => bridged.has(id)); // not unadvertised meanwhile
    this.deferred = [];
    this.source.subscribe(ids);
  }

  private onMessage(channelId: number, logTimeNs: bigint, payload: Uint8Array): void {
    if (this.gate !== "open" && this.mapper.isTransforms(channelId)) setImmediate(() => this.openGate());
    const logs = this.mapper.message(channelId, logTimeNs, payload);
    for (const log of logs) {
      if (log.static) this.remember(log);
      const producer = this.producer;
      if (!producer) {
        if (!log.static) this.offlineDrops++;
        continue;
      }
      this.send(producer, log);
    }
  }

  /** Keep a static log for replay; bounded (a hostile source could name endless entities). */
  private remember(log: BridgeLog): void {
    const key = entityArchetypeKey(log.entityPath, log.archetype.kind);
    if (!this.state.has(key) && this.state.size >= MAX_REPLAYED) return;
    this.state.set(key, log);
  }

  private send(producer: RecordingStream, log: BridgeLog): void {
    try {
      if (log.static) producer.log(log.entityPath, log.archetype, { static: true });
      else {
        producer.setTime(ROS_TIME, log.timeNs ?? 0n);
        producer.log(log.entityPath, log.archetype);
      }
    } catch (error) {
      if (error instanceof SdkError && error.code === SdkErrorCode.Closed) return; // the state event ends it
      this.rejected++;
      this.emit("problem", `${log.topic} -> ${log.entityPath}: ${(error as Error).message}`);
    }
  }

  private watchProducer(producer: RecordingStream): void {
    producer.on("problem", (problem) => this.emit("problem", `relay: ${problem.message}`));
    producer.on("state", (state, error) => {
      if (state !== "closed" || producer !== this.producer || this.finished) return;
      // Closed without our asking: refused for good (expired link, session deleted).
      this.fail(error ?? new SdkError(SdkErrorCode.Closed, "the relay closed the connection"));
    });
  }

  private startProducer(): void {
    this.producing = connect(targetOf(this.options.link), producerOptions(this.options))
      .then((producer) => {
        this.producing = undefined;
        if (this.finished || this.source.state !== "connected") {
          void producer.close(0);
          return;
        }
        this.watchProducer(producer);
        this.producer = producer;
        for (const log of this.state.values()) this.send(producer, log);
      })
      .catch((error) => {
        this.producing = undefined;
        if (this.finished) return;
        if (error instanceof SdkError && isPermanent(error.code)) return this.fail(error);
        // The relay is away too: try again while the source is up.
        this.emit("problem", `relay: ${(error as Error).message}; retrying`);
        setTimeout(() => {
          if (!this.finished && !this.producer && !this.producing && this.source.state === "connected")
            this.startProducer();
        }, 1000);
      });
  }

  private dropProducer(): void {
    const producer = this.producer;
    if (!producer) return;
    this.producer = undefined;
    const s = producer.stats;
    this.past.framesOut += s.depthFrames;
    this.past.bytesOut += s.bytes;
    void producer.close(250).then(() => {
      this.past.dropped += producer.stats.dropped;
    });
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.gateTimer);
    this.source.close();
    void this.producer?.close(0);
    this.rejectDone(error);
  }
}

function targetOf(link: string | RelayTarget): RelayTarget {
  return typeof link === "string" ? { link } : link;
}

function producerOptions(options: BridgeOptions) {
  return {
    name: options.name ?? `bridge ${options.url}`,
    connectTimeoutMs: options.connectTimeoutMs,
    depthEncoding: options.depthEncoding,
  };
}

/**
 * Stream a Foxglove WebSocket source into a session. Resolves once both sides are connected (and, with
 * `depthTopicTimeoutMs`, a depth topic is advertised); the bridge then runs, reconnecting to the source
 * with backoff, until `close()` or `signal` aborts. Rejects with `SdkError` (bad-link, bad-token,
 * forbidden, session-not-found, relay-unreachable) or `BridgeError` (bad-source-url,
 * source-unreachable, source-refused, no-depth-topics).
 */
export async function bridgeFoxglove(options: BridgeOptions): Promise<FoxgloveBridge> {
  const target = targetOf(options.link);
  resolveTarget(target, { needRole: "publish" });
  const producer = await connect(target, producerOptions(options));
  let source: FoxgloveSource;
  try {
    source = new FoxgloveSource(options.url, {
      connectTimeoutMs: options.connectTimeoutMs,
      reconnectDelayMaxMs: options.reconnectDelayMaxMs,
    });
  } catch (error) {
    await producer.close(0);
    throw error;
  }
  const bridge = new FoxgloveBridge(source, { ...options, link: target });
  bridge.adoptProducer(producer);
  const { signal } = options;
  const onAbort = () => void bridge.close();
  if (signal?.aborted) {
    await bridge.close();
    return bridge;
  }
  signal?.addEventListener("abort", onAbort, { once: true });
  void bridge.done.then(
    () => signal?.removeEventListener("abort", onAbort),
    () => signal?.removeEventListener("abort", onAbort),
  );
  try {
    await Promise.race([source.opened, bridge.done]);
    if (options.depthTopicTimeoutMs !== undefined)
      await waitForDepth(bridge, options.depthTopicTimeoutMs, signal);
  } catch (error) {
    await bridge.close();
    throw error;
  }
  return bridge;
}

async function waitForDepth(
  bridge: FoxgloveBridge,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!bridge.hasDepthTopics) {
    if (signal?.aborted) return;
    if (Date.now() >= deadline) {
      const advertised = bridge.topics();
      const detail =
        advertised.length === 0
          ? "it advertises no topics"
          : `of ${advertised.length} topics none is depth the bridge takes (depthroom bridge <url> --list says why)`;
      throw new BridgeError(
        BridgeErrorCode.NoDepthTopics,
        `no depth topics after ${timeoutMs} ms: ${detail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
