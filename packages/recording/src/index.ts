// @depthroom/recording: Depthroom recordings as MCAP. Pure over byte sources and sinks (Node and
// browser); Node file helpers live in "@depthroom/recording/node". Named exports only.

export { type ChunkCompression, decompressHandlers } from "./compression.ts";
export { sanitizePath } from "./entityMapping.ts";
export { RecordingError, type RecordingErrorCode } from "./errors.ts";
export {
  EXPORT_TOPICS,
  exportFoxglove,
  type FoxgloveExportOptions,
  type FoxgloveExportProblem,
  type FoxgloveExportStats,
} from "./exportFoxglove.ts";
export {
  type ChannelInfo,
  channelInfo,
  logTimeOf,
  METADATA_END,
  METADATA_START,
  PROFILE,
  type RecordingInfo,
  type RecordingStats,
  WIRE_MESSAGE_ENCODING,
  WIRE_SCHEMA_ENCODING,
  WIRE_SCHEMA_NAME,
} from "./format.ts";
export {
  IMPORT_METER_KEY,
  type ImportedMessage,
  type ImportOptions,
  type ImportProblem,
  type ImportProblemCode,
  type ImportProgress,
  importMcap,
  importMcapAll,
  type McapImport,
  type SkippedChannel,
} from "./importMcap.ts";
export {
  blobSource,
  bytesSource,
  type MemorySink,
  memorySink,
  type RecordingSink,
  type RecordingSource,
} from "./io.ts";
export {
  type OpenRecordingOptions,
  openRecording,
  type RecordedMessage,
  type RecordingEntity,
  type RecordingReader,
} from "./recordingReader.ts";
export {
  createRecordingWriter,
  nowNs,
  type RecordingWriter,
  type RecordingWriterOptions,
} from "./recordingWriter.ts";
export { finishRecording, type RecoveryResult, recoverRecording } from "./recovery.ts";
export type { ScanEnd } from "./scan.ts";
