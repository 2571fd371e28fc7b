import { afterEach } from "vitest";

export type Cleanup = () => Promise<unknown> | unknown;

/**
 * The teardown list of the tests of the calling describe block: push a cleanup as each resource is
 * made; after each test they run last-made first, each awaited, and the list is emptied.
 */
export function cleanupsAfterEach(): Cleanup[] {
  const cleanups: Cleanup[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return cleanups;
}
