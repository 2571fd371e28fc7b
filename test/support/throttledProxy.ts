import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy to `target` that forwards client-to-target bytes at most `bytesPerSecond`. */
export async function throttledProxy(
  target: URL,
  bytesPerSecond: number,
): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    sockets.add(client).add(upstream);
    let freeAt = performance.now();
    client.on("data", (chunk: Buffer) => {
      upstream.write(chunk);
      const now = performance.now();
      freeAt = Math.max(freeAt, now) + (chunk.length / bytesPerSecond) * 1000;
      if (freeAt > now + 5) {
        client.pause();
        setTimeout(() => client.resume(), freeAt - now);
      }
    });
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, server, sockets };
}
