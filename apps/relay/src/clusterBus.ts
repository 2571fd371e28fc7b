import type { IncomingMessage, ServerResponse } from "node:http";
import { type AdminNotice, AdminNoticeSchema, CloseCode, ErrorCode } from "@depthroom/schema";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { Redis } from "ioredis";
import type { Server, Socket } from "socket.io";
import type { RelayExtension } from "./extension.ts";
import { allowCors, sendError, sendJson } from "./httpKit.ts";
import type { Logger } from "./log.ts";
import type { SessionRecord } from "./store.ts";

/*
 * Between relay nodes (`DEPTHROOM_REDIS_URL`): socket.io's sharded Redis adapter (Redis 7 sharded
 * pub/sub, ioredis clients) carries the small cross-node events, never depth frames:
 *   presence  `GET /api/cluster` asks every node for its counts (sessions, producers, viewers, doc
 *             connections) and answers with all of them;
 *   created   a node that created a session tells the others, which add it to their registry at
 *             once (any node then admits its tokens; a node that missed it fetches it from PostgreSQL
 *             when a genuine token names it);
 *   claim     a node that admits a connection of a session tells the others; a node still holding
 *             connections of that session (it was the session's node before a failover, or the
 *             balancer moved the session back) closes them with "going away", and they reconnect
 *             through the balancer to the session's node. So one session never stays split;
 *   notice    an admin notice posted to one node (`POST /api/admin/notices`): every other node
 *             validates it and emits it to its frame sockets (all, or the named session's).
 * Frame sockets join a room named after their session, so the adapter knows which node holds what.
 *
 * Heartbeat: every node refreshes a Redis key `<prefix>:node:<id>` each second with a 5 s expiry.
 * A node whose key is gone is dead: the others take over its running recordings (recordings.ts), one
 * of them per recording (`SET NX` on `<prefix>:takeover:<recording id>`).
 */

const CLAIM = "depthroom:claim";
const CREATED = "depthroom:session-created";
const ENDED = "depthroom:session-ended";
const PRESENCE = "depthroom:presence";
const NOTICE = "depthroom:notice";
const STATUS_TIMEOUT_MS = 2000;
const HEARTBEAT_MS = 1000;
/** A node whose heartbeat is older than this is taken as dead. */
export const HEARTBEAT_TTL_MS = 5000;
const TAKEOVER_CLAIM_MS = 10 * 60 * 1000;
const NODE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const SESSION_ID = /^[A-Za-z0-9_-]{22}$/;

export interface NodePresence {
  readonly node: string;
  /** Sessions with at least one connection on this node. */
  readonly sessions: number;
  readonly producers: number;
  readonly viewers: number;
  readonly docConnections: number;
}

/** `GET /api/cluster` */
export interface ClusterStatus {
  /** The node that answered. */
  readonly node: string;
  /** Every node that answered in time, sorted by id. */
  readonly nodes: readonly NodePresence[];
  /** Set when some node did not answer within the adapter's timeout. */
  readonly problem?: string;
}

/** The document side of a node, as the bus needs it (DocServer). */
export interface ClusterDocuments {
  /** Doc connections per session on this node. */
  connectionsBySession(): Map<string, number>;
  /** Close this node's doc connections of a session with "going away"; returns how many. */
  releaseSession(session: string): number;
}

/** The session registry, as the bus needs it (SessionRegistry). */
export interface ClusterRegistry {
  onCreated(listener: (record: SessionRecord) => void): void;
  learn(record: SessionRecord): void;
  onEnded(listener: (id: string, end: "deleted" | "expired", here: boolean) => void): void;
  forget(id: string): boolean;
}

/** What relay.ts hands the bus once the node's servers exist. */
export interface ClusterNode {
  // biome-ignore lint/suspicious/noExplicitAny: the relay's typed socket.io server, used untyped here
  readonly io: Server<any, any, any, any>;
  readonly documents: ClusterDocuments;
  readonly registry: ClusterRegistry;
  /** Admin notices posted to another node: delivered to this node's sockets (AdminNotices). */
  readonly notices: { deliver(notice: AdminNotice): number };
  readonly logger: Logger;
}

/**
 * The scale-out hooks of one relay node (RelayOptions.cluster); a relay extension: `onAdmitted`
 * claims the session, `destroy` quits Redis once the relay's servers closed.
 */
export interface RelayCluster extends RelayExtension {
  readonly nodeId: string;
  attach(node: ClusterNode): void;
  /** A connection of `session` was admitted here. */
  claim(session: string): void;
  /** An admin notice posted to this node: tell the other nodes (this one delivers it itself). */
  broadcastNotice(notice: AdminNotice): void;
  /** Serve `GET /api/cluster`; false for every other request (after naming this node in a header). */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Whether `node`'s heartbeat is current (true when the bus cannot tell: never take over on doubt). */
  nodeAlive(node: string): Promise<boolean>;
  /** Claim the takeover of a dead node's recording: true on exactly one node. */
  claimTakeover(recordingId: string): Promise<boolean>;
  /** After the socket.io server closed (which closes the adapter): quit the Redis clients. */
  destroy(): Promise<void>;
}

export interface ClusterBusOptions {
  readonly redisUrl: string;
  readonly nodeId: string;
  /** Prefix of the Redis channels (default "depthroom"): deployments sharing one Redis use different ones. */
  readonly prefix?: string;
  readonly logger: Logger;
}

export class ClusterBus implements RelayCluster {
  readonly name = "cluster";
  // biome-ignore lint/suspicious/noExplicitAny: see ClusterNode
  #io: Server<any, any, any, any> | undefined;
  #documents: ClusterDocuments | undefined;
  #closed = false;
  readonly #heartbeat: NodeJS.Timeout;

  private constructor(
    readonly nodeId: string,
    private readonly pub: Redis,
    private readonly sub: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {
    this.#beat();
    this.#heartbeat = setInterval(() => this.#beat(), HEARTBEAT_MS);
    this.#heartbeat.unref();
  }

  #beat(): void {
    this.pub
      .set(`${this.prefix}:node:${this.nodeId}`, String(Date.now()), "PX", HEARTBEAT_TTL_MS)
      .catch((error: unknown) => this.logger.warn("cluster heartbeat failed", { error: String(error) }));
  }

  async nodeAlive(node: string): Promise<boolean> {
    if (node === this.nodeId) return !this.#closed;
    if (!NODE_ID.test(node)) return true;
    try {
      return (await this.pub.exists(`${this.prefix}:node:${node}`)) === 1;
    } catch {
      return true;
    }
  }

  async claimTakeover(recordingId: string): Promise<boolean> {
    try {
      const key = `${this.prefix}:takeover:${recordingId}`;
      return (await this.pub.set(key, this.nodeId, "PX", TAKEOVER_CLAIM_MS, "NX")) === "OK";
    } catch {
      return false;
    }
  }

  /** Connect to Redis (7 or newer); fails with a message naming the server when it is unreachable. */
  static async connect(options: ClusterBusOptions): Promise<ClusterBus> {
    if (!NODE_ID.test(options.nodeId)) {
      throw new RangeError(`bad node id "${options.nodeId.slice(0, 64)}": 1-64 of A-Z a-z 0-9 _ . : -`);
    }
    const where = describeRedisUrl(options.redisUrl);
    const pub = new Redis(options.redisUrl, {
      lazyConnect: true,
      connectTimeout: 5000,
      // Once up, ioredis reconnects forever (and re-subscribes); commands wait for it rather than
      // fail: the adapter does not handle every rejected subscribe, and an unhandled one would end
      // the process. A Redis outage pauses the bus (presence answers for this node only), nothing else.
      retryStrategy: (times) => Math.min(times * 100, 1000),
      maxRetriesPerRequest: null,
    });
    const sub = pub.duplicate();
    let up = false;
    // Before `up`, connect() rejects with the error; after, ioredis reconnects on its own.
    const onError = (error: Error) => up && options.logger.warn("redis error", { error: error.message });
    pub.on("error", onError);
    sub.on("error", onError);
    try {
      await pub.connect();
      await sub.connect();
      const info = await pub.info("server");
      const version = /redis_version:(\d+)\.(\d+)/.exec(info);
      if (!version || Number(version[1]) < 7) {
        throw new Error(
          `Redis 7 or newer is needed for sharded pub/sub; this one is ${version?.[0] ?? "unknown"}`,
        );
      }
    } catch (error) {
      pub.disconnect();
      sub.disconnect();
      throw new Error(`Redis at ${where}: ${error instanceof Error ? error.message : String(error)}`);
    }
    up = true;
    return new ClusterBus(options.nodeId, pub, sub, options.prefix ?? "depthroom", options.logger);
  }

  attach(node: ClusterNode): void {
    const { io, documents, registry } = node;
    this.#io = io;
    this.#documents = documents;
    io.adapter(createShardedAdapter(this.pub, this.sub, { channelPrefix: `${this.prefix}:socket.io` }));
    io.on("connection", (socket: Socket) => {
      const session = (socket.data as { session?: string }).session;
      if (!session) return;
      void socket.join(session);
      this.claim(session);
    });
    io.on(CLAIM, (claim: unknown) => {
      const { session, node: claimant } = (claim ?? {}) as { session?: unknown; node?: unknown };
      if (typeof session !== "string" || !SESSION_ID.test(session) || claimant === this.nodeId) return;
      this.#release(session, String(claimant).slice(0, 64));
    });
    registry.onCreated((record) => io.serverSideEmit(CREATED, record));
    io.on(CREATED, (record: unknown) => {
      const r = (record ?? {}) as Partial<SessionRecord>;
      if (typeof r.id !== "string" || !SESSION_ID.test(r.id)) return;
      if (typeof r.title !== "string" || r.title.length > 1000 || typeof r.createdAt !== "number") return;
      registry.learn({ id: r.id, title: r.title, createdAt: r.createdAt });
    });
    // A session deleted on one node is forgotten by the others (which close its connections there).
    registry.onEnded((id, _end, here) => {
      if (here) io.serverSideEmit(ENDED, { id });
    });
    io.on(ENDED, (message: unknown) => {
      const id = (message ?? {}) as { id?: unknown };
      if (typeof id.id === "string" && SESSION_ID.test(id.id)) registry.forget(id.id);
    });
    io.on(NOTICE, (raw: unknown) => {
      const parsed = AdminNoticeSchema.safeParse(raw);
      if (!parsed.success) {
        this.logger.warn("bad notice on the cluster bus", { error: parsed.error.issues[0]?.message });
        return;
      }
      const delivered = node.notices.deliver(parsed.data);
      this.logger.info("admin notice from another node", { id: parsed.data.id, delivered });
    });
    io.on(PRESENCE, (reply: unknown) => {
      if (typeof reply === "function") reply(this.#localPresence());
    });
  }

  onAdmitted(session: string): void {
    this.claim(session);
  }

  claim(session: string): void {
    if (this.#closed || !this.#io) return;
    this.#io.serverSideEmit(CLAIM, { session, node: this.nodeId });
  }

  broadcastNotice(notice: AdminNotice): void {
    if (this.#closed || !this.#io) return;
    this.#io.serverSideEmit(NOTICE, notice);
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    // Every HTTP answer of this node names it (the recordings API included).
    res.setHeader("X-Depthroom-Node", this.nodeId);
    const path = (req.url ?? "/").split("?")[0];
    if (path !== "/api/cluster") return false;
    allowCors(res, "GET");
    if (req.method !== "GET") {
      sendError(res, ErrorCode.BadMessage, `no route ${req.method} ${path}`);
      return true;
    }
    void this.status().then(
      (status) => sendJson(res, 200, status),
      (error: unknown) => {
        this.logger.error("cluster status failed", { error: String(error) });
        sendError(res, ErrorCode.Internal, "internal error");
      },
    );
    return true;
  }

  /** Every node's presence (this one included), as `GET /api/cluster` answers. */
  status(): Promise<ClusterStatus> {
    const local = this.#localPresence();
    const io = this.#io;
    if (!io) return Promise.resolve({ node: this.nodeId, nodes: [local] });
    return new Promise((resolve) => {
      const alone = (problem: string) => resolve({ node: this.nodeId, nodes: [local], problem });
      // The adapter waits up to 5 s for every node; answer sooner when the bus itself is stuck.
      const timer = setTimeout(() => alone("the cluster bus did not answer within 2 s"), STATUS_TIMEOUT_MS);
      const done = (error: Error | null, responses: unknown[]) => {
        clearTimeout(timer);
        const nodes = [local, ...responses.filter(isNodePresence)].sort((a, b) => (a.node < b.node ? -1 : 1));
        resolve(error ? { node: this.nodeId, nodes, problem: error.message } : { node: this.nodeId, nodes });
      };
      // Through the adapter, whose promise rejects when Redis fails (socket.io would leave it unhandled).
      const adapter = io.of("/").adapter as unknown as {
        serverSideEmit(packet: unknown[]): Promise<unknown> | undefined;
      };
      Promise.resolve(adapter.serverSideEmit([PRESENCE, done])).catch((error: unknown) => {
        clearTimeout(timer);
        alone(`the cluster bus failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    });
  }

  async destroy(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    await this.pub.del(`${this.prefix}:node:${this.nodeId}`).catch(() => undefined);
    await Promise.allSettled([this.pub.quit(), this.sub.quit()]);
  }

  #localPresence(): NodePresence {
    const sessions = new Set<string>();
    let producers = 0;
    let viewers = 0;
    if (this.#io) {
      for (const socket of this.#io.of("/").sockets.values()) {
        const data = socket.data as { session?: string; role?: string };
        if (!data.session) continue;
        sessions.add(data.session);
        if (data.role === "publish") producers++;
        else viewers++;
      }
    }
    let docConnections = 0;
    for (const [session, count] of this.#documents?.connectionsBySession() ?? []) {
      sessions.add(session);
      docConnections += count;
    }
    return { node: this.nodeId, sessions: sessions.size, producers, viewers, docConnections };
  }

  /** Another node admitted a connection of `session`: close ours, so its clients follow the balancer. */
  #release(session: string, claimant: string): void {
    const io = this.#io;
    let frames = 0;
    for (const id of io?.of("/").adapter.rooms.get(session) ?? []) {
      const socket = io?.of("/").sockets.get(id);
      if (!socket) continue;
      frames++;
      socket.emit("problem", {
        code: ErrorCode.GoingAway,
        message: `the session moved to relay node ${claimant}`,
      });
      // Close the WebSocket with 1001 (not a socket.io disconnect, which clients do not retry).
      setImmediate(() => {
        const transport = socket.conn.transport as unknown as {
          socket?: { close(code: number, reason: string): void };
        };
        try {
          transport.socket?.close(CloseCode.GoingAway, ErrorCode.GoingAway);
        } catch {
          // Already closed.
        }
      });
    }
    const docs = this.#documents?.releaseSession(session) ?? 0;
    if (frames + docs > 0) {
      this.logger.info("session moved to another node", { session, node: claimant, frames, docs });
    }
  }
}

function isNodePresence(value: unknown): value is NodePresence {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.node === "string" &&
    typeof v.sessions === "number" &&
    typeof v.producers === "number" &&
    typeof v.viewers === "number" &&
    typeof v.docConnections === "number"
  );
}

function describeRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || 6379}`;
  } catch {
    return "(unparsable DEPTHROOM_REDIS_URL)";
  }
}
