/*
 * The socket-side counterpart of the HTTP kit's guard (httpKit.ts): every listener later added to an
 * emitter with `on` runs inside a catch, so a throwing (or rejecting) event handler is handed to `fail`
 * instead of reaching the process. socket.io calls its handlers from `process.nextTick` and ws from its
 * socket's data handler: a throw in either was uncaught. Install it before the listeners are added:
 * for frame sockets from a socket.io middleware (relay.ts), for doc sockets first thing in
 * `DocServer`'s accept.
 */

interface Listens {
  on(event: string, listener: (...args: never[]) => unknown): unknown;
}

export function guardListeners(target: Listens, fail: (event: string, error: unknown) => void): void {
  const on = target.on.bind(target) as (event: string, listener: (...args: unknown[]) => unknown) => unknown;
  (target as unknown as { on: typeof on }).on = (event, listener) =>
    on(event, (...args: unknown[]) => {
      try {
        const result = listener(...args);
        if (result instanceof Promise) result.catch((error: unknown) => fail(event, error));
      } catch (error) {
        fail(event, error);
      }
    });
}
