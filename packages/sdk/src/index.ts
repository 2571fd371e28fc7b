// @depthroom/sdk: producer and subscriber clients for a Depthroom relay. Browser-safe (no node: imports);
// Node-only parts (PNG folders, the CLI) live behind `@depthroom/sdk/node`. Named exports only.

export {
  type AdminNotice,
  type AdminNoticeRequest,
  type CreateSessionResponse,
  DepthImage,
  type EntityInfo,
  type LogMessage,
  loadUpZstdDecoder,
  loadUpZstdEncoder,
  Pinhole,
  type ProducerEvent,
  type ProducerInfo,
  type Refusal,
  type SessionLinks,
  type TimePoint,
  Transform3D,
  type Welcome,
} from "@depthroom/schema";
export { type PostNoticeOptions, postNotice } from "./admin.ts";
export type { ConnectionOptions, ConnectionState } from "./connection.ts";
export { type DemoCamera, demoCameras, renderDemoDepth } from "./demoScene.ts";
export { AUTO_TRIAL_FRAMES, AutoDepthEncoding, type DepthEncodingOption } from "./depthEncodingChoice.ts";
export type { LogOptions } from "./encodeLog.ts";
export { isPermanent, SdkError, SdkErrorCode } from "./errors.ts";
export { LatestWinsQueue } from "./latestWins.ts";
export {
  connect,
  type ProducerOptions,
  type ProducerStats,
  RecordingStream,
  type RecordingStreamEvents,
} from "./producer.ts";
export {
  deleteRecording,
  describeRecording,
  downloadRecording,
  fetchLatestAt,
  fetchMeasurements,
  fetchRange,
  importRecording,
  listRecordings,
  type RecordingAccess,
  type RequestOptions,
  recordingAccess,
  startRecording,
  stopRecording,
} from "./recordings.ts";
export {
  type CreateSessionOptions,
  createSession,
  type DeleteSessionOptions,
  deleteSession,
  type FetchSessionLinksOptions,
  fetchSessionLinks,
} from "./session.ts";
export {
  type FrameInfo,
  type OnEnvelope,
  type OnMessage,
  type SubscribeOptions,
  Subscription,
  type SubscriptionEvents,
  type SubscriptionStats,
  subscribe,
} from "./subscriber.ts";
export { normalizeRelayUrl, type RelayTarget, type ResolvedTarget, resolveTarget } from "./target.ts";
