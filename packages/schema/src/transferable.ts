import { DepthImage } from "./depthImage.ts";
import { EncodedImage } from "./encodedImage.ts";
import { ValidationError } from "./errors.ts";
import { Image } from "./image.ts";
import type { Archetype, ArchetypeKind, LogMessage } from "./message.ts";
import { Pinhole } from "./pinhole.ts";
import { Transform3D } from "./transform3d.ts";

/*
 * A decoded message as it crosses `postMessage` between a worker and its page (same origin, our own
 * code on both ends). Archetypes are class instances whose fields are all their own data properties;
 * the structured clone keeps those and drops the prototype. `toTransferable` lists the pixel buffers to
 * move instead of copy; `fromTransferable` puts the prototype back without validating again (the worker
 * decoded the message with the validating codec; do not use it for anything from another origin).
 */

/** An archetype's own fields, without its prototype (what the structured clone delivers). */
export type TransferableArchetype = { readonly [K in keyof Archetype]: Archetype[K] } & {
  readonly kind: ArchetypeKind;
};

export interface TransferableMessage {
  readonly entityPath: string;
  readonly timelines: LogMessage["timelines"];
  readonly static?: boolean;
  readonly archetype: TransferableArchetype;
}

/** Each archetype's class, by kind: the prototypes `fromTransferable` restores. */
const PROTOTYPES = {
  DepthImage: DepthImage.prototype,
  Pinhole: Pinhole.prototype,
  Transform3D: Transform3D.prototype,
  Image: Image.prototype,
  EncodedImage: EncodedImage.prototype,
} as const satisfies Record<ArchetypeKind, Archetype>;

/**
 * The message to post and the buffers to transfer with it: every typed array of the archetype, copied
 * first when it is a view into a larger buffer (a decoder's input, say) so only its own bytes move.
 */
export function toTransferable(message: LogMessage): {
  message: TransferableMessage;
  transfer: ArrayBuffer[];
} {
  const archetype: Record<string, unknown> = { ...message.archetype };
  const transfer: ArrayBuffer[] = [];
  for (const [key, value] of Object.entries(archetype)) {
    if (!ArrayBuffer.isView(value)) continue;
    const owned =
      value.buffer instanceof ArrayBuffer &&
      value.byteOffset === 0 &&
      value.byteLength === value.buffer.byteLength
        ? value
        : (value as unknown as { slice(): ArrayBufferView }).slice();
    archetype[key] = owned;
    if (!transfer.includes(owned.buffer as ArrayBuffer)) transfer.push(owned.buffer as ArrayBuffer);
  }
  return {
    message: {
      entityPath: message.entityPath,
      timelines: message.timelines,
      ...(message.static === undefined ? {} : { static: message.static }),
      archetype: archetype as unknown as TransferableArchetype,
    },
    transfer,
  };
}

/** The message again, its archetype an instance of its class; a kind this schema does not know throws. */
export function fromTransferable(message: TransferableMessage): LogMessage {
  const kind = message.archetype?.kind;
  const prototype = Object.hasOwn(PROTOTYPES, kind) ? PROTOTYPES[kind] : undefined;
  if (!prototype) throw new ValidationError("archetype.kind", `unknown archetype kind ${String(kind)}`);
  const archetype = Object.assign(Object.create(prototype), message.archetype) as Archetype;
  return {
    entityPath: message.entityPath,
    timelines: message.timelines,
    ...(message.static === undefined ? {} : { static: message.static }),
    archetype,
  };
}
