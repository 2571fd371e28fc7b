import {
  type Archetype,
  type ColorModel,
  type Datatype,
  DepthImage,
  EncodedImage,
  Image,
  type ImageMediaType,
  type LogMessage,
  Pinhole,
  type TimePoint,
  Transform3D,
} from "@depthroom/schema";
import type { ViewerAction } from "../state/viewerState.ts";

/*
 * Decoded messages between the frame worker and the page. Class instances lose their prototype when
 * posted, so archetypes travel as plain fields and are rebuilt (and so validated again) on arrival; the
 * pixel buffer is transferred, not copied.
 */

export type PlainArchetype =
  | {
      readonly kind: "DepthImage";
      readonly width: number;
      readonly height: number;
      readonly datatype: Datatype;
      readonly data: DepthImage["data"];
      readonly meter: number;
      readonly colormap: DepthImage["colormap"];
      readonly depthRange: readonly [number, number] | undefined;
      readonly pointFillRatio: number;
      readonly drawOrder: number;
    }
  | {
      readonly kind: "Pinhole";
      readonly imageFromCamera: readonly number[];
      readonly resolution: readonly [number, number] | undefined;
      readonly cameraXyz: string;
      readonly imagePlaneDistance: number | undefined;
    }
  | {
      readonly kind: "Transform3D";
      readonly translation: readonly number[];
      readonly rotation: readonly number[];
    }
  | {
      readonly kind: "Image";
      readonly width: number;
      readonly height: number;
      readonly colorModel: ColorModel;
      readonly data: Image["data"];
      readonly opacity: number;
      readonly drawOrder: number;
    }
  | {
      readonly kind: "EncodedImage";
      readonly blob: Uint8Array;
      readonly mediaType: ImageMediaType;
      readonly opacity: number;
      readonly drawOrder: number;
    };

export interface PlainMessage {
  readonly entityPath: string;
  readonly timelines: readonly TimePoint[];
  readonly static: boolean;
  readonly archetype: PlainArchetype;
}

/** Worker -> page. `at` is an absolute time (performance.timeOrigin + now) of the hand-over. */
export type WorkerEvent =
  | { readonly type: "message"; readonly message: PlainMessage; readonly at: number }
  | { readonly type: "action"; readonly action: ViewerAction };

/** Page -> worker. */
export type PageCommand =
  | { readonly type: "open"; readonly relayUrl: string; readonly session: string; readonly token: string }
  | { readonly type: "taken"; readonly entityPath: string }
  | { readonly type: "close" };

export function toPlain(message: LogMessage): { plain: PlainMessage; transfer: ArrayBuffer[] } {
  const a = message.archetype;
  const transfer: ArrayBuffer[] = [];
  let archetype: PlainArchetype;
  switch (a.kind) {
    case "DepthImage": {
      let data = a.data;
      // Transfer the pixels when they own their buffer; copy them out of a shared one.
      if (
        data.byteOffset !== 0 ||
        data.byteLength !== data.buffer.byteLength ||
        !(data.buffer instanceof ArrayBuffer)
      ) {
        data = data.slice() as typeof data;
      }
      transfer.push(data.buffer as ArrayBuffer);
      archetype = {
        kind: "DepthImage",
        width: a.width,
        height: a.height,
        datatype: a.datatype,
        data,
        meter: a.meter,
        colormap: a.colormap,
        depthRange: a.depthRange,
        pointFillRatio: a.pointFillRatio,
        drawOrder: a.drawOrder,
      };
      break;
    }
    case "Pinhole":
      archetype = {
        kind: "Pinhole",
        imageFromCamera: a.imageFromCamera,
        resolution: a.resolution,
        cameraXyz: a.cameraXyz,
        imagePlaneDistance: a.imagePlaneDistance,
      };
      break;
    case "Transform3D":
      archetype = { kind: "Transform3D", translation: a.translation, rotation: a.rotation };
      break;
    case "Image": {
      const data = ownedArray(a.data);
      transfer.push(data.buffer as ArrayBuffer);
      archetype = {
        kind: "Image",
        width: a.width,
        height: a.height,
        colorModel: a.colorModel,
        data,
        opacity: a.opacity,
        drawOrder: a.drawOrder,
      };
      break;
    }
    case "EncodedImage": {
      const blob = ownedArray(a.blob);
      transfer.push(blob.buffer as ArrayBuffer);
      archetype = {
        kind: "EncodedImage",
        blob,
        mediaType: a.mediaType,
        opacity: a.opacity,
        drawOrder: a.drawOrder,
      };
      break;
    }
    default: {
      const unknown: never = a;
      throw new TypeError(`unknown archetype ${(unknown as { kind: string }).kind}`);
    }
  }
  return {
    plain: {
      entityPath: message.entityPath,
      timelines: message.timelines,
      static: message.static === true,
      archetype,
    },
    transfer,
  };
}

/** Rebuild a message posted by the worker; throws the schema's ValidationError if it is not one. */
export function fromPlain(plain: PlainMessage): LogMessage {
  const a = plain.archetype;
  let archetype: Archetype;
  switch (a.kind) {
    case "DepthImage":
      archetype = new DepthImage(a.data, {
        width: a.width,
        height: a.height,
        datatype: a.datatype,
        meter: a.meter,
        colormap: a.colormap,
        depthRange: a.depthRange ? [a.depthRange[0], a.depthRange[1]] : undefined,
        pointFillRatio: a.pointFillRatio,
        drawOrder: a.drawOrder,
      });
      break;
    case "Pinhole":
      archetype = new Pinhole({
        imageFromCamera: [...a.imageFromCamera],
        resolution: a.resolution ? [a.resolution[0], a.resolution[1]] : undefined,
        cameraXyz: a.cameraXyz,
        imagePlaneDistance: a.imagePlaneDistance,
      });
      break;
    case "Transform3D":
      archetype = new Transform3D({
        translation: [a.translation[0] ?? 0, a.translation[1] ?? 0, a.translation[2] ?? 0],
        rotation: [a.rotation[0] ?? 0, a.rotation[1] ?? 0, a.rotation[2] ?? 0, a.rotation[3] ?? 1],
      });
      break;
    case "Image":
      archetype = new Image(a.data, {
        width: a.width,
        height: a.height,
        colorModel: a.colorModel,
        opacity: a.opacity,
        drawOrder: a.drawOrder,
      });
      break;
    case "EncodedImage":
      archetype = new EncodedImage(a.blob, {
        mediaType: a.mediaType,
        opacity: a.opacity,
        drawOrder: a.drawOrder,
      });
      break;
    default: {
      const unknown: never = a;
      throw new TypeError(`unknown archetype ${(unknown as { kind: string }).kind}`);
    }
  }
  return { entityPath: plain.entityPath, timelines: plain.timelines, static: plain.static, archetype };
}

/** `data` itself when it owns its whole ArrayBuffer (so it can be transferred), else a copy that does. */
function ownedArray<T extends Uint8Array | Uint16Array>(data: T): T {
  const owns =
    data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer;
  return owns ? data : (data.slice() as T);
}
