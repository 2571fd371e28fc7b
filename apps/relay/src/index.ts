// @depthroom/relay: one Node process, one HTTP port: socket.io frames, y-websocket docs, HTTP API.

export { type Action, can } from "./access.ts";
export {
  ClusterBus,
  type ClusterBusOptions,
  type ClusterStatus,
  type NodePresence,
  type RelayCluster,
} from "./clusterBus.ts";
export { type RelayExtension, RelayExtensions } from "./extension.ts";
export { FileStore } from "./fileStore.ts";
export { type FrameSink, type LatestWinsCounters, LatestWinsQueue } from "./latestWins.ts";
export { DEFAULT_LIMITS, type RelayLimits, resolveLimits } from "./limits.ts";
export { createLogger, type Logger, type LogLevel } from "./log.ts";
export { RelayMetrics } from "./metrics.ts";
export { fingerprint, PostgresStore, type PostgresStoreOptions } from "./postgresStore.ts";
export {
  MemoryRecordingCatalog,
  type RecordingCatalog,
  RecordingLogFile,
  type RecordingRecord,
} from "./recordingStore.ts";
export { Recordings, type RecordingsOptions } from "./recordings.ts";
export { type RelayOptions, type RunningRelay, startRelay } from "./relay.ts";
export { type ScaleOutEnv, scaleOutFromEnv } from "./scaleOut.ts";
export { LiveSession, type SessionCounters, type ViewerPort } from "./session.ts";
export { DocumentTooLargeError, MemoryStore, type RelayStore, type SessionRecord } from "./store.ts";
export { newSessionId, TokenSigner } from "./tokens.ts";
export { RELAY_VERSION } from "./version.ts";
