import { type BatchMessage, type DepthImage, decodeMessage, type LogMessage } from "@depthroom/schema";

/* Helpers for the recording tests: decoding latest-at answers and comparing depth values. */

export function decodeAll(batch: readonly BatchMessage[]): LogMessage[] {
  return batch.map((m) => decodeMessage(m.bytes));
}

export function timeOf(m: LogMessage, timeline: string): bigint | undefined {
  return m.timelines.find((t) => t.timeline === timeline)?.value;
}

export function depthOf(messages: readonly LogMessage[], entityPath: string): LogMessage | undefined {
  return messages.find((m) => m.entityPath === entityPath && m.archetype.kind === "DepthImage");
}

export function depthData(m: LogMessage): DepthImage["data"] {
  return (m.archetype as DepthImage).data;
}

/** Exact equality of two typed arrays, by their bytes (vitest's toEqual is slow on big arrays). */
export function sameValues(a: ArrayBufferView | undefined, b: ArrayBufferView | undefined): boolean {
  if (!a || !b || a.constructor !== b.constructor) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}
