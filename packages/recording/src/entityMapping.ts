import { MAX_ENTITY_PATH_BYTES } from "@depthroom/schema";

/*
 * How imported topics and frame ids become entity paths (README "Import: entity paths"):
 * - a name is cut at "/", empty segments dropped, characters outside [A-Za-z0-9_.-] become "_";
 * - a frame's entity is its path in the transform tree (parent frame's entity, then the frame), unless
 *   the frame id already spells that path (Depthroom exports do: "world/cam" under "world");
 * - a calibration (CameraInfo / CameraCalibration) lands on its frame's entity, so it is the parent of
 *   the images in that frame, as Rerun's Pinhole is; without a frame id, on the topic's namespace;
 * - an image lands on `<frame entity>/<last topic segment>` (or on the topic path itself when that
 *   already lies under the frame entity); without a frame id, on the topic path.
 * Each topic's entity is fixed at its first message; two image topics never share an entity.
 */

/** A name (topic or frame id) as an entity path; "" when nothing usable is left. */
export function sanitizePath(name: string): string {
  const segments = name
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => {
      const cleaned = s.replace(/[^A-Za-z0-9_.-]/g, "_");
      return cleaned === "." || cleaned === ".." ? cleaned.replace(/\./g, "_") : cleaned;
    });
  let path = segments.join("/");
  while (new TextEncoder().encode(path).byteLength > MAX_ENTITY_PATH_BYTES && segments.length > 1) {
    segments.shift();
    path = segments.join("/");
  }
  return path.slice(0, MAX_ENTITY_PATH_BYTES);
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

function leafOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

export class EntityMapper {
  readonly #frameParents = new Map<string, string>();
  readonly #frameEntities = new Map<string, string>();
  readonly #topicEntities = new Map<string, string>();
  readonly #imageEntities = new Set<string>();

  /** Learn `child`'s parent frame from a transform (first word wins; a frame is placed once). */
  addTransform(parentFrame: string, childFrame: string): void {
    if (!this.#frameParents.has(childFrame) && parentFrame !== childFrame) {
      this.#frameParents.set(childFrame, parentFrame);
    }
  }

  frameEntity(frame: string, depth = 0): string {
    const known = this.#frameEntities.get(frame);
    if (known !== undefined) return known;
    const own = sanitizePath(frame);
    const parent = this.#frameParents.get(frame);
    let entity = own;
    if (parent !== undefined && depth < 64) {
      const parentEntity = this.frameEntity(parent, depth + 1);
      if (parentEntity && own !== parentEntity && !own.startsWith(`${parentEntity}/`)) {
        entity = own ? `${parentEntity}/${own}` : parentEntity;
      }
    }
    entity = entity || "frame";
    this.#frameEntities.set(frame, entity);
    return entity;
  }

  /** The entity of a transform's child frame (the Transform3D is logged there). */
  transformEntity(parentFrame: string, childFrame: string): string {
    this.addTransform(parentFrame, childFrame);
    return this.frameEntity(childFrame);
  }

  calibrationEntity(topic: string, frameId: string): string {
    const key = `calibration\u0000${topic}\u0000${frameId}`;
    const known = this.#topicEntities.get(key);
    if (known !== undefined) return known;
    const topicPath = sanitizePath(topic);
    const entity = frameId ? this.frameEntity(frameId) : parentOf(topicPath) || topicPath || "camera";
    this.#topicEntities.set(key, entity);
    return entity;
  }

  imageEntity(topic: string, frameId: string): string {
    const key = `image\u0000${topic}`;
    const known = this.#topicEntities.get(key);
    if (known !== undefined) return known;
    const topicPath = sanitizePath(topic) || "image";
    let entity = topicPath;
    if (frameId) {
      const frame = this.frameEntity(frameId);
      entity =
        topicPath === frame || topicPath.startsWith(`${frame}/`)
          ? topicPath
          : `${frame}/${leafOf(topicPath)}`;
    }
    let unique = entity;
    for (let n = 2; this.#imageEntities.has(unique); n++) unique = `${entity}_${n}`;
    this.#imageEntities.add(unique);
    this.#topicEntities.set(key, unique);
    return unique;
  }
}
