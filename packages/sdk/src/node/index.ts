// @depthroom/sdk/node: the Node-only parts: depth PNG folders (TUM, 7-Scenes, plain) and the CLI entry.
// Named exports only.

export { main as runCli } from "../cli/main.ts";
export {
  type BridgeEvents,
  type BridgeOptions,
  type BridgeStats,
  bridgeFoxglove,
  FoxgloveBridge,
} from "../foxglove/bridge.ts";
export {
  BridgeError,
  BridgeErrorCode,
  BridgeMessageError,
  BridgeMessageProblem,
} from "../foxglove/errors.ts";
export { ROS_TIME, SessionMapper, type TopicStats } from "../foxglove/mapper.ts";
export { ROS2_SCHEMA_TEXT, type Ros2SchemaName } from "../foxglove/rosSchemas.ts";
export { SUBPROTOCOLS as FOXGLOVE_SUBPROTOCOLS } from "../foxglove/source.ts";
export {
  type DepthFolder,
  type DepthFolderLayout,
  type DepthFolderOptions,
  type DepthFrameRef,
  openDepthFolder,
  type Pose,
  readColorFrame,
  readDepthFrame,
} from "./depthFolder.ts";
export { InputError, type InputProblem } from "./inputError.ts";
export { type Intrinsics, parseIntrinsicsMatrix, parseOpen3dIntrinsics } from "./layouts/intrinsics.ts";
export { parsePoseMatrix, quaternionFromRotation } from "./layouts/sevenScenes.ts";
export {
  associateNearest,
  associatePoses,
  parseTumDepthList,
  parseTumGroundtruth,
  secondsToNs,
} from "./layouts/tum.ts";
export { checkDepthPngHeader, decodeDepthPng, type PngHeader, readPngHeader } from "./png.ts";
