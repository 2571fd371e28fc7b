import type { AdminNotice } from "@depthroom/schema";
import type * as Y from "yjs";
import type { Admission } from "./access.ts";
import type { Logger } from "./log.ts";

/*
 * Relay features beside the session core (recordings, the cluster bus, admin notices) plug in as
 * extensions with optional hooks, as Hocuspocus' do, instead of one-off callbacks wired in relay.ts.
 * `RelayExtensions` calls them in the order they were added:
 *   onPublish        every accepted message of a session, before fan-out (hot path: keep it short)
 *   prepareRoom      before the doc upgrade of a room that is not a session: an async lookup, so that
 *   admitRoom        can admit it synchronously (the first extension with an answer decides)
 *   onDocLoaded      a room's document was loaded into memory (a client opened it)
 *   onAdmitted       a frame or doc connection of a session was admitted on this node
 *   onFrameSocket    a frame socket of a session connected (after `welcome`): what to send it first
 *   close            the relay is shutting down, clients still connected: finish work (recordings
 *                    end, and the red dot goes off in documents that are still open)
 *   destroy          after the relay's servers closed: release connections (the cluster bus quits
 *                    Redis only then, as socket.io's adapter uses it until its server closes)
 * A hook that throws is logged with the extension's name and does not stop the others, nor the relay;
 * `close` and `destroy` hooks all run even when one fails.
 */

export interface RelayExtension {
  /** For logs. */
  readonly name: string;
  onPublish?(session: string, bytes: Uint8Array): void;
  prepareRoom?(room: string): Promise<void>;
  /** Admit a document room that is not a session; undefined when the room is not this extension's. */
  admitRoom?(room: string, token: string | null): Admission | undefined;
  onDocLoaded?(room: string, doc: Y.Doc): void;
  onAdmitted?(session: string): void;
  onFrameSocket?(session: string, emitNotice: (notice: AdminNotice) => void): void;
  close?(): Promise<void>;
  destroy?(): Promise<void>;
}

export class RelayExtensions {
  readonly #list: RelayExtension[] = [];

  constructor(private readonly logger: Logger) {}

  add(extension: RelayExtension): void {
    this.#list.push(extension);
  }

  onPublish(session: string, bytes: Uint8Array): void {
    for (const extension of this.#list) {
      if (extension.onPublish) this.#run(extension, "onPublish", () => extension.onPublish?.(session, bytes));
    }
  }

  async prepareRoom(room: string): Promise<void> {
    for (const extension of this.#list) {
      if (!extension.prepareRoom) continue;
      try {
        await extension.prepareRoom(room);
      } catch (error) {
        this.#failed(extension, "prepareRoom", error);
      }
    }
  }

  admitRoom(room: string, token: string | null): Admission | undefined {
    for (const extension of this.#list) {
      if (!extension.admitRoom) continue;
      let admission: Admission | undefined;
      this.#run(extension, "admitRoom", () => {
        admission = extension.admitRoom?.(room, token);
      });
      if (admission) return admission;
    }
    return undefined;
  }

  onDocLoaded(room: string, doc: Y.Doc): void {
    for (const extension of this.#list) {
      if (extension.onDocLoaded)
        this.#run(extension, "onDocLoaded", () => extension.onDocLoaded?.(room, doc));
    }
  }

  onAdmitted(session: string): void {
    for (const extension of this.#list) {
      if (extension.onAdmitted) this.#run(extension, "onAdmitted", () => extension.onAdmitted?.(session));
    }
  }

  onFrameSocket(session: string, emitNotice: (notice: AdminNotice) => void): void {
    for (const extension of this.#list) {
      if (extension.onFrameSocket) {
        this.#run(extension, "onFrameSocket", () => extension.onFrameSocket?.(session, emitNotice));
      }
    }
  }

  close(): Promise<void> {
    return this.#lifecycle("close");
  }

  destroy(): Promise<void> {
    return this.#lifecycle("destroy");
  }

  async #lifecycle(hook: "close" | "destroy"): Promise<void> {
    for (const extension of this.#list) {
      try {
        await extension[hook]?.();
      } catch (error) {
        this.#failed(extension, hook, error);
      }
    }
  }

  #run(extension: RelayExtension, hook: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#failed(extension, hook, error);
    }
  }

  #failed(extension: RelayExtension, hook: string, error: unknown): void {
    this.logger.error("extension hook failed", {
      extension: extension.name,
      hook,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
