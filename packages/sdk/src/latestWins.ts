/**
 * Pending messages, one slot per key: putting a message where one is already waiting replaces it (the
 * newest wins) and reports the one it pushed out, so the caller can count the drop. Slots leave in the
 * order they were first filled, so no key starves. Memory is bounded by the number of keys.
 */
export class LatestWinsQueue<K, V> {
  private readonly slots = new Map<K, V>();

  /** Put `value` in `key`'s slot; returns the value it replaced, if any. */
  put(key: K, value: V): V | undefined {
    const replaced = this.slots.get(key);
    // Map.set on an existing key keeps its place in line.
    this.slots.set(key, value);
    return replaced;
  }

  /** Take the oldest-filled slot's value. */
  take(): V | undefined {
    for (const [key, value] of this.slots) {
      this.slots.delete(key);
      return value;
    }
    return undefined;
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  get size(): number {
    return this.slots.size;
  }

  /** Remove every slot; returns how many were removed. */
  clear(): number {
    const n = this.slots.size;
    this.slots.clear();
    return n;
  }
}
