import { bytesOfArray, type LogMessage } from "@depthroom/schema";

/** A decoded message as JSON for the Python tests: times as strings, depth pixels as base64 of their bytes. */
export function messageJson(message: LogMessage): Record<string, unknown> {
  const a = message.archetype;
  const base = {
    entity: message.entityPath,
    static: message.static === true,
    timelines: message.timelines.map((t) => ({
      timeline: t.timeline,
      kind: t.kind,
      value: t.value.toString(),
    })),
    kind: a.kind,
  };
  switch (a.kind) {
    case "DepthImage":
      return {
        ...base,
        datatype: a.datatype,
        width: a.width,
        height: a.height,
        meter: a.meter,
        colormap: a.colormap,
        depth_range: a.depthRange ?? null,
        point_fill_ratio: a.pointFillRatio,
        draw_order: a.drawOrder,
        data: Buffer.from(bytesOfArray(a.data)).toString("base64"),
      };
    case "Pinhole":
      return {
        ...base,
        image_from_camera: a.imageFromCamera,
        resolution: a.resolution ?? null,
        camera_xyz: a.cameraXyz,
        image_plane_distance: a.imagePlaneDistance ?? null,
      };
    case "Transform3D":
      return { ...base, translation: a.translation, quaternion: a.rotation };
    case "Image":
      return {
        ...base,
        color_model: a.colorModel,
        datatype: a.datatype,
        width: a.width,
        height: a.height,
        opacity: a.opacity,
        draw_order: a.drawOrder,
        data: Buffer.from(bytesOfArray(a.data)).toString("base64"),
      };
    case "EncodedImage":
      return {
        ...base,
        media_type: a.mediaType,
        opacity: a.opacity,
        draw_order: a.drawOrder,
        contents: Buffer.from(a.blob).toString("base64"),
      };
    default:
      return { ...base };
  }
}
