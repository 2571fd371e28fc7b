import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import {
  CloseCode,
  DOC_SUBPROTOCOL,
  ErrorCode,
  type ErrorCode as ErrorCodeType,
  isSessionId,
  tokenFromProtocols,
} from "@depthroom/schema";
import { docs, setPersistence, setupWSConnection, type WSSharedDoc } from "@y/websocket-server/utils";
import { type WebSocket, WebSocketServer } from "ws";
import * as Y from "yjs";
import {
  type Admission,
  admit,
  can,
  closeCodeFor,
  fetchSessionOfToken,
  tokenOrDeprecatedQuery,
  whenExpired,
} from "./access.ts";
import { type AddressBudget, AddressLimits } from "./addressLimits.ts";
import { AwarenessOwners } from "./awarenessBinding.ts";
import { TrustedProxies } from "./clientAddress.ts";
import {
  type AwarenessEntry,
  awarenessMessage,
  type DocMessage,
  MESSAGE_AWARENESS_TYPE,
  peekDocMessageType,
  permissionDeniedMessage,
  readDocMessage,
  updateChangesDoc,
} from "./docMessages.ts";
import { DocumentSizeCap } from "./documentSizeCap.ts";
import { type RelayLimits, TokenBucket } from "./limits.ts";
import { guardListeners } from "./listenerGuard.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import type { RelayStore } from "./store.ts";
import type { TokenSigner } from "./tokens.ts";

/*
 * Collaboration docs on `/yjs/<session>?token=...`: the y-websocket protocol served by
 * @y/websocket-server, behind a guard. The guard admits the connection (token of this session, a role
 * that may read docs), parses every incoming message completely, and keeps read-only (view) clients
 * from writing: their document updates are dropped and answered with y-protocols' "permission denied"
 * (reason `read-only: ...`); the connection stays open so they keep reading. Awareness (presence,
 * pointers, camera poses) is allowed for every role that may read, bound to its connection: a
 * connection sets and removes only its own clientID's state, and only valid states
 * (awarenessBinding.ts).
 *
 * @y/websocket-server keeps its documents and persistence hook in module globals; each relay owns the
 * documents named `<relay tag>.<session id>`, and the hook installed here routes to the owning relay.
 */

const owners = new Map<string, DocServer>();
const LOADED_FROM_STORE = Symbol("loaded from store");

function installPersistenceRouter(): void {
  setPersistence({
    provider: null,
    bindState: (docName: string, doc: WSSharedDoc) => {
      const [tag, session] = docName.split(".");
      owners.get(tag as string)?.bindDoc(session as string, doc);
    },
    writeState: async (docName: string, doc: WSSharedDoc) => {
      const [tag, session] = docName.split(".");
      await owners.get(tag as string)?.compactDoc(session as string, doc);
    },
  });
}

/** What @y/websocket-server sees as its socket: only the messages the guard let through. */
class GuardedSocket extends EventEmitter {
  binaryType = "arraybuffer";

  constructor(readonly ws: WebSocket) {
    super();
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  send(data: Uint8Array, options: object, callback?: (error?: Error) => void): void {
    this.ws.send(data, options, callback);
  }

  ping(): void {
    this.ws.ping();
  }

  close(code?: number, reason?: string): void {
    this.ws.close(code, reason);
  }
}

export interface DocServerDeps {
  readonly signer: TokenSigner;
  readonly registry: SessionRegistry;
  readonly store: RelayStore;
  readonly limits: RelayLimits;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  /** Rooms other than sessions (a recording's review room `rec-<id>`): admitted here, or undefined. */
  readonly admitRoom?: (room: string, token: string | null) => Admission | undefined;
  /** A document was loaded into memory (a client opened it), e.g. to watch the relay-written parts. */
  readonly docBound?: (room: string, doc: Y.Doc) => void;
  /** Scale-out: this node's id, sent as `X-Depthroom-Node` on every accepted upgrade. */
  readonly node?: string;
  /** Scale-out: a connection of this session was admitted (the cluster bus claims the session). */
  readonly admitted?: (session: string) => void;
  /** Proxies whose `X-Forwarded-For` names the client (per-address limits); none by default. */
  readonly trustedProxies?: TrustedProxies;
}

export class DocServer {
  readonly tag = randomBytes(6).toString("base64url");
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<WebSocket>();
  /** The session of each admitted socket. */
  readonly #sessionOf = new Map<WebSocket, string>();
  readonly #pendingWrites = new Set<Promise<void>>();
  /** Documents whose stored state is still loading (connections hold their messages until then). */
  readonly #loading = new WeakMap<Y.Doc, Promise<void>>();
  /** Which connection owns which awareness clientID, per document. */
  readonly #awarenessOwners = new WeakMap<Y.Doc, AwarenessOwners<WebSocket>>();
  #closing = false;
  /** Updates that would make a document larger than `limits.maxDocumentBytes` are refused. */
  readonly #sizeCap: DocumentSizeCap;
  /** Message and awareness-byte rates per client address, over all its connections. */
  readonly #addressLimits: AddressLimits;
  readonly #trustedProxies: TrustedProxies;

  constructor(private readonly deps: DocServerDeps) {
    this.#sizeCap = new DocumentSizeCap(deps.limits.maxDocumentBytes);
    this.#addressLimits = new AddressLimits({
      messages: deps.limits.maxDocMessagesPerSecondPerAddress,
      awarenessBytes: deps.limits.maxAwarenessBytesPerSecondPerAddress,
    });
    this.#trustedProxies = deps.trustedProxies ?? new TrustedProxies();
    if (owners.size === 0) installPersistenceRouter();
    owners.set(this.tag, this);
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: deps.limits.maxDocMessageBytes,
      // A client that carries its token as a subprotocol offers ours too: answer that one, never the token.
      handleProtocols: (protocols) => (protocols.has(DOC_SUBPROTOCOL) ? DOC_SUBPROTOCOL : false),
    });
    deps.registry.onEnded((id, end) => {
      void this.closeRoom(id, ErrorCode.SessionNotFound, `the session was ${end}`);
    });
    const node = deps.node;
    if (node) this.#wss.on("headers", (headers) => headers.push(`X-Depthroom-Node: ${node}`));
  }

  /** Take an HTTP upgrade for `/yjs/<session>`; refusals are sent as close codes after the upgrade. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const { signer, registry, logger } = this.deps;
    const offered = req.headers["sec-websocket-protocol"];
    const token = tokenOrDeprecatedQuery(
      typeof offered === "string" ? tokenFromProtocols(offered.split(",")) : undefined,
      url.searchParams.get("token"),
      "doc",
      logger,
    );
    const upgrade = () =>
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws, req, url, token ?? null));
    const session = safeDecode(url.pathname.slice("/yjs/".length));
    const fetching = fetchSessionOfToken(signer, registry, session, token);
    if (!fetching) {
      upgrade();
      return;
    }
    fetching.then(upgrade, (error: unknown) => {
      logger.error("session lookup failed", { error: String(error) });
      upgrade();
    });
  }

  #accept(ws: WebSocket, req: IncomingMessage, url: URL, token: string | null): void {
    const { logger, metrics } = this.deps;
    // No handler of this socket may throw into the process: a failure is logged, the socket cut.
    guardListeners(ws, (event, error) => {
      metrics.reject(ErrorCode.Internal);
      logger.error("doc socket handler failed", {
        event,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      ws.terminate();
    });
    ws.on("error", (error) => logger.warn("doc socket error", { error: error.message }));
    if (this.#closing) {
      ws.close(CloseCode.GoingAway, ErrorCode.GoingAway);
      return;
    }
    const session = safeDecode(url.pathname.slice("/yjs/".length));
    const admission =
      this.deps.admitRoom?.(session, token) ?? admit(this.deps.signer, this.deps.registry, session, token);
    if (!admission.ok) {
      this.#refuse(ws, admission.code, admission.message, session);
      return;
    }
    if (!can(admission.role, "read-doc")) {
      this.#refuse(ws, ErrorCode.Forbidden, `a ${admission.role} token cannot open the document`, session);
      return;
    }
    const sessionId = admission.record.id;
    const readOnly = !can(admission.role, "write-doc");
    const docName = `${this.tag}.${sessionId}`;
    const conn = new GuardedSocket(ws);
    const { limits } = this.deps;
    const rate = limits.maxDocMessagesPerSecond;
    const bucket = new TokenBucket(rate, rate * 2, Date.now());
    const awarenessRate = limits.maxAwarenessBytesPerSecond;
    const awarenessBytes = new TokenBucket(awarenessRate, awarenessRate * 2, Date.now());
    const address = this.#trustedProxies.clientAddress(
      req.socket.remoteAddress,
      req.headers["x-forwarded-for"],
    );
    const perAddress: AddressBudget = this.#addressLimits.acquire(address);
    this.#sockets.add(ws);
    this.#sessionOf.set(ws, sessionId);
    metrics.docConnections++;
    // Sessions (not review rooms) are held open while a document connection is.
    const unhold = this.deps.registry.get(sessionId) ? this.deps.registry.hold(sessionId) : () => {};
    const cancelExpiry = whenExpired(admission.exp, () =>
      this.#refuse(ws, ErrorCode.TokenExpired, "the token expired", sessionId),
    );
    ws.on("close", () => {
      cancelExpiry();
      unhold();
      perAddress.release();
      const doc = docs.get(docName);
      if (doc) this.#awarenessOwners.get(doc)?.release(ws);
      this.#sockets.delete(ws);
      this.#sessionOf.delete(ws);
      metrics.docConnections--;
      conn.emit("close");
    });
    ws.on("pong", () => conn.emit("pong"));
    let held: { message: DocMessage; data: Buffer }[] | null = null;
    /** Drop reasons already logged for this connection. */
    const logged = new Set<string>();
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return this.#refuse(ws, ErrorCode.BadMessage, "text message", sessionId);
      // Rates and sizes first: nothing is parsed for a message over its budget.
      const now = Date.now();
      if (!bucket.take(now)) {
        return this.#refuse(ws, ErrorCode.RateLimited, `more than ${rate} document messages/s`, sessionId);
      }
      if (!perAddress.take("messages")) {
        return this.#refuse(
          ws,
          ErrorCode.RateLimited,
          `more than ${limits.maxDocMessagesPerSecondPerAddress} document messages/s from this address`,
          sessionId,
        );
      }
      if (peekDocMessageType(data) === MESSAGE_AWARENESS_TYPE) {
        if (data.byteLength > awarenessBytes.capacity) {
          return this.#refuse(
            ws,
            ErrorCode.MessageTooLarge,
            `awareness message of ${data.byteLength} bytes (at most ${awarenessBytes.capacity})`,
            sessionId,
          );
        }
        if (
          !awarenessBytes.take(now, data.byteLength) ||
          !perAddress.take("awarenessBytes", data.byteLength)
        ) {
          this.#awarenessDropped(sessionId, "rate", 1, logged);
          return;
        }
      }
      const check = readDocMessage(data, limits.maxAwarenessStateBytes);
      if (!check.ok) return this.#refuse(ws, ErrorCode.BadMessage, check.reason, sessionId);
      // Until the stored state is loaded, hold the messages: answered now, a client's sync step 1
      // would get an empty document and the client would report "synced" without the stored state.
      if (held) held.push({ message: check.message, data });
      else deliver(check.message, data);
    });
    const deliver = (message: DocMessage, data: Buffer) => {
      if (readOnly && (message.type === "sync-step2" || message.type === "update")) {
        const doc = docs.get(docName);
        if (doc && updateChangesDoc(doc, message.update)) {
          metrics.docUpdatesRefused++;
          metrics.reject(ErrorCode.ReadOnly);
          logger.info("doc update refused", { session: sessionId, code: ErrorCode.ReadOnly });
          conn.send(
            permissionDeniedMessage(`${ErrorCode.ReadOnly}: a view token cannot change the document`),
            {},
          );
        }
        return;
      }
      if (
        (message.type === "sync-step2" || message.type === "update") &&
        !this.#admitSize(docName, message)
      ) {
        metrics.reject(ErrorCode.DocumentTooLarge);
        logger.warn("doc update refused", { session: sessionId, code: ErrorCode.DocumentTooLarge });
        const cap = this.#sizeCap.maxBytes;
        conn.send(
          permissionDeniedMessage(
            `${ErrorCode.DocumentTooLarge}: the document would pass its ${cap}-byte cap`,
          ),
          {},
        );
        return;
      }
      if (message.type === "awareness") {
        const forwarded = this.#bindAwareness(ws, docName, sessionId, message.entries, data, logged);
        if (forwarded) conn.emit("message", forwarded);
        return;
      }
      conn.emit("message", data);
    };
    setupWSConnection(conn as unknown as WebSocket, req, { docName });
    const loading = this.#loading.get(docs.get(docName) as Y.Doc);
    if (loading) {
      const queue: { message: DocMessage; data: Buffer }[] = [];
      held = queue;
      void loading.then(() => {
        held = null;
        if (ws.readyState !== ws.OPEN) return;
        for (const { message, data } of queue) deliver(message, data);
      });
    }
    logger.debug("doc connected", { session: sessionId, role: admission.role });
    this.deps.admitted?.(sessionId);
  }

  /**
   * The awareness message to hand to @y/websocket-server: the entries this connection may apply, or
   * undefined when none is left. Drops are counted, and logged once per connection and reason.
   */
  #bindAwareness(
    ws: WebSocket,
    docName: string,
    session: string,
    entries: readonly AwarenessEntry[],
    data: Uint8Array,
    logged: Set<string>,
  ): Uint8Array | undefined {
    const doc = docs.get(docName);
    if (!doc) return undefined;
    let owners = this.#awarenessOwners.get(doc);
    if (!owners) {
      owners = new AwarenessOwners(this.deps.limits);
      this.#awarenessOwners.set(doc, owners);
    }
    const result = owners.filter(ws, entries);
    for (const reason of ["foreign", "invalid"] as const) {
      if (result[reason] > 0)
        this.#awarenessDropped(session, reason, result[reason], logged, result.firstDropped);
    }
    if (result.kept.length === 0) return undefined;
    return result.kept.length === entries.length ? data : awarenessMessage(result.kept);
  }

  /** Count dropped awareness entries (a whole message for "rate"); log once per connection and reason. */
  #awarenessDropped(
    session: string,
    reason: "foreign" | "invalid" | "rate",
    count: number,
    logged: Set<string>,
    clientID?: number,
  ): void {
    this.deps.metrics.awarenessDrop(reason, count);
    if (logged.has(reason)) return;
    logged.add(reason);
    // Old y-websocket providers re-send their peers' states routinely: foreign entries are info.
    this.deps.logger[reason === "foreign" ? "info" : "warn"]("awareness entries dropped", {
      session,
      reason:
        reason === "foreign"
          ? "clientID owned by another connection (or beyond this connection's own)"
          : reason === "invalid"
            ? "state fails the awareness schema or size bound"
            : "awareness bytes/s over the connection's or the address's rate",
      ...(clientID !== undefined ? { clientID } : {}),
    });
  }

  #admitSize(docName: string, message: { readonly update: Uint8Array }): boolean {
    const doc = docs.get(docName);
    return !doc || this.#sizeCap.admit(doc, message.update.byteLength);
  }

  /** Doc connections per session (scale-out presence). */
  connectionsBySession(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const session of this.#sessionOf.values()) counts.set(session, (counts.get(session) ?? 0) + 1);
    return counts;
  }

  /** Close a session's doc connections with "going away" (it moved to another node); returns how many. */
  releaseSession(session: string): number {
    let closed = 0;
    for (const [ws, of] of this.#sessionOf) {
      if (of !== session) continue;
      ws.close(CloseCode.GoingAway, ErrorCode.GoingAway);
      closed++;
    }
    return closed;
  }

  #refuse(ws: WebSocket, code: ErrorCodeType, message: string, session: unknown): void {
    this.deps.metrics.reject(code);
    this.deps.logger.info("doc connection refused", {
      session: typeof session === "string" ? session.slice(0, 40) : undefined,
      code,
      reason: message,
    });
    // Close reasons are limited to 123 bytes.
    ws.close(closeCodeFor(code), `${code}: ${message}`.slice(0, 120));
  }

  /** Persistence hook: load the stored updates into a fresh document and log every later update. */
  bindDoc(session: string, doc: WSSharedDoc): void {
    const { store, logger } = this.deps;
    doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin === LOADED_FROM_STORE || this.#ended(session)) return;
      this.#track(store.appendDocUpdate(session, update), session);
    });
    const load = async () => {
      const updates = await store.loadDoc(session);
      if (updates.length === 0) return;
      Y.applyUpdate(
        doc,
        updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates),
        LOADED_FROM_STORE,
      );
      // Compaction on load: many small updates become one.
      if (updates.length > 1) await store.writeDocState(session, Y.encodeStateAsUpdate(doc));
    };
    const loading = this.#track(load(), session);
    this.#loading.set(doc, loading);
    void loading.then(() => this.#loading.delete(doc));
    logger.debug("doc loaded", { session });
    this.deps.docBound?.(session, doc);
  }

  /** A room's document if a client has it open (a session id, or `rec-<id>`). */
  liveDoc(room: string): Y.Doc | undefined {
    return docs.get(`${this.tag}.${room}`);
  }

  /** Close every connection to a room with `code` and wait until its document is stored and dropped. */
  async closeRoom(room: string, code: ErrorCodeType, message: string): Promise<void> {
    const doc = docs.get(`${this.tag}.${room}`);
    if (!doc) return;
    const sockets = [...doc.conns.keys()].map((conn) => (conn as unknown as GuardedSocket).ws);
    await Promise.all(
      sockets.map((ws) => closeWithin(ws, closeCodeFor(code), `${code}: ${message}`.slice(0, 120))),
    );
    while (this.#pendingWrites.size > 0) await Promise.all([...this.#pendingWrites]);
  }

  /** Persistence hook (last client left, or shutdown): store the document as one state update. */
  compactDoc(session: string, doc: Y.Doc): Promise<void> {
    if (this.#ended(session)) return Promise.resolve();
    return this.#track(this.deps.store.writeDocState(session, Y.encodeStateAsUpdate(doc)), session);
  }

  /** A session that was deleted or expired while its document was open: nothing more is stored. */
  #ended(room: string): boolean {
    return isSessionId(room) && this.deps.registry.get(room) === undefined && !this.deps.registry.fetches;
  }

  #track(write: Promise<void>, session: string): Promise<void> {
    const tracked = write.catch((error: unknown) => {
      this.deps.logger.error("doc persistence failed", { session, error: String(error) });
    });
    this.#pendingWrites.add(tracked);
    void tracked.finally(() => this.#pendingWrites.delete(tracked));
    return tracked;
  }

  /** Close every doc socket with "going away", persist every document, and stop routing to this relay. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      [...this.#sockets].map((ws) => closeWithin(ws, CloseCode.GoingAway, ErrorCode.GoingAway)),
    );
    for (const [name, doc] of docs) {
      if (!name.startsWith(`${this.tag}.`)) continue;
      await this.compactDoc(name.slice(this.tag.length + 1), doc);
      docs.delete(name);
      doc.destroy();
    }
    while (this.#pendingWrites.size > 0) await Promise.all([...this.#pendingWrites]);
    this.#wss.close();
    owners.delete(this.tag);
  }
}

/** Close `ws` with `code` and `reason`; resolves once it is closed, cut after 1 s without the close handshake. */
function closeWithin(ws: WebSocket, code: number, reason: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 1000);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(code, reason);
  });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
