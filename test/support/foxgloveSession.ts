import type { CreateSessionResponse } from "@depthroom/schema";
import type { Cleanup } from "./cleanups.ts";
import { type FoxgloveSource, type FoxgloveSourceOptions, startFoxgloveSource } from "./foxgloveSource.ts";
import { relayWithSession } from "./relay.ts";

/* The start of every bridge test (kept out of foxgloveSource.ts, which a child process also loads). */

/** A relay with one session and a Foxglove source, both closed by `cleanups`. */
export async function sessionAndFoxgloveSource(
  cleanups: Cleanup[],
  options: FoxgloveSourceOptions = {},
): Promise<{ links: CreateSessionResponse["links"]; source: FoxgloveSource }> {
  const { links } = await relayWithSession(cleanups);
  const source = await startFoxgloveSource(options);
  cleanups.push(() => source.close());
  return { links, source };
}
