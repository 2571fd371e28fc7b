import { describe, expect, it } from "vitest";
import { TrustedProxies } from "./clientAddress.ts";

describe("TrustedProxies.clientAddress", () => {
  it("is the socket's peer when nobody is trusted, whatever the header says", () => {
    const none = new TrustedProxies();
    expect(none.clientAddress("203.0.113.9", "198.51.100.1")).toBe("203.0.113.9");
    expect(none.clientAddress("::ffff:127.0.0.1", undefined)).toBe("127.0.0.1");
  });

  it("walks X-Forwarded-For from the right past trusted proxies only", () => {
    const proxies = new TrustedProxies("127.0.0.1, 10.0.0.2");
    expect(proxies.size).toBe(2);
    // nginx on loopback appended the client it saw.
    expect(proxies.clientAddress("::ffff:127.0.0.1", "198.51.100.7")).toBe("198.51.100.7");
    // A client-forged prefix stops at the first untrusted hop from the right.
    expect(proxies.clientAddress("127.0.0.1", "1.2.3.4, 198.51.100.7, 10.0.0.2")).toBe("198.51.100.7");
    // Only trusted hops: the peer stands in.
    expect(proxies.clientAddress("127.0.0.1", "10.0.0.2")).toBe("127.0.0.1");
    // Garbage in the header: the peer, not the garbage.
    expect(proxies.clientAddress("127.0.0.1", "not-an-ip")).toBe("127.0.0.1");
    // An untrusted peer's header is ignored.
    expect(proxies.clientAddress("203.0.113.9", "198.51.100.7")).toBe("203.0.113.9");
  });

  it("refuses a configuration entry that is not an IP address, naming it", () => {
    expect(() => new TrustedProxies("127.0.0.1,proxy.local")).toThrow(/proxy\.local/);
  });
});
