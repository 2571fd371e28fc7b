import type { Server as HttpServer } from "node:http";
import {
  type ClientToServerEvents,
  CloseCode,
  ErrorCode,
  type ErrorCode as ErrorCodeType,
  FRAME_CREDITS,
  type ProducerEvent,
  type PublishResult,
  RELAY_PROTOCOL_VERSION,
  type Role,
  readCredit,
  type ServerToClientEvents,
  type SubscribeResult,
} from "@depthroom/schema";
import { Server, type Socket } from "socket.io";
import { admit, can, fetchSessionOfToken, tokenOrDeprecatedQuery, whenExpired } from "./access.ts";
import {
  type ConnectionBuffer,
  connectionBuffer,
  directFrameWriter,
  installCreditFastPath,
  installDirectAcks,
  installPublishFastPath,
} from "./directFrames.ts";
import type { RelayLimits } from "./limits.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { ViewerPort } from "./session.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import {
  ADMISSION_TIMEOUT_MS,
  admitFrameSocket,
  boundedParser,
  UNADMITTED_MESSAGE_BYTES,
} from "./socketAdmission.ts";
import type { TokenSigner } from "./tokens.ts";
import { RELAY_VERSION } from "./version.ts";

/*
 * Frames on `/socket.io/`: a thin socket.io adapter around `LiveSession`. The handshake is checked in
 * a middleware (refusals arrive as `connect_error` with a `Refusal` as `data`); producers get `publish`,
 * viewers `subscribe` and give back `credit`; each viewer socket becomes a `ViewerPort`, its frames paced
 * by credits (latestWins.ts).
 */

interface SocketData {
  session: string;
  role: Role;
  name: string;
  /** The token's expiry (seconds since the epoch): the connection is closed when it passes. */
  exp: number | undefined;
}

interface WebSocketInternals {
  close(code: number, reason: string): void;
  terminate?(): void;
}

type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface FrameServerDeps {
  readonly signer: TokenSigner;
  readonly registry: SessionRegistry;
  readonly limits: RelayLimits;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  /** Scale-out: this node's id, in `welcome` and as `X-Depthroom-Node` on the WebSocket upgrade. */
  readonly node?: string;
}

const NAME = /^[\p{L}\p{N} _.:@()/-]{1,64}$/u;
const noop = () => {};
/** How long a viewer closed for being too slow gets to take its close frame before the socket is cut. */
const TOO_SLOW_GRACE_MS = 5000;

class SocketViewerPort implements ViewerPort {
  readonly id: string;
  readonly #direct: ((bytes: Uint8Array) => boolean) | undefined;
  readonly #buffer: ConnectionBuffer | undefined;

  constructor(
    readonly socket: RelaySocket,
    private readonly metrics: RelayMetrics,
    private readonly logger: Logger,
  ) {
    this.id = socket.id;
    this.#direct = directFrameWriter(socket as unknown as Socket);
    this.#buffer = connectionBuffer(socket as unknown as Socket);
  }

  sendFrame(bytes: Uint8Array): void {
    if (this.#direct?.(bytes)) return;
    this.metrics.framesViaEmit++;
    this.socket.emit("frame", bytes);
  }

  bufferedBytes(): number {
    return this.#buffer?.bufferedBytes() ?? 0;
  }

  watchDrain(listener: (() => void) | null): void {
    this.#buffer?.watchDrain(listener);
  }

  /** Past the hard cap: close with TooSlow (a client that reads again sees why), cut it if it does not. */
  tooSlow(bufferedBytes: number): void {
    this.metrics.viewersTooSlow++;
    this.logger.warn("viewer disconnected: its connection does not drain", {
      session: this.socket.data.session,
      connection: this.id,
      bufferedBytes,
    });
    const ws = closeWebSocket(this.socket, CloseCode.TooSlow, ErrorCode.TooSlow);
    setTimeout(() => {
      if (this.socket.connected) ws?.terminate?.();
    }, TOO_SLOW_GRACE_MS).unref();
  }

  producerEvent(event: ProducerEvent): void {
    this.socket.emit("producer", event);
  }
}

export class FrameServer {
  /** Viewer ports by socket id (for the buffered-bytes gauge). */
  readonly #ports = new Map<string, SocketViewerPort>();
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

  constructor(
    httpServer: HttpServer,
    private readonly deps: FrameServerDeps,
  ) {
    this.io = new Server(httpServer, {
      path: "/socket.io/",
      transports: ["websocket"],
      perMessageDeflate: false,
      httpCompression: false,
      serveClient: false,
      // Until the namespace admits a connection its WebSocket takes small messages only and its
      // decoder no binary packet; then messages up to maxMessageBytes plus framing (socketAdmission.ts):
      // frames between maxMessageBytes and that cap are refused with a named error, and the
      // connection goes on; beyond it the WebSocket itself is closed (1009).
      maxHttpBufferSize: UNADMITTED_MESSAGE_BYTES,
      parser: boundedParser,
      connectTimeout: ADMISSION_TIMEOUT_MS,
      // y-websocket shares the HTTP server: engine.io must not end upgrades it does not own.
      destroyUpgrade: false,
      cors: { origin: true },
    });
    this.io.use((socket, next) => {
      const decide = () => {
        const refusal = this.#handshake(socket);
        if (refusal) {
          deps.metrics.reject(refusal.code);
          deps.logger.info("frame connection refused", { code: refusal.code, reason: refusal.message });
          const error = new Error(refusal.message) as Error & { data: unknown };
          error.data = refusal;
          next(error);
        } else {
          next();
        }
      };
      const { session } = socket.handshake.query;
      const token = handshakeToken(socket, deps.logger);
      const fetching = fetchSessionOfToken(deps.signer, deps.registry, session, token);
      if (!fetching) return decide();
      fetching.then(decide, (error: unknown) => {
        deps.logger.error("session lookup failed", { error: String(error) });
        decide();
      });
    });
    this.io.on("connection", (socket) => this.#connected(socket));
    // A deleted or expired session: its frame sockets are told, then closed with session-not-found.
    deps.registry.onEnded((id, end) => {
      for (const socket of this.io.sockets.sockets.values()) {
        if (socket.data.session !== id) continue;
        socket.emit("problem", { code: ErrorCode.SessionNotFound, message: `the session was ${end}` });
        setImmediate(() => closeWebSocket(socket, CloseCode.SessionNotFound, ErrorCode.SessionNotFound));
      }
    });
    deps.metrics.viewerBufferedBytes = () => {
      let bytes = 0;
      for (const port of this.#ports.values()) bytes += port.bufferedBytes();
      return bytes;
    };
    const node = deps.node;
    if (node)
      this.io.engine.on("headers", (headers: Record<string, string>) => (headers["X-Depthroom-Node"] = node));
  }

  #handshake(socket: RelaySocket): { code: ErrorCodeType; message: string } | undefined {
    const query = socket.handshake.query;
    const version = query.v;
    if (version !== String(RELAY_PROTOCOL_VERSION)) {
      return {
        code: ErrorCode.VersionMismatch,
        message: `relay protocol ${RELAY_PROTOCOL_VERSION}, the client asked for ${String(version).slice(0, 16)}`,
      };
    }
    const token = handshakeToken(socket, this.deps.logger);
    const admission = admit(this.deps.signer, this.deps.registry, query.session, token);
    if (!admission.ok) return admission;
    const rawName = typeof query.name === "string" ? query.name.trim() : "";
    socket.data.session = admission.record.id;
    socket.data.role = admission.role;
    socket.data.exp = admission.exp;
    socket.data.name = NAME.test(rawName) ? rawName : admission.role === "publish" ? "producer" : "viewer";
    return undefined;
  }

  #connected(socket: RelaySocket): void {
    const { registry, metrics, logger, limits } = this.deps;
    const { session: sessionId, role, name } = socket.data;
    const session = registry.live(sessionId);
    const unhold = registry.hold(sessionId);
    const isProducer = can(role, "publish");
    const info = { id: socket.id, name, connectedAt: Date.now() };
    if (!admitFrameSocket(socket as unknown as Socket, limits.maxMessageBytes)) {
      logger.warn("frame socket bounds not lifted (socket.io internals changed)", { connection: socket.id });
    }
    const port = new SocketViewerPort(socket, metrics, logger);
    const onPublish = (bytes: unknown, ack: unknown) => {
      const reply = typeof ack === "function" ? (ack as (result: PublishResult) => void) : noop;
      if (!isProducer) {
        metrics.reject(ErrorCode.Forbidden);
        return reply(forbidden(role, "publish frames"));
      }
      const result = session.publish(socket.id, bytes as Uint8Array);
      reply(result);
      if (!result.ok) {
        logger.debug("publish refused", { session: sessionId, connection: socket.id, code: result.code });
        if (session.refusalStreak(socket.id) >= limits.maxRefusalStreak) {
          logger.warn("producer disconnected after refused messages", {
            session: sessionId,
            connection: socket.id,
          });
          socket.emit("problem", {
            code: result.code,
            message: `${limits.maxRefusalStreak} refused messages in a row (last: ${result.message})`,
          });
          socket.disconnect(true);
        }
      }
    };
    if (isProducer) {
      // A publish comes in, and its result goes out, beside socket.io's parser (directFrames.ts).
      installDirectAcks(socket as unknown as Socket);
      if (!installPublishFastPath(socket as unknown as Socket, onPublish)) {
        logger.warn("publish fast path not installed (socket.io internals changed)", {
          connection: socket.id,
        });
      }
      session.addProducer(info);
      metrics.producers++;
    } else {
      session.addViewer(port);
      this.#ports.set(socket.id, port);
      metrics.viewers++;
    }
    logger.info("frame connection", { session: sessionId, role, name, connection: socket.id });

    socket.on("publish", onPublish);

    // Only the first bad credit of a connection is answered: a client that floods bad credit and never
    // reads would otherwise grow its socket's write buffer by one `problem` per message.
    let badCreditAnswered = false;
    const onCredit = (payload: unknown) => {
      const frames = readCredit(payload);
      if (frames !== undefined && !isProducer) {
        session.grant(socket.id, frames);
        return;
      }
      metrics.reject(ErrorCode.BadMessage);
      if (badCreditAnswered) return;
      badCreditAnswered = true;
      socket.emit("problem", {
        code: ErrorCode.BadMessage,
        message: isProducer
          ? "a producer has no frames to give credit for"
          : `credit: an integer 1..${FRAME_CREDITS} (frames taken), not ${String(payload).slice(0, 32)}`,
      });
    };
    // A viewer's credit comes in beside socket.io's parser (directFrames.ts), else through it.
    if (!isProducer && !installCreditFastPath(socket as unknown as Socket, onCredit)) {
      logger.warn("credit fast path not installed (socket.io internals changed)", { connection: socket.id });
    }
    socket.on("credit", onCredit);

    socket.on("subscribe", (request, ack) => {
      const reply = typeof ack === "function" ? ack : noop;
      if (isProducer) {
        metrics.reject(ErrorCode.Forbidden);
        return reply(forbidden(role, "subscribe to frames"));
      }
      reply(session.subscribe(socket.id, request));
    });

    const cancelExpiry = whenExpired(socket.data.exp, () => {
      metrics.reject(ErrorCode.TokenExpired);
      logger.info("frame connection closed: token expired", { session: sessionId, connection: socket.id });
      socket.emit("problem", {
        code: ErrorCode.TokenExpired,
        message: "the token expired: open the session with a fresh link",
      });
      // Let the problem event go out first, then close with the named code.
      setImmediate(() => closeWebSocket(socket, CloseCode.TokenExpired, ErrorCode.TokenExpired));
    });

    socket.on("disconnect", (reason) => {
      cancelExpiry();
      unhold();
      if (isProducer) {
        session.removeProducer(socket.id);
        metrics.producers--;
      } else {
        session.removeViewer(socket.id);
        this.#ports.delete(socket.id);
        metrics.viewers--;
      }
      registry.release(sessionId);
      logger.info("frame disconnection", { session: sessionId, role, connection: socket.id, reason });
    });

    socket.emit("welcome", {
      protocolVersion: RELAY_PROTOCOL_VERSION,
      relayVersion: RELAY_VERSION,
      session: sessionId,
      role,
      connectionId: socket.id,
      producers: session.producers(),
      ...(this.deps.node ? { node: this.deps.node } : {}),
    });
  }

  /** Tell every client the relay is going away, close their WebSockets with 1001 (they reconnect), stop. */
  async close(): Promise<void> {
    for (const socket of this.io.sockets.sockets.values()) {
      socket.emit("problem", { code: ErrorCode.GoingAway, message: "the relay is shutting down" });
    }
    // Let the problem events reach the sockets before they close.
    await new Promise((resolve) => setImmediate(resolve));
    for (const socket of this.io.sockets.sockets.values()) {
      closeWebSocket(socket, CloseCode.GoingAway, ErrorCode.GoingAway);
    }
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
  }
}

/** The handshake's token: socket.io `auth.token`, or the deprecated `token` query parameter. */
function handshakeToken(socket: RelaySocket, logger: Logger): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown } | undefined;
  return tokenOrDeprecatedQuery(auth?.token, socket.handshake.query.token, "frames", logger);
}

/** Close a socket.io connection's WebSocket with a close code (socket.io itself only has 1000/1001). */
function closeWebSocket(socket: RelaySocket, code: number, reason: string): WebSocketInternals | undefined {
  const ws = (socket.conn.transport as unknown as { socket?: WebSocketInternals }).socket;
  try {
    ws?.close(code, reason);
  } catch {
    // Already closed.
  }
  return ws;
}

function forbidden(role: Role, what: string): PublishResult & SubscribeResult {
  return { ok: false, code: ErrorCode.Forbidden, message: `a ${role} token cannot ${what}` };
}
