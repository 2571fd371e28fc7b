import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { ErrorCode, REVIEW_ROOM_PREFIX } from "@depthroom/schema";
import { TrustedProxies } from "./clientAddress.ts";
import type { RelayCluster } from "./clusterBus.ts";
import { DocServer } from "./docServer.ts";
import { RelayExtensions } from "./extension.ts";
import {
  adminTokenPath,
  FileStore,
  loadOrCreateFile,
  loadOrCreateSecret,
  writeSecretFile,
} from "./fileStore.ts";
import { FrameServer } from "./frameServer.ts";
import { createHttpHandler } from "./httpApi.ts";
import { guardRequest, guardUpgrade } from "./httpKit.ts";
import { type RelayLimits, resolveLimits } from "./limits.ts";
import { guardListeners } from "./listenerGuard.ts";
import { createLogger, type Logger, type LogLevel } from "./log.ts";
import { RelayMetrics } from "./metrics.ts";
import { AdminNotices } from "./notices.ts";
import { Recordings } from "./recordings.ts";
import { createRecordingsHttp } from "./recordingsHttp.ts";
import { SessionRegistry } from "./sessionRegistry.ts";
import type { RelayStore } from "./store.ts";
import { TokenSigner } from "./tokens.ts";

export interface RelayOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Where the secret, the session registry and the documents live. */
  readonly dataDir: string;
  /** The web app's URL, for session links. Default http://localhost:3000. */
  readonly webUrl?: string;
  /** The relay's URL as clients reach it, for session links. Default: the URL it listens on. */
  readonly publicUrl?: string;
  /** Token signing secret (>= 16 bytes); default: generated once and kept in `<dataDir>/secret`. */
  readonly secret?: string;
  readonly limits?: Partial<RelayLimits>;
  /** Default "info". */
  readonly logLevel?: LogLevel;
  /** Where log lines go (default stdout). */
  readonly logSink?: (line: string) => void;
  /** Another store than the embedded file store (e.g. PostgreSQL, or memory in tests). */
  readonly store?: RelayStore;
  /** Where recordings' .mcap files live (default `<dataDir>/recordings`); nodes of a cluster may share it. */
  readonly recordingsDir?: string;
  /** Largest MCAP file `POST /api/sessions/:id/recordings/import` accepts (default 8 GiB). */
  readonly maxImportBytes?: number;
  /** Scale-out: this node's id and the bus to the other nodes (clusterBus.ts); none for one relay. */
  readonly cluster?: RelayCluster;
  /**
   * The admin credential (`POST /api/admin/notices`, `Authorization: Bearer`), >= 16 characters.
   * Default: read from `<dataDir>/admin-token`, generated there once (mode 0600).
   */
  readonly adminToken?: string;
  /** Also write `adminToken` to `<dataDir>/admin-token` (several nodes: the token shared through PostgreSQL). */
  readonly writeAdminToken?: boolean;
  /** `POST /api/sessions` only with this token (`Authorization: Bearer`), >= 16 characters; none: open. */
  readonly createToken?: string;
  /** Reverse proxies (IP addresses) whose `X-Forwarded-For` names the client, for per-address limits. */
  readonly trustedProxies?: string | readonly string[];
}

export interface RunningRelay {
  /** e.g. http://127.0.0.1:8787 */
  readonly url: string;
  readonly port: number;
  readonly metrics: RelayMetrics;
  /** Persist, close every socket with "going away" (1001), stop listening. Idempotent. */
  close(): Promise<void>;
}

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const startedAt = Date.now();
  const host = options.host ?? "127.0.0.1";
  const webUrl = options.webUrl ?? "http://localhost:3000";
  const limits = resolveLimits(options.limits);
  const logger: Logger = createLogger(options.logLevel ?? "info", options.logSink);
  const store = options.store ?? (await FileStore.open(options.dataDir, { logger }));
  const secret =
    options.secret ?? (await loadOrCreateSecret(options.dataDir, () => randomBytes(32).toString("hex")));
  const signer = new TokenSigner(secret);
  const adminToken = await resolveAdminToken(options, logger);

  let registry: SessionRegistry | undefined;
  // Recordings, admin notices and the cluster bus plug in here (extension.ts).
  const extensions = new RelayExtensions(logger);
  const metrics = new RelayMetrics({
    sessions: () => registry?.size ?? 0,
    liveSessions: () => registry?.liveSize ?? 0,
    pendingFrames: () => registry?.pendingFrames() ?? 0,
  });
  registry = new SessionRegistry(store, limits, {
    accepted(bytes) {
      metrics.messagesIn++;
      metrics.bytesIn += bytes;
    },
    reject: (reason) => metrics.reject(reason),
    sent: (bytes) => metrics.sent(bytes),
    dropped: () => metrics.dropped(),
    tap: (session, bytes) => extensions.onPublish(session, bytes),
  });
  await registry.load();
  const recordings = new Recordings(
    {
      dir: options.recordingsDir ?? join(options.dataDir, "recordings"),
      nodeId: options.cluster?.nodeId,
      takeover: options.cluster,
    },
    { store, registry, signer, logger },
  );
  extensions.add(recordings);
  await recordings.open();

  let relayUrl = options.publicUrl ?? "";
  const { cluster } = options;
  const node = cluster?.nodeId;
  const notices = new AdminNotices(
    {
      each(visit) {
        for (const socket of frames.io.of("/").sockets.values()) {
          const session = socket.data.session;
          if (session) visit(session, (notice) => socket.emit("notice", notice));
        }
      },
    },
    cluster && ((notice) => cluster.broadcastNotice(notice)),
  );
  extensions.add(notices);
  if (cluster) extensions.add(cluster);
  const trustedProxies = new TrustedProxies(options.trustedProxies);
  if (options.createToken !== undefined && options.createToken.length < 16) {
    throw new RangeError("the create token needs at least 16 characters");
  }
  const api = createHttpHandler({
    signer,
    registry,
    metrics,
    logger,
    urls: () => ({ relayUrl, webUrl }),
    startedAt,
    node,
    admin: { token: adminToken, notices },
    limits,
    trustedProxies,
    ...(options.createToken !== undefined ? { createToken: options.createToken } : {}),
  });
  const recordingsApi = createRecordingsHttp({
    signer,
    registry,
    recordings,
    metrics,
    logger,
    urls: () => ({ relayUrl, webUrl }),
    maxImportBytes: options.maxImportBytes ?? 8 * 1024 ** 3,
  });
  const guarded = { logger, metrics };
  // Every listener is guarded (httpKit.ts): an unparsable target is refused, no exception escapes.
  const server = createServer(
    guardRequest(
      guarded,
      (req, res, url) => cluster?.handle(req, res) || recordingsApi(req, res, url) || api(req, res, url),
    ),
  );
  const frames = new FrameServer(server, { signer, registry, limits, metrics, logger, node });
  // After the handshake middleware, before the connection listeners add their handlers: none of them
  // may throw into the process; a socket whose handler failed is logged and disconnected.
  frames.io.use((socket, next) => {
    guardListeners(socket, (event, error) => {
      metrics.reject(ErrorCode.Internal);
      logger.error("frame socket handler failed", {
        session: socket.data.session,
        connection: socket.id,
        event: event.slice(0, 40),
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      socket.disconnect(true);
    });
    next();
  });
  // After FrameServer's own listener (which sends `welcome`): the notices still active.
  frames.io.on("connection", (socket) => {
    extensions.onFrameSocket(socket.data.session, (notice) => socket.emit("notice", notice));
  });
  const documents = new DocServer({
    signer,
    registry,
    store,
    limits,
    metrics,
    logger,
    node,
    trustedProxies,
    admitted: (session) => extensions.onAdmitted(session),
    admitRoom: (room, token) => extensions.admitRoom(room, token),
    docBound: (room, doc) => extensions.onDocLoaded(room, doc),
  });
  recordings.useDocuments(documents);
  cluster?.attach({ io: frames.io, documents, registry, notices, logger });
  server.on(
    "upgrade",
    guardUpgrade(guarded, (req, socket, head, url) => {
      if (url.pathname.startsWith("/socket.io/")) return; // engine.io's own upgrade listener takes it
      if (url.pathname.startsWith(`/yjs/${REVIEW_ROOM_PREFIX}`)) {
        // A recording's review room: its record is looked up first (the store is async).
        const room = url.pathname.slice("/yjs/".length);
        return extensions.prepareRoom(room).then(() => documents.handleUpgrade(req, socket, head, url));
      }
      if (url.pathname.startsWith("/yjs/")) return documents.handleUpgrade(req, socket, head, url);
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
    }),
  );
  // Node's parser refused the request (bad target characters, headers too large): a plain 400 (431),
  // as Node's default does, unless a response on that socket already started (never corrupt it).
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && error.code !== "ECONNRESET" && !inFlight?.headersSent) {
      const status =
        error.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    } else {
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  relayUrl ||= url;
  logger.info("listening", {
    url,
    publicUrl: relayUrl,
    webUrl,
    dataDir: options.dataDir,
    sessions: registry.size,
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info("shutting down", {});
      // Finish running recordings first: the red dot goes off in documents that are still open.
      await extensions.close();
      await documents.close();
      await frames.close();
      await extensions.destroy();
      registry.close();
      server.closeAllConnections();
      await store.close();
      logger.info("stopped", {});
    })();
    return closing;
  };
  return { url, port, metrics, close };
}

/** The admin token: given (and maybe written to the data directory), or `<dataDir>/admin-token`. */
async function resolveAdminToken(options: RelayOptions, logger: Logger): Promise<string> {
  const file = adminTokenPath(options.dataDir);
  if (options.adminToken === undefined) {
    const token = await loadOrCreateFile(file, () => randomBytes(32).toString("base64url"));
    logger.info("admin token", { file });
    return token;
  }
  if (options.adminToken.length < 16) throw new RangeError("the admin token needs at least 16 characters");
  if (options.writeAdminToken) {
    await writeSecretFile(file, options.adminToken);
    logger.info("admin token", { file, shared: true });
  } else {
    logger.info("admin token", { given: true });
  }
  return options.adminToken;
}
