/**
 * Entity paths name what is logged: `world/rig/cam0/depth`. Segments are separated by `/`, non-empty,
 * made of letters, digits, `_`, `-` and `.`. A leading `/` is accepted and dropped, as in Rerun.
 */
export const MAX_ENTITY_PATH_BYTES = 512;

const SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** The normalized path, or a reason why `path` is not a valid entity path. */
export function checkEntityPath(path: string): { ok: true; path: string } | { ok: false; reason: string } {
  if (typeof path !== "string") return { ok: false, reason: "not a string" };
  const trimmed = path.startsWith("/") ? path.slice(1) : path;
  if (trimmed.length === 0) return { ok: false, reason: "empty" };
  if (trimmed.length > MAX_ENTITY_PATH_BYTES)
    return { ok: false, reason: `longer than ${MAX_ENTITY_PATH_BYTES}` };
  for (const segment of trimmed.split("/")) {
    if (!SEGMENT.test(segment) || segment === "." || segment === "..") {
      return { ok: false, reason: `bad segment "${segment}"` };
    }
  }
  return { ok: true, path: trimmed };
}

export function isEntityPath(path: unknown): path is string {
  return typeof path === "string" && checkEntityPath(path).ok;
}

/** The parent path (`world/camera/depth` -> `world/camera`), or undefined at the root. */
export function parentEntityPath(path: string): string | undefined {
  const cut = path.lastIndexOf("/");
  return cut < 0 ? undefined : path.slice(0, cut);
}

/** `path` and all its ancestors, nearest first (`a/b/c` -> `a/b/c`, `a/b`, `a`). */
export function entityAncestry(path: string): string[] {
  const out: string[] = [];
  for (let p: string | undefined = path; p !== undefined; p = parentEntityPath(p)) out.push(p);
  return out;
}
