import { describe, expect, it } from "vitest";
import { DOC_SUBPROTOCOL, docSocketProtocols, tokenFromProtocols } from "./tokenTransport.ts";

describe("doc socket token subprotocol", () => {
  it("round-trips a token and finds nothing in other offers", () => {
    const token = "v1.eyJzaWQiOiJhIn0.abc-_DEF";
    const offered = docSocketProtocols(token);
    expect(offered[0]).toBe(DOC_SUBPROTOCOL);
    // A token is made of characters a subprotocol may hold (RFC 6455 / RFC 7230 tchar).
    expect(offered[1]).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/);
    expect(tokenFromProtocols(offered)).toBe(token);
    expect(tokenFromProtocols(" depthroom.v1, depthroom.token.x".split(","))).toBe("x");
    expect(tokenFromProtocols([DOC_SUBPROTOCOL])).toBeUndefined();
    expect(tokenFromProtocols(["depthroom.token."])).toBeUndefined();
  });
});
