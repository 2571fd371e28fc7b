// The collaboration state of a session's Y.Doc: records, validators and accessors. See README.md.
export type {
  Annotation,
  AnnotationGeometry,
  AnnotationInput,
  AnnotationKind,
  AnnotationPatch,
  Comment,
  CommentInput,
  TimelineTime,
} from "./annotation.ts";
export {
  ANNOTATION_VERSION,
  AnnotationGeometrySchemas,
  AnnotationInputSchema,
  AnnotationPatchSchemas,
  AnnotationSchema,
  Box2dGeometrySchema,
  CommentInputSchema,
  CommentSchema,
  Pin3dGeometrySchema,
  Point2dGeometrySchema,
  TimelineTimeSchema,
} from "./annotation.ts";
export type { AnnotationsChange } from "./annotationDoc.ts";
export {
  addAnnotation,
  addComment,
  createAnnotationUndoManager,
  deleteAnnotation,
  getAnnotation,
  listAnnotations,
  observeAnnotations,
  updateAnnotation,
} from "./annotationDoc.ts";
export type { AwarenessPointer, AwarenessState } from "./awareness.ts";
export {
  AWARENESS_VERSION,
  AwarenessPointerSchema,
  AwarenessStateSchema,
  parseAwarenessState,
} from "./awareness.ts";
export type { CollabOrigin } from "./layout.ts";
export { CollabRoot, STATE_KEY } from "./layout.ts";
export type {
  Measurement,
  MeasurementInput,
  MeasurementKind,
  MeasurementPatch,
  MeasurementPoint,
  MeasurementValues,
} from "./measurement.ts";
export {
  MAX_MEASUREMENT_POINTS,
  MEASUREMENT_VERSION,
  MeasurementInputSchema,
  MeasurementKindSchema,
  MeasurementPatchSchema,
  MeasurementPointCounts,
  MeasurementPointSchema,
  MeasurementSchema,
  measure,
  measurementLabel,
} from "./measurement.ts";
export {
  addMeasurement,
  createMeasurementUndoManager,
  deleteMeasurement,
  getMeasurement,
  listMeasurements,
  observeMeasurements,
  updateMeasurement,
} from "./measurementDoc.ts";
export type { CollabMeta } from "./meta.ts";
export { CollabMetaSchema, getMeta, META_DEFAULTS, META_VERSION, setMeta } from "./meta.ts";
export type { PlaybackChange, PlaybackSource, PlaybackState } from "./playback.ts";
export {
  getPlayback,
  NS_PER_MS,
  PLAYBACK_VERSION,
  PlaybackRate,
  PlaybackSourceSchema,
  PlaybackStateSchema,
  playbackCursor,
  reanchorPlayback,
  setPlayback,
} from "./playback.ts";
export type { PresenterState, PresenterStateInput, PresenterView } from "./presenter.ts";
export {
  getPresenter,
  PRESENTER_VERSION,
  PresenterStateSchema,
  PresenterViewSchema,
  setPresenter,
} from "./presenter.ts";
export type { CameraPose, CollabUser } from "./primitives.ts";
export { CameraPoseSchema, CollabLimits, CollabUserSchema } from "./primitives.ts";
export type { RecordingState } from "./recording.ts";
export {
  getRecordingState,
  RECORDING_STATE_IDLE,
  RECORDING_STATE_VERSION,
  RecordingStateSchema,
  sameRecordingState,
  setRecordingState,
} from "./recording.ts";
export type { SessionSettings } from "./sessionSettings.ts";
export {
  getSessionSettings,
  observeSessionSettings,
  SESSION_SETTINGS_DEFAULTS,
  SESSION_SETTINGS_VERSION,
  SessionSettingsSchema,
  setSessionSettings,
} from "./sessionSettings.ts";
export type { CollabIssue, CollabRecordName } from "./validation.ts";
export { CollabValidationError } from "./validation.ts";
export type { CloudViewSettings } from "./viewSettings.ts";
export {
  CLOUD_VIEW_DEFAULTS,
  CloudViewSettingsSchema,
  createViewSettingsUndoManager,
  getViewSettings,
  listViewSettings,
  observeViewSettings,
  readViewSettings,
  setViewSettings,
  VIEW_SETTINGS_VERSION,
} from "./viewSettings.ts";
