import { readFileSync } from "node:fs";
import { bytesSource, decompressHandlers } from "@depthroom/recording";
import {
  type BatchMessage,
  type CreateSessionRequest,
  type DepthImage,
  decodeMessage,
  type LogMessage,
} from "@depthroom/schema";
import { recordingAccess } from "@depthroom/sdk";
import { McapIndexedReader } from "@mcap/core";
import type { Cleanup } from "./cleanups.ts";
import { connectFrames, publish } from "./clients.ts";
import { sampleStream } from "./frames.ts";
import { relayWithSession, scratchDir } from "./relay.ts";
import { type CliResult, runCli } from "./sdk.ts";

/* Helpers for the recording tests: a session to record, decoding latest-at answers, comparing depth values. */

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

/**
 * A relay with a session titled `title` whose rig (a frame socket, closed by `cleanups`) has published
 * its pinhole, so a recording has something in it; `edit` starts and stops recordings.
 */
export async function recordableSession(cleanups: Cleanup[], title: string) {
  const { relay, session } = await relayWithSession(cleanups, {}, { title });
  const { socket } = await connectFrames(relay.url, session.id, session.tokens.publish);
  cleanups.push(() => socket.close());
  const published = await publish(socket, sampleStream().pinhole);
  if (!published.ok) throw new Error(`the rig's pinhole was refused: ${JSON.stringify(published)}`);
  return { relay, session, edit: recordingAccess(session.links.edit) };
}

/** A relay with one session and a scratch directory for the files a test writes, all removed by `cleanups`. */
export async function sessionWithScratchDir(
  cleanups: Cleanup[],
  dirPrefix: string,
  request: CreateSessionRequest = {},
) {
  const { relay, session } = await relayWithSession(cleanups, {}, request);
  const dir = await scratchDir(cleanups, dirPrefix);
  return { relay, session, dir };
}

/** `depthroom export <recording> --link <viewLink> --format <format> -o <out> [...more]`. */
export function exportWithCli(
  recordingId: string,
  viewLink: string,
  format: "foxglove" | "depthroom",
  out: string,
  ...more: string[]
): Promise<CliResult> {
  return runCli(["export", recordingId, "--link", viewLink, "--format", format, "-o", out, ...more]);
}

/** An indexed MCAP reader over a file a test wrote (with the recording package's decompressors). */
export function readMcapFile(path: string): Promise<McapIndexedReader> {
  return McapIndexedReader.Initialize({ readable: bytesSource(readFileSync(path)), decompressHandlers });
}
