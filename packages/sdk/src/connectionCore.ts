import {
  errorCodeRule,
  firstIssue,
  RELAY_PROTOCOL_VERSION,
  type Refusal,
  RefusalSchema,
  type Welcome,
  WelcomeSchema,
} from "@depthroom/schema";
import { isPermanent, SdkError, SdkErrorCode } from "./errors.ts";

/*
 * The connection's decisions, without a socket: what each socket event does to the connection state,
 * whether a refusal is final or worth another try, and when the first connection has taken too long.
 * A reducer: `step(input)` updates the state and says what the adapter (connection.ts, socket.io) must
 * do. socket.io retries network failures on its own; after a refusal or a server-side disconnect it does
 * not, so those come back as `retry-later`.
 */

export type ConnectionState =
  /** Opening the first connection. */
  | "connecting"
  /** Welcomed by the relay; messages flow. */
  | "connected"
  /** Lost the connection; trying again on its own. */
  | "reconnecting"
  /** Closed for good: by `close()`, or after a refusal that retrying cannot fix (see `error`). */
  | "closed";

export type ConnectionInput =
  /** socket.io's `connect_error`: `data` is the relay's refusal for a refused handshake. */
  | { readonly type: "connect-error"; readonly message: string; readonly data: unknown }
  | { readonly type: "welcome"; readonly welcome: unknown }
  | { readonly type: "disconnect"; readonly reason: string }
  /** The first connection did not open within the connect timeout. */
  | { readonly type: "open-timeout"; readonly relayUrl: string; readonly timeoutMs: number }
  /** This side closes. */
  | { readonly type: "close" };

export type ConnectionEffect =
  | { readonly type: "none" }
  | { readonly type: "welcomed"; readonly welcome: Welcome; readonly reconnect: boolean }
  /** Connect again after the retry delay: socket.io will not on its own. */
  | { readonly type: "retry-later" }
  /** Closed for good by a failure: stop the socket, reject whoever waits for the first welcome. */
  | { readonly type: "failed"; readonly error: SdkError }
  /** Closed by this side. */
  | { readonly type: "closed" };

const NONE: ConnectionEffect = { type: "none" };

export class ConnectionCore {
  state: ConnectionState = "connecting";
  /** Why the connection closed, when a failure closed it. */
  failure: SdkError | undefined;
  /** Accepted handshakes: the first and every reconnection. */
  welcomes = 0;
  /** The latest connect error, said when the first connection times out. */
  lastConnectError = "";

  step(input: ConnectionInput): ConnectionEffect {
    if (this.state === "closed") return NONE;
    switch (input.type) {
      case "connect-error": {
        const refusal = readRefusal(input.data);
        if (!refusal) {
          // A network-level failure: socket.io retries on its own.
          this.lastConnectError = input.message;
          if (this.welcomes > 0) this.state = "reconnecting";
          return NONE;
        }
        this.lastConnectError = `${refusal.code}: ${refusal.message}`;
        if (isPermanent(refusal.code)) return this.fail(new SdkError(refusal.code, refusalSentence(refusal)));
        // A refusal that may pass (going away, too many sessions, internal): try again later.
        if (this.welcomes > 0) this.state = "reconnecting";
        return { type: "retry-later" };
      }
      case "welcome": {
        // The version first: another version's welcome may have another shape.
        const version = (input.welcome as { protocolVersion?: unknown } | null)?.protocolVersion;
        if (typeof version === "number" && version !== RELAY_PROTOCOL_VERSION) {
          return this.fail(
            new SdkError(
              SdkErrorCode.VersionMismatch,
              `the relay speaks protocol ${version}, this SDK ${RELAY_PROTOCOL_VERSION}`,
            ),
          );
        }
        const parsed = WelcomeSchema.safeParse(input.welcome);
        if (!parsed.success) {
          const { message, field } = firstIssue(parsed.error);
          return this.fail(
            new SdkError(SdkErrorCode.BadMessage, `the relay sent a malformed welcome: ${message}`, field),
          );
        }
        const welcome = parsed.data;
        this.welcomes++;
        this.state = "connected";
        return { type: "welcomed", welcome, reconnect: this.welcomes > 1 };
      }
      case "disconnect":
        this.state = "reconnecting";
        // The relay closed this socket on purpose: socket.io will not reconnect by itself.
        return input.reason === "io server disconnect" ? { type: "retry-later" } : NONE;
      case "open-timeout": {
        if (this.welcomes > 0) return NONE;
        const why = this.lastConnectError ? ` (${this.lastConnectError})` : "";
        const seconds = Math.round(input.timeoutMs / 100) / 10;
        return this.fail(
          new SdkError(
            SdkErrorCode.RelayUnreachable,
            `relay unreachable: no answer from ${input.relayUrl} within ${seconds} s${why}`,
          ),
        );
      }
      case "close":
        this.state = "closed";
        return { type: "closed" };
      default:
        return input satisfies never;
    }
  }

  private fail(error: SdkError): ConnectionEffect {
    this.failure = error;
    this.state = "closed";
    return { type: "failed", error };
  }
}

/** The relay's refusal in a payload, if it is one (the schema's `RefusalSchema`). */
export function readRefusal(x: unknown): Refusal | undefined {
  const parsed = RefusalSchema.safeParse(x);
  return parsed.success ? parsed.data : undefined;
}

function refusalSentence(refusal: Refusal): string {
  const prefix = `refused: ${errorCodeRule(refusal.code)?.text ?? refusal.code}`;
  return refusal.message ? `${prefix}: ${refusal.message}` : prefix;
}
