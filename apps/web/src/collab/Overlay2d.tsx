"use client";

import type { Annotation } from "@depthroom/schema";
import type { ViewerScene } from "../render/ViewerScene.ts";
import type { FrameLoop } from "../viewer/frameLoop.ts";
import { useSceneDraws } from "../viewer/useSceneDraws.ts";
import type { Peer } from "./presence.ts";

/**
 * Drawn over the 2D views for everyone: other people's pointers (where they hover, in their colour)
 * and 2D marks (`point2d` rings, `box2d` rectangles). Positions come from the viewer's image-to-canvas
 * mapping, placed again after every draw so local zoom and pan carry them along.
 */
export function Overlay2d({
  viewer,
  loop,
  peers,
  annotations,
}: {
  viewer: ViewerScene;
  loop: FrameLoop;
  peers: readonly Peer[];
  annotations: readonly Annotation[];
}) {
  useSceneDraws(viewer, loop); // placed again after each draw (zoom and pan draw)
  const at = (entity: string, u: number, v: number) => viewer.imageToCanvas(entity, u - 0.5, v - 0.5);
  return (
    <>
      {peers.flatMap((peer) => {
        const pointer = peer.pointer;
        const p = pointer ? viewer.imageToCanvas(pointer.entityPath, pointer.u, pointer.v) : undefined;
        if (!pointer || !p) return [];
        return [
          <div
            key={`pointer-${peer.clientId}`}
            className="collab-pointer"
            data-testid="peer-pointer"
            data-name={peer.user.name}
            data-entity={pointer.entityPath}
            data-u={pointer.u}
            data-v={pointer.v}
            style={{ left: p[0], top: p[1], borderColor: peer.user.color }}
          >
            <span style={{ background: peer.user.color }}>{peer.user.name}</span>
          </div>,
        ];
      })}
      {annotations.flatMap((a) => {
        if (a.kind === "point2d") {
          const p = viewer.imageToCanvas(a.entityPath, a.geometry.u, a.geometry.v);
          if (!p) return [];
          return [
            <div
              key={a.id}
              className={`collab-mark2d point${a.resolved ? " resolved" : ""}`}
              data-testid="mark-2d"
              data-id={a.id}
              title={a.text}
              style={{ left: p[0], top: p[1], borderColor: a.author.color }}
            />,
          ];
        }
        if (a.kind === "box2d") {
          const p0 = at(a.entityPath, a.geometry.u0, a.geometry.v0);
          const p1 = at(a.entityPath, a.geometry.u1, a.geometry.v1);
          if (!p0 || !p1) return [];
          return [
            <div
              key={a.id}
              className={`collab-mark2d box${a.resolved ? " resolved" : ""}`}
              data-testid="mark-2d"
              data-id={a.id}
              title={a.text}
              style={{
                left: p0[0],
                top: p0[1],
                width: p1[0] - p0[0],
                height: p1[1] - p0[1],
                borderColor: a.author.color,
              }}
            />,
          ];
        }
        return [];
      })}
    </>
  );
}
