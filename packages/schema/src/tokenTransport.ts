/*
 * Where a capability token travels, so that no log line carries it: HTTP requests send it as
 * `Authorization: Bearer <token>`; frame sockets in socket.io's handshake `auth` payload
 * (`{ token }`); doc sockets (y-websocket, whose browser WebSocket can set no header) as a WebSocket
 * subprotocol: the client offers `depthroom.v1` and `depthroom.token.<token>` (a token's characters,
 * `[A-Za-z0-9._-]`, are valid there), the relay answers `depthroom.v1` and never echoes the token.
 * The `?token=` query form of relay versions before is still accepted for one version, with a warning.
 */

/** The subprotocol the relay selects on doc sockets. */
export const DOC_SUBPROTOCOL = "depthroom.v1";

const TOKEN_PROTOCOL_PREFIX = "depthroom.token.";

/** The subprotocols a doc socket offers: ours, and the one carrying the token. */
export function docSocketProtocols(token: string): string[] {
  return [DOC_SUBPROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
}

/** The token among offered subprotocols (a `Sec-WebSocket-Protocol` header's items), if any. */
export function tokenFromProtocols(protocols: Iterable<string>): string | undefined {
  for (const protocol of protocols) {
    const item = protocol.trim();
    if (item.startsWith(TOKEN_PROTOCOL_PREFIX) && item.length > TOKEN_PROTOCOL_PREFIX.length) {
      return item.slice(TOKEN_PROTOCOL_PREFIX.length);
    }
  }
  return undefined;
}
