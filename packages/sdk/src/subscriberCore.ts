import {
  type EntityInfo,
  EntityInfoSchema,
  type ProducerInfo,
  ProducerInfoSchema,
  type Refusal,
} from "@depthroom/schema";
import type { z } from "zod";
import { readRefusal } from "./connectionCore.ts";
import { isPermanent, SdkErrorCode } from "./errors.ts";

/*
 * The subscriber's bookkeeping, without a socket: what the relay's answer to `subscribe` means, and the
 * async iterator's inbox, where a frame waits for a pull and is taken only then (its credit goes back to
 * the relay after that, which is what lets the relay pace a slow subscriber instead of queuing for it).
 * The subscription (subscriber.ts) is the adapter around them.
 */

export type SubscribeAnswer =
  | {
      readonly kind: "accepted";
      readonly entities: readonly EntityInfo[];
      readonly producers: readonly ProducerInfo[];
    }
  /** `final`: asking again cannot help (the error table), the subscription ends. */
  | { readonly kind: "refused"; readonly refusal: Refusal; readonly final: boolean }
  /** Disconnected or not answered in time: the next welcome asks again. */
  | { readonly kind: "no-answer" };

/** Read the relay's answer to `subscribe` (a peer's payload: anything may come). */
export function readSubscribeAnswer(error: Error | null, result: unknown): SubscribeAnswer {
  if (error) return { kind: "no-answer" };
  const answer = result as { ok?: unknown; entities?: unknown; producers?: unknown } | null;
  if (typeof answer === "object" && answer !== null && answer.ok === true) {
    return {
      kind: "accepted",
      entities: validItems(answer.entities, EntityInfoSchema),
      producers: validItems(answer.producers, ProducerInfoSchema),
    };
  }
  const refusal = readRefusal(result) ?? {
    code: SdkErrorCode.Internal,
    message: "the relay answered the subscription oddly",
  };
  return { kind: "refused", refusal, final: isPermanent(refusal.code) };
}

/** The items of a peer's list that match `schema` (a newer relay's unknown kinds are skipped), at most 10k. */
function validItems<S extends z.ZodType>(list: unknown, schema: S): z.output<S>[] {
  if (!Array.isArray(list)) return [];
  const out: z.output<S>[] = [];
  for (const item of list.slice(0, MAX_LIST_ITEMS)) {
    const parsed = schema.safeParse(item);
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

const MAX_LIST_ITEMS = 10_000;

interface Waiting<T> {
  readonly value: T;
  readonly ack: () => void;
}

interface Puller<T> {
  readonly resolve: (result: IteratorResult<T>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Frames waiting for the iterator: `ack` is called when a pull takes a frame (the subscription offers
 * the next only then, so one frame waits here). After `end()`, pulls take what still waits, then
 * finish (or reject with the error that ended it).
 */
export class FrameInbox<T> {
  private readonly waiting: Waiting<T>[] = [];
  private readonly pullers: Puller<T>[] = [];
  private ended: { readonly error: unknown } | undefined;

  /** A frame arrived: hand it to a waiting pull, or keep it (unacknowledged) until one comes. */
  offer(value: T, ack: () => void): void {
    if (this.ended) {
      ack();
      return;
    }
    const puller = this.pullers.shift();
    if (puller) {
      ack();
      puller.resolve({ done: false, value });
    } else {
      this.waiting.push({ value, ack });
    }
  }

  pull(): Promise<IteratorResult<T>> {
    const next = this.waiting.shift();
    if (next) {
      next.ack();
      return Promise.resolve({ done: false, value: next.value });
    }
    if (this.ended) {
      const { error } = this.ended;
      return error !== undefined ? Promise.reject(error) : Promise.resolve({ done: true, value: undefined });
    }
    return new Promise((resolve, reject) => this.pullers.push({ resolve, reject }));
  }

  /** No more frames will come: waiting pulls finish, or reject with `error`. */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = { error };
    for (const puller of this.pullers.splice(0)) {
      if (error !== undefined) puller.reject(error);
      else puller.resolve({ done: true, value: undefined });
    }
  }

  /** The iterator stopped: acknowledge (and forget) every frame still waiting; returns how many. */
  release(): number {
    const waiting = this.waiting.splice(0);
    for (const w of waiting) w.ack();
    return waiting.length;
  }

  get size(): number {
    return this.waiting.length;
  }
}

/** A frame that came while the subscriber was busy, with when it came. */
export interface WaitingFrame {
  readonly bytes: Uint8Array;
  readonly receivedAt: number;
}

/**
 * Frames waiting for the subscriber's callback, the newest per key (entity and kind: latest wins), in the
 * order their keys first waited. The key is read (`keyOf`, which reads the frame's envelope) only when a
 * second frame waits beside the first, so a subscriber that keeps up reads no envelope here. A frame whose
 * key cannot be read waits under a key of its own (its decode then reports it).
 */
export class WaitingFrames {
  /** The only waiting frame, not yet keyed. */
  private lone: WaitingFrame | undefined;
  private readonly byKey = new Map<string, WaitingFrame>();
  private unreadable = 0;

  constructor(private readonly keyOf: (bytes: Uint8Array) => string) {}

  /** Keep `frame` (under `key` when the caller has read it); returns the frame it replaced, if any. */
  put(frame: WaitingFrame, key?: string): WaitingFrame | undefined {
    if (key === undefined && this.lone === undefined && this.byKey.size === 0) {
      this.lone = frame;
      return undefined;
    }
    if (this.lone !== undefined) {
      const lone = this.lone;
      this.lone = undefined;
      this.byKey.set(this.key(lone.bytes), lone);
    }
    const k = key ?? this.key(frame.bytes);
    const replaced = this.byKey.get(k);
    this.byKey.set(k, frame);
    return replaced;
  }

  /** Take the oldest waiting frame, skipping keys `skip` says are held. */
  take(skip?: (key: string) => boolean): WaitingFrame | undefined {
    if (this.lone !== undefined) {
      // Only lazy frames skip keys, and they always wait keyed.
      const lone = this.lone;
      this.lone = undefined;
      return lone;
    }
    for (const [key, frame] of this.byKey) {
      if (skip?.(key)) continue;
      this.byKey.delete(key);
      return frame;
    }
    return undefined;
  }

  clear(): void {
    this.lone = undefined;
    this.byKey.clear();
  }

  get size(): number {
    return this.byKey.size + (this.lone === undefined ? 0 : 1);
  }

  private key(bytes: Uint8Array): string {
    try {
      return this.keyOf(bytes);
    } catch {
      return `\0unreadable ${this.unreadable++}`;
    }
  }
}
