import type { Colormap, TimePoint } from "@depthroom/schema";
import type { DepthRange } from "./autoRange.ts";
import { type DepthVisual, ringMedian } from "./DepthVisual.ts";

/** What `ViewerScene.stats()` reports of one depth entity (the sidebar's details, tests, the benchmark). */
export interface VisualStats {
  readonly entity: string;
  readonly width: number;
  readonly height: number;
  readonly datatype: string;
  readonly format: string;
  readonly colormap: Colormap | undefined;
  readonly range: DepthRange | undefined;
  readonly uploads: number;
  readonly skipped: number;
  readonly uploadMsMedian: number | undefined;
  readonly arrivalToUploadMsMedian: number | undefined;
  readonly visible: boolean;
  readonly hasCloud: boolean;
  /** The frame on screen: its `frame` sequence and log time (first timestamp timeline, ns), if stamped;
   *  undefined while the entity is cleared (nothing at the time shown). */
  readonly frame: number | undefined;
  readonly timeNs: string | undefined;
}

/** The stats of one visual; `cleared`: nothing of it at the time shown. Sorts its timing rings: not per event. */
export function visualStats(v: DepthVisual, cleared: boolean): VisualStats {
  return {
    entity: v.path,
    width: v.current?.width ?? 0,
    height: v.current?.height ?? 0,
    datatype: v.current?.datatype ?? "",
    format: v.texture.format,
    colormap: v.colormap,
    range: v.range,
    uploads: v.uploads,
    skipped: v.skipped,
    uploadMsMedian: ringMedian(v.uploadMs, v.uploads),
    arrivalToUploadMsMedian: ringMedian(v.arrivalToUploadMs, v.uploads),
    visible: v.isVisible,
    hasCloud: v.hasCloud,
    frame: cleared ? undefined : sequenceOf(v.currentTimelines),
    timeNs: cleared ? undefined : v.currentTimelines.find((t) => t.kind === "timestamp")?.value.toString(),
  };
}

function sequenceOf(timelines: readonly TimePoint[]): number | undefined {
  const point = timelines.find((t) => t.timeline === "frame" && t.kind === "sequence");
  return point ? Number(point.value) : undefined;
}
