import { randomBytes } from "node:crypto";
import type { AdminNotice } from "@depthroom/schema";
import type { RelayExtension } from "./extension.ts";

/*
 * Admin notices (`POST /api/admin/notices`): a short text from the relay's operator to every frame
 * socket (viewers and producers) of every node, or to one session's. The node that takes the request
 * delivers it to its own sockets and hands it to the cluster bus, whose other nodes deliver it to
 * theirs. A notice with a time to live stays active: sockets that connect before it expires get it
 * right after `welcome`. Each node keeps at most MAX_ACTIVE active notices (the oldest go first).
 */

/** The sockets of one node, as the notices need them (the socket.io server of FrameServer). */
export interface NoticeSockets {
  /** Every connected frame socket with its session. */
  each(visit: (session: string, emit: (notice: AdminNotice) => void) => void): void;
}

const MAX_ACTIVE = 64;

export class AdminNotices implements RelayExtension {
  readonly name = "notices";
  readonly #active: AdminNotice[] = [];

  constructor(
    private readonly sockets: NoticeSockets,
    private readonly broadcast: ((notice: AdminNotice) => void) | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new notice from this node's API: deliver it here and to the other nodes. */
  post(request: {
    text: string;
    level: AdminNotice["level"];
    session?: string | undefined;
    ttlMs?: number | undefined;
  }): AdminNotice {
    const at = this.now();
    const notice: AdminNotice = {
      id: randomBytes(9).toString("base64url"),
      text: request.text,
      level: request.level,
      at,
      ...(request.session !== undefined ? { session: request.session } : {}),
      ...(request.ttlMs !== undefined ? { expiresAt: at + request.ttlMs } : {}),
    };
    this.deliver(notice);
    this.broadcast?.(notice);
    return notice;
  }

  /** A notice for this node's sockets (from its API or, validated, from the bus); returns how many got it. */
  deliver(notice: AdminNotice): number {
    if (notice.expiresAt !== undefined) {
      if (notice.expiresAt <= this.now()) return 0;
      this.#active.push(notice);
      if (this.#active.length > MAX_ACTIVE) this.#active.shift();
    }
    let delivered = 0;
    this.sockets.each((session, emit) => {
      if (notice.session !== undefined && notice.session !== session) return;
      emit(notice);
      delivered++;
    });
    return delivered;
  }

  /** A frame socket of `session` connected: the notices still active, oldest first. */
  onFrameSocket(session: string, emitNotice: (notice: AdminNotice) => void): void {
    for (const notice of this.activeFor(session)) emitNotice(notice);
  }

  /** The active notices a socket of `session` that just connected should get, oldest first. */
  activeFor(session: string): AdminNotice[] {
    const now = this.now();
    for (let i = this.#active.length - 1; i >= 0; i--) {
      if ((this.#active[i]?.expiresAt ?? 0) <= now) this.#active.splice(i, 1);
    }
    return this.#active.filter((notice) => notice.session === undefined || notice.session === session);
  }
}
