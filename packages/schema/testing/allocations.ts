import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/*
 * What a call allocates, for the per-frame allocation tests (Node only). process.memoryUsage() is read
 * between calls: heapUsed rises by the JS objects a call leaves, arrayBuffers by the ArrayBuffer memory
 * it allocates (a typed array's pixels). A collection inside a call shows as a fall and would hide
 * that call's allocation, so such calls are left out of the mean rather than counted as zero. After
 * the calls and a full collection, what is still held more than before is what the calls retained
 * (a heap that grows over the frames).
 */

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

export interface Allocations {
  /** Mean JS heap bytes per call, over the calls in which no collection ran. */
  readonly heap: number;
  /** Mean ArrayBuffer bytes per call, over the same calls. */
  readonly arrayBuffers: number;
  /** How many calls the means are over. */
  readonly clean: number;
  /** Heap bytes held after all the calls and a full collection, more than before them. */
  readonly retainedHeap: number;
  /** ArrayBuffer bytes held after all the calls and a full collection, more than before them. */
  readonly retainedArrayBuffers: number;
}

export function allocationsPerCall(call: () => unknown, count: number): Allocations {
  for (let i = 0; i < 20; i++) call(); // warm up: compiled code, grown scratch buffers
  gc();
  gc();
  const start = process.memoryUsage();
  let heap = 0;
  let arrayBuffers = 0;
  let clean = 0;
  let before = process.memoryUsage();
  for (let i = 0; i < count; i++) {
    call();
    const after = process.memoryUsage();
    const heapRise = after.heapUsed - before.heapUsed;
    const arrayBufferRise = after.arrayBuffers - before.arrayBuffers;
    if (heapRise >= 0 && arrayBufferRise >= 0) {
      heap += heapRise;
      arrayBuffers += arrayBufferRise;
      clean++;
    }
    before = after;
  }
  // Twice: V8 frees the backing stores of dead ArrayBuffers while sweeping, which the next collection
  // completes first.
  gc();
  gc();
  const end = process.memoryUsage();
  return {
    heap: heap / Math.max(1, clean),
    arrayBuffers: arrayBuffers / Math.max(1, clean),
    clean,
    retainedHeap: end.heapUsed - start.heapUsed,
    retainedArrayBuffers: end.arrayBuffers - start.arrayBuffers,
  };
}
