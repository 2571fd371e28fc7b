import { createHash, randomBytes } from "node:crypto";
import { Pool, type PoolClient } from "pg";
import * as Y from "yjs";
import { checkRecordingRecord, type RecordingRecord } from "./recordingStore.ts";
import { DocumentTooLargeError, type RelayStore, type SessionRecord } from "./store.ts";
import { MAX_RECORD_BYTES } from "./updateLog.ts";

/*
 * The shared store for several relay nodes: PostgreSQL (`DEPTHROOM_DATABASE_URL`). Everything lives in
 * one schema (default `depthroom`), created on start by numbered migrations under an advisory lock, so
 * nodes that start together do not race:
 *   migrations     version, name, applied_at
 *   sessions       id, title, created_at (ms), seq (creation order)
 *   doc_updates    doc, seq, update (bytea): one row per Yjs update
 *   cluster_secret the token secret every node signs with (or only its fingerprint when the nodes are
 *                  given DEPTHROOM_SECRET), so a token issued by one node is accepted by all
 *   recordings     the recordings index: id, session_id, started_at, and the whole record (jsonb,
 *                  validated on the way in and out); the .mcap files live in the shared directory
 * Doc updates are appended, one INSERT per update, in call order per document. Compaction is safe with
 * several writers: it merges the rows it read with the given state (Y.mergeUpdates) and deletes exactly
 * those rows, so an update another node appended meanwhile is never lost.
 */

const DOC_NAME = /^[A-Za-z0-9_-]{1,128}$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: (schema: string) => string;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "sessions, doc updates, cluster secret",
    sql: (s) => `
      CREATE TABLE ${s}.sessions (
        id text PRIMARY KEY,
        title text NOT NULL,
        created_at bigint NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE
      );
      CREATE TABLE ${s}.doc_updates (
        doc text NOT NULL,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        update bytea NOT NULL,
        PRIMARY KEY (doc, seq)
      );
      CREATE TABLE ${s}.cluster_secret (
        id smallint PRIMARY KEY CHECK (id = 1),
        secret text,
        fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
  {
    version: 2,
    name: "recordings index",
    sql: (s) => `
      CREATE TABLE ${s}.recordings (
        id text PRIMARY KEY,
        session_id text NOT NULL,
        started_at bigint NOT NULL,
        record jsonb NOT NULL
      );
      CREATE INDEX recordings_by_session ON ${s}.recordings (session_id, started_at, id);`,
  },
  {
    version: 3,
    name: "cluster admin token",
    sql: (s) => `
      CREATE TABLE ${s}.cluster_admin_token (
        id smallint PRIMARY KEY CHECK (id = 1),
        token text,
        fingerprint text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );`,
  },
];

export interface PostgresStoreOptions {
  /** Default `depthroom`: lower-case letters, digits and `_`. */
  readonly schema?: string;
  /** Connections in the pool (default 8). */
  readonly maxConnections?: number;
  /** Errors of idle connections (the server went away); they must not crash the process. */
  readonly onError?: (error: Error) => void;
  /**
   * Largest document row written, an update or a compacted state (default MAX_RECORD_BYTES, the file
   * store's bound): a write over it is refused with `DocumentTooLargeError` and the rows stay.
   */
  readonly maxRecordBytes?: number;
}

export class PostgresStore implements RelayStore {
  readonly #pool: Pool;
  readonly #schema: string;
  /** Per document, the tail of its write chain (writes of one document land in call order). */
  readonly #chains = new Map<string, Promise<void>>();
  #closed = false;

  private constructor(
    pool: Pool,
    schema: string,
    private readonly maxRecordBytes: number,
  ) {
    this.#pool = pool;
    this.#schema = schema;
  }

  /** Connect and migrate; fails with a message naming the server when PostgreSQL is unreachable. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const schema = options.schema ?? "depthroom";
    if (!SCHEMA_NAME.test(schema))
      throw new RangeError(`bad PostgreSQL schema name "${schema.slice(0, 64)}"`);
    const pool = new Pool({
      connectionString: url,
      max: options.maxConnections ?? 8,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 30_000,
      application_name: "depthroom-relay",
    });
    pool.on("error", (error) => options.onError?.(error));
    const store = new PostgresStore(pool, schema, options.maxRecordBytes ?? MAX_RECORD_BYTES);
    try {
      await store.#migrate();
    } catch (error) {
      await pool.end().catch(() => {});
      throw new Error(`PostgreSQL at ${describeUrl(url)}: ${errorText(error)}`);
    }
    return store;
  }

  /** The applied migration versions (for tests and operators). */
  async migrations(): Promise<number[]> {
    const result = await this.#pool.query<{ version: number }>(
      `SELECT version FROM ${this.#schema}.migrations ORDER BY version`,
    );
    return result.rows.map((row) => row.version);
  }

  async loadSessions(): Promise<SessionRecord[]> {
    const result = await this.#pool.query<{ id: string; title: string; created_at: string }>(
      `SELECT id, title, created_at FROM ${this.#schema}.sessions ORDER BY seq`,
    );
    return result.rows.map(toSessionRecord);
  }

  async saveSession(record: SessionRecord): Promise<void> {
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.sessions (id, title, created_at) VALUES ($1, $2, $3)`,
      [record.id, record.title, record.createdAt],
    );
  }

  async deleteSession(id: string): Promise<void> {
    await this.#enqueue(id, () =>
      this.#transaction(async (client) => {
        await client.query(`DELETE FROM ${this.#schema}.sessions WHERE id = $1`, [id]);
        await client.query(`DELETE FROM ${this.#schema}.doc_updates WHERE doc = $1`, [id]);
      }),
    );
  }

  async loadSession(id: string): Promise<SessionRecord | undefined> {
    const result = await this.#pool.query<{ id: string; title: string; created_at: string }>(
      `SELECT id, title, created_at FROM ${this.#schema}.sessions WHERE id = $1`,
      [id],
    );
    const row = result.rows[0];
    return row ? toSessionRecord(row) : undefined;
  }

  async loadDoc(name: string): Promise<Uint8Array[]> {
    checkDocName(name);
    await this.#chains.get(name);
    const result = await this.#pool.query<{ update: Buffer }>(
      `SELECT update FROM ${this.#schema}.doc_updates WHERE doc = $1 ORDER BY seq`,
      [name],
    );
    return result.rows.map((row) => new Uint8Array(row.update));
  }

  appendDocUpdate(name: string, update: Uint8Array): Promise<void> {
    checkDocName(name);
    if (update.byteLength > this.maxRecordBytes) {
      return Promise.reject(new DocumentTooLargeError(name, update.byteLength, this.maxRecordBytes));
    }
    return this.#enqueue(name, async () => {
      await this.#pool.query(`INSERT INTO ${this.#schema}.doc_updates (doc, update) VALUES ($1, $2)`, [
        name,
        Buffer.from(update.buffer, update.byteOffset, update.byteLength),
      ]);
    });
  }

  /**
   * Compaction: the rows stored now, merged with `state`, become one row. Rows appended meanwhile (by
   * this node after the call, or by another node at any time) are kept.
   */
  writeDocState(name: string, state: Uint8Array): Promise<void> {
    checkDocName(name);
    if (state.byteLength > this.maxRecordBytes) {
      return Promise.reject(new DocumentTooLargeError(name, state.byteLength, this.maxRecordBytes));
    }
    return this.#enqueue(name, () =>
      this.#transaction(async (client) => {
        // One compaction per document at a time, across nodes.
        await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`${this.#schema}.doc:${name}`]);
        const rows = await client.query<{ seq: string; update: Buffer }>(
          `SELECT seq, update FROM ${this.#schema}.doc_updates WHERE doc = $1 ORDER BY seq`,
          [name],
        );
        let merged = state;
        let merges = rows.rows.length > 0;
        try {
          if (merges) merged = Y.mergeUpdates([...rows.rows.map((row) => new Uint8Array(row.update)), state]);
        } catch {
          // A row that is not a Yjs update: keep every row, add the state.
          merges = false;
        }
        // Over the bound: the transaction rolls back, every row stays.
        if (merged.byteLength > this.maxRecordBytes) {
          throw new DocumentTooLargeError(name, merged.byteLength, this.maxRecordBytes);
        }
        if (merges) {
          await client.query(
            `DELETE FROM ${this.#schema}.doc_updates WHERE doc = $1 AND seq = ANY($2::bigint[])`,
            [name, rows.rows.map((row) => row.seq)],
          );
        }
        await client.query(`INSERT INTO ${this.#schema}.doc_updates (doc, update) VALUES ($1, $2)`, [
          name,
          Buffer.from(merged.buffer, merged.byteOffset, merged.byteLength),
        ]);
      }),
    );
  }

  async listRecordings(sessionId?: string): Promise<RecordingRecord[]> {
    const result = await this.#pool.query<{ record: unknown }>(
      sessionId === undefined
        ? `SELECT record FROM ${this.#schema}.recordings ORDER BY started_at, id`
        : `SELECT record FROM ${this.#schema}.recordings WHERE session_id = $1 ORDER BY started_at, id`,
      sessionId === undefined ? [] : [sessionId],
    );
    return result.rows.map((row) => checkRecordingRecord(row.record));
  }

  async getRecording(id: string): Promise<RecordingRecord | undefined> {
    const result = await this.#pool.query<{ record: unknown }>(
      `SELECT record FROM ${this.#schema}.recordings WHERE id = $1`,
      [id],
    );
    const row = result.rows[0];
    return row ? checkRecordingRecord(row.record) : undefined;
  }

  async saveRecording(record: RecordingRecord): Promise<void> {
    const checked = checkRecordingRecord(record);
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.recordings (id, session_id, started_at, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET session_id = $2, started_at = $3, record = $4`,
      [checked.id, checked.sessionId, checked.startedAt, JSON.stringify(checked)],
    );
  }

  /** Forget a recording and its review room's document (`rec-<id>`), in one transaction. */
  deleteRecording(id: string): Promise<void> {
    const room = `rec-${id}`;
    checkDocName(room);
    return this.#enqueue(room, () =>
      this.#transaction(async (client) => {
        await client.query(`DELETE FROM ${this.#schema}.recordings WHERE id = $1`, [id]);
        await client.query(`DELETE FROM ${this.#schema}.doc_updates WHERE doc = $1`, [room]);
      }),
    );
  }

  /**
   * The token secret every node shares. With `given` (DEPTHROOM_SECRET) only its fingerprint is stored,
   * and a node given another secret refuses to start; without it, the first node stores a generated
   * secret (`create()`) and every later node uses that one.
   */
  resolveSecret(given: string | undefined, create: () => string): Promise<string> {
    return this.#resolveShared(
      {
        table: "cluster_secret",
        column: "secret",
        env: "DEPTHROOM_SECRET",
        noun: "secret",
        verb: "sign with",
      },
      given,
      create,
    );
  }

  /**
   * The admin token (`POST /api/admin/notices`) every node accepts, shared like the token secret: with
   * `given` (DEPTHROOM_ADMIN_TOKEN) only its fingerprint is stored and every node must be given the
   * same; without it, the first node stores a generated token and every later node uses that one.
   */
  resolveAdminToken(given: string | undefined, create: () => string): Promise<string> {
    return this.#resolveShared(
      {
        table: "cluster_admin_token",
        column: "token",
        env: "DEPTHROOM_ADMIN_TOKEN",
        noun: "admin token",
        verb: "use",
      },
      given,
      create,
    );
  }

  async #resolveShared(
    where: { table: string; column: string; env: string; noun: string; verb: string },
    given: string | undefined,
    create: () => string,
  ): Promise<string> {
    const { table, column, env, noun, verb } = where;
    const candidate = given ?? create();
    await this.#pool.query(
      `INSERT INTO ${this.#schema}.${table} (id, ${column}, fingerprint) VALUES (1, $1, $2)
       ON CONFLICT (id) DO NOTHING`,
      [given === undefined ? candidate : null, fingerprint(candidate)],
    );
    const result = await this.#pool.query<{ value: string | null; fingerprint: string }>(
      `SELECT ${column} AS value, fingerprint FROM ${this.#schema}.${table} WHERE id = 1`,
    );
    const row = result.rows[0];
    if (!row) throw new Error(`the ${table} row is missing`);
    if (given !== undefined) {
      if (row.fingerprint !== fingerprint(given)) {
        throw new Error(
          `${env} (fingerprint ${fingerprint(given)}) differs from the ${noun} the other nodes use (fingerprint ${row.fingerprint})`,
        );
      }
      return given;
    }
    if (row.value === null) {
      throw new Error(
        `the other nodes ${verb} their ${env} (fingerprint ${row.fingerprint}): set it on this node too`,
      );
    }
    return row.value;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
    await this.#pool.end();
  }

  async #migrate(): Promise<void> {
    const s = this.#schema;
    await this.#transaction(async (client) => {
      // Nodes starting together take turns; CREATE SCHEMA IF NOT EXISTS alone races.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`depthroom-migrate:${s}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${s}.migrations (
           version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
      );
      const applied = await client.query<{ version: number }>(`SELECT version FROM ${s}.migrations`);
      const done = new Set(applied.rows.map((row) => row.version));
      for (const migration of MIGRATIONS) {
        if (done.has(migration.version)) continue;
        await client.query(migration.sql(s));
        await client.query(`INSERT INTO ${s}.migrations (version, name) VALUES ($1, $2)`, [
          migration.version,
          migration.name,
        ]);
      }
    });
  }

  async #transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  #enqueue(name: string, task: () => Promise<void>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("store closed"));
    const previous = this.#chains.get(name) ?? Promise.resolve();
    const run = previous.then(task);
    // The chain goes on after a failed write; the caller sees the failure.
    const tail = run.catch(() => {});
    this.#chains.set(name, tail);
    void tail.then(() => {
      if (this.#chains.get(name) === tail) this.#chains.delete(name);
    });
    return run;
  }
}

function checkDocName(name: string): void {
  if (!DOC_NAME.test(name)) throw new RangeError(`bad document name "${name.slice(0, 40)}"`);
}

function toSessionRecord(row: { id: string; title: string; created_at: string }): SessionRecord {
  return { id: row.id, title: row.title, createdAt: Number(row.created_at) };
}

/** A secret's identity: 16 hex digits of its SHA-256 (never the secret). */
export function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 16);
}

/** The URL without its password, for messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = "";
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return "(unparsable DEPTHROOM_DATABASE_URL)";
  }
}

function errorText(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(errorText).join("; ");
  return error instanceof Error ? error.message || error.name : String(error);
}

/** 32 random bytes as hex: a fresh token secret. */
export function newSecret(): string {
  return randomBytes(32).toString("hex");
}
