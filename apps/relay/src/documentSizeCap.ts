import * as Y from "yjs";

/*
 * The size cap of a session document, checked when an update arrives (before it is applied and
 * stored), so that a document never grows past what the store can write back as one record.
 *
 * Measuring a document (encoding its whole state) costs as much as the document is large, so it is
 * measured once, then every admitted update's bytes are added to that figure: an upper bound, since an
 * update adds at most its own size. Only when that bound would pass the cap is the document measured
 * again (at most once per `remeasureMs`), and the update refused if the measured size plus the update
 * still passes it.
 */

interface Size {
  /** Upper bound of the encoded state, in bytes. */
  bytes: number;
  /** When `bytes` was last measured exactly (ms). */
  measuredAt: number;
}

export class DocumentSizeCap {
  readonly #sizes = new WeakMap<Y.Doc, Size>();

  constructor(
    readonly maxBytes: number,
    private readonly now: () => number = Date.now,
    private readonly remeasureMs = 1000,
  ) {}

  /** Whether an update of `updateBytes` may be applied to `doc`; counted when it may. */
  admit(doc: Y.Doc, updateBytes: number): boolean {
    let size = this.#sizes.get(doc);
    if (!size) {
      size = this.#measure(doc);
      this.#sizes.set(doc, size);
    } else if (size.bytes + updateBytes > this.maxBytes && this.now() - size.measuredAt >= this.remeasureMs) {
      Object.assign(size, this.#measure(doc));
    }
    if (size.bytes + updateBytes > this.maxBytes) return false;
    size.bytes += updateBytes;
    return true;
  }

  #measure(doc: Y.Doc): Size {
    return { bytes: Y.encodeStateAsUpdate(doc).byteLength, measuredAt: this.now() };
  }
}
