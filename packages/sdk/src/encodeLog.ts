import {
  type Archetype,
  checkEntityPath,
  type DepthEncoding,
  DepthImage,
  EncodedImage,
  encodeMessage,
  entityArchetypeKey,
  Image,
  isFrameKind,
  MAX_MESSAGE_BYTES,
  Pinhole,
  type TimePoint,
  Transform3D,
} from "@depthroom/schema";
import { type AutoDepthEncoding, depthEncodingFor } from "./depthEncodingChoice.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
import type { MessageBuffers } from "./messageBuffers.ts";

/** One logged archetype, encoded once and ready to publish. */
export interface EncodedLog {
  /** The schema's `entityArchetypeKey`: the producer keeps one pending slot per key (latest wins). */
  readonly key: string;
  readonly entityPath: string;
  readonly kind: Archetype["kind"];
  readonly static: boolean;
  readonly bytes: Uint8Array;
  /** `bytes` is a view of a `MessageBuffers` buffer, given back once the message is done with. */
  readonly reusable?: true;
}

export interface LogOptions {
  /** Static data belongs to all times (a fixed Pinhole): it is kept and re-sent after a reconnect. */
  readonly static?: boolean;
  /** Depth payload encoding for this message; default: the stream's (RVL for U16, raw otherwise). */
  readonly encoding?: DepthEncoding;
}

/**
 * Check and encode one `log()` call; throws `SdkError` (bad-message) naming the field at fault. Accepts
 * the schema's archetype instances, or plain objects of the same shape (validated through the constructors).
 */
export function encodeLog(
  entityPath: string,
  value: unknown,
  timelines: readonly TimePoint[],
  options: LogOptions = {},
  streamEncoding: DepthEncoding | AutoDepthEncoding | undefined = undefined,
  buffers: MessageBuffers | undefined = undefined,
): EncodedLog {
  const checked =
    typeof entityPath === "string"
      ? checkEntityPath(entityPath)
      : { ok: false as const, reason: "not a string" };
  if (!checked.ok) {
    throw new SdkError(
      SdkErrorCode.BadMessage,
      `entityPath: "${String(entityPath)}" ${checked.reason}`,
      "entityPath",
    );
  }
  const archetype = toArchetype(value);
  let encoding = options.encoding;
  if (encoding === undefined && archetype.kind === "DepthImage") {
    encoding = depthEncodingFor(checked.path, archetype, streamEncoding);
  }
  const isStatic = options.static === true;
  // Frames go into reused buffers; state (kept to be sent again after a reconnect) into its own.
  const reusable = buffers !== undefined && !isStatic && isFrameKind(archetype.kind);
  let bytes: Uint8Array;
  try {
    bytes = encodeMessage(
      { entityPath: checked.path, timelines: isStatic ? [] : timelines, static: isStatic, archetype },
      { depthEncoding: encoding, output: reusable ? buffers.take : undefined },
    );
  } catch (error) {
    const wrapped = SdkError.from(error);
    if (wrapped instanceof SdkError) throw wrapped;
    throw new SdkError(
      SdkErrorCode.BadMessage,
      `${archetype.kind}: ${(error as Error).message}`,
      archetype.kind,
    );
  }
  if (bytes.length > MAX_MESSAGE_BYTES) {
    throw new SdkError(
      SdkErrorCode.MessageTooLarge,
      `${checked.path}: ${bytes.length} bytes exceeds ${MAX_MESSAGE_BYTES}`,
      archetype.kind,
    );
  }
  return {
    key: entityArchetypeKey(checked.path, archetype.kind),
    entityPath: checked.path,
    kind: archetype.kind,
    static: isStatic,
    bytes,
    ...(reusable ? { reusable: true as const } : {}),
  };
}

/** An archetype instance as is; a plain `{ kind, ... }` object rebuilt (and so validated) by its class. */
export function toArchetype(value: unknown): Archetype {
  if (
    value instanceof DepthImage ||
    value instanceof Pinhole ||
    value instanceof Transform3D ||
    value instanceof Image ||
    value instanceof EncodedImage
  ) {
    return value;
  }
  if (typeof value !== "object" || value === null) {
    throw new SdkError(SdkErrorCode.BadMessage, `archetype: expected one of ${ARCHETYPE_NAMES}`, "archetype");
  }
  const { kind } = value as { kind?: unknown };
  try {
    switch (kind) {
      case "DepthImage": {
        const { data, ...options } = value as { data: DepthImage["data"] } & ConstructorParameters<
          typeof DepthImage
        >[1];
        if (!ArrayBuffer.isView(data)) {
          throw new SdkError(
            SdkErrorCode.BadMessage,
            "DepthImage.data: expected a typed array",
            "DepthImage.data",
          );
        }
        return new DepthImage(data, stripKind(options));
      }
      case "Pinhole":
        return new Pinhole(stripKind(value as ConstructorParameters<typeof Pinhole>[0]));
      case "Transform3D":
        return new Transform3D(stripKind(value as ConstructorParameters<typeof Transform3D>[0] & object));
      case "Image": {
        const { data, ...options } = value as { data: Image["data"] } & ConstructorParameters<
          typeof Image
        >[1];
        if (!(data instanceof Uint8Array || data instanceof Uint16Array)) {
          throw new SdkError(
            SdkErrorCode.BadMessage,
            "Image.data: expected a Uint8Array or Uint16Array",
            "Image.data",
          );
        }
        return new Image(data, stripKind(options));
      }
      case "EncodedImage": {
        const { blob, ...options } = value as { blob: unknown } & NonNullable<
          ConstructorParameters<typeof EncodedImage>[1]
        >;
        if (!(blob instanceof Uint8Array)) {
          throw new SdkError(
            SdkErrorCode.BadMessage,
            "EncodedImage.blob: expected a Uint8Array",
            "EncodedImage.blob",
          );
        }
        return new EncodedImage(blob, stripKind(options));
      }
      default:
        throw new SdkError(
          SdkErrorCode.BadMessage,
          `archetype.kind: "${String(kind)}" is not one of ${ARCHETYPE_NAMES}`,
          "archetype.kind",
        );
    }
  } catch (error) {
    const wrapped = SdkError.from(error);
    throw wrapped;
  }
}

const ARCHETYPE_NAMES = "DepthImage, Pinhole, Transform3D, Image, EncodedImage";

function stripKind<T extends object>(options: T): T {
  const { kind: _kind, ...rest } = options as T & { kind?: unknown };
  return rest as T;
}
