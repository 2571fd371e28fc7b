// What a source offers, without a session: connect, take its advertisements, listen to what would be
// bridged for a moment (to learn frames, image sizes, cameras, problems), disconnect. For `--list`.

import { SessionMapper, type TopicStats } from "./mapper.ts";
import { FoxgloveSource } from "./source.ts";

export interface SurveyOptions {
  readonly url: string;
  readonly topics?: readonly string[];
  /** How long to listen to the bridged topics; default 2 s. */
  readonly listenMs?: number;
  readonly connectTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface Survey {
  readonly server: string;
  readonly subprotocol: string;
  readonly topics: TopicStats[];
}

/** Rejects with `BridgeError` (bad-source-url, source-unreachable, source-refused). */
export async function surveyFoxglove(options: SurveyOptions): Promise<Survey> {
  const source = new FoxgloveSource(options.url, {
    connectTimeoutMs: options.connectTimeoutMs,
  });
  const mapper = new SessionMapper({ topics: options.topics });
  let server = "";
  let subprotocol = "";
  source.on("serverInfo", (info) => {
    server = info.name;
    subprotocol = info.subprotocol;
  });
  source.on("advertise", (channels) => source.subscribe(mapper.advertise(channels)));
  source.on("unadvertise", (ids) => mapper.unadvertise(ids));
  source.on("message", (channelId, logTimeNs, payload) => {
    mapper.message(channelId, logTimeNs, payload);
  });
  try {
    await source.opened;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.listenMs ?? 2000);
      function done() {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", done);
        resolve();
      }
      options.signal?.addEventListener("abort", done, { once: true });
    });
    return { server, subprotocol, topics: mapper.topics() };
  } finally {
    source.close();
  }
}
