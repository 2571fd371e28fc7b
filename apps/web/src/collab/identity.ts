/*
 * Who I am in a session: a name and a colour asked once and remembered in this browser (localStorage),
 * and a fresh id per tab (two tabs of one person are two presences).
 */
import type { CollabUser } from "@depthroom/schema";

export const USER_COLORS = ["#ef476f", "#ffd166", "#06d6a0", "#4cc9f0", "#b388ff", "#f78c6b", "#8ac926"];
const STORAGE_KEY = "depthroom.user";

export interface StoredIdentity {
  readonly name: string;
  readonly color: string;
}

function randomIndex(n: number): number {
  const bytes = new Uint32Array(1);
  crypto.getRandomValues(bytes);
  return (bytes[0] as number) % n;
}

export function defaultIdentity(): StoredIdentity {
  const animals = ["Otter", "Heron", "Lynx", "Fox", "Ibis", "Marten", "Wren", "Gecko"];
  return {
    name: `${animals[randomIndex(animals.length)]} ${100 + randomIndex(900)}`,
    color: USER_COLORS[randomIndex(USER_COLORS.length)] as string,
  };
}

/** The remembered identity, or null when this browser has none yet (or it is unreadable). */
export function loadIdentity(storage: Storage | undefined = globalThis.localStorage): StoredIdentity | null {
  try {
    const raw = storage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<StoredIdentity>;
    if (typeof value.name !== "string" || typeof value.color !== "string") return null;
    const name = value.name.trim().slice(0, 100);
    if (!name || !/^#[0-9a-fA-F]{6}$/.test(value.color)) return null;
    return { name, color: value.color };
  } catch {
    return null;
  }
}

export function saveIdentity(
  identity: StoredIdentity,
  storage: Storage | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(identity));
  } catch {
    // Private mode or a full storage: the identity lasts for this tab only.
  }
}

export function makeUser(identity: StoredIdentity): CollabUser {
  return {
    id: crypto.randomUUID(),
    name: identity.name.trim().slice(0, 100) || "Guest",
    color: identity.color,
  };
}
