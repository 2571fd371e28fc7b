import { randomBytes } from "node:crypto";
import { connect } from "node:net";
import { Client } from "pg";

/*
 * The servers the scale-out tests need, running on this machine (and in CI): PostgreSQL at
 * 127.0.0.1:5432 and Redis at 127.0.0.1:6379. When one is down the test fails with a message saying
 * which one and how to check; it never skips. Each run works in its own schema or database, dropped
 * afterwards, so parallel runs do not collide.
 */

export const DATABASE_URL =
  process.env.DEPTHROOM_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const REDIS_URL = process.env.DEPTHROOM_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function query(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${new URL(url).host} (${describe(error)}); the scale-out tests need it: check \`pg_isready -h 127.0.0.1\``,
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function requirePostgres(): Promise<void> {
  return query(DATABASE_URL, "SELECT 1");
}

/** A fresh schema name in the test database; `drop()` removes it with everything in it. */
export async function scratchSchema(): Promise<{ readonly schema: string; drop(): Promise<void> }> {
  await requirePostgres();
  const schema = `depthroom_t_${randomBytes(6).toString("hex")}`;
  return { schema, drop: () => query(DATABASE_URL, `DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}

/** A fresh, empty database; `drop()` removes it (closing whatever is still connected). */
export async function scratchDatabase(): Promise<{ readonly url: string; drop(): Promise<void> }> {
  await requirePostgres();
  const name = `depthroom_t_${randomBytes(6).toString("hex")}`;
  const admin = withDatabase(DATABASE_URL, "postgres");
  await query(admin, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(DATABASE_URL, name),
    drop: () => query(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Redis answers PING, or the test fails with a message saying so. */
export function requireRedis(url = REDIS_URL): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      socket.destroy();
      reject(
        new Error(
          `Redis is not reachable at ${hostname}:${port || 6379} (${reason}); the scale-out tests need it: check \`redis-cli ping\``,
        ),
      );
    };
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(3000, () => fail("timed out"));
    socket.once("error", (error) => fail(describe(error)));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      if (data.toString().startsWith("+PONG")) resolve();
      else fail(`answered ${JSON.stringify(data.toString().slice(0, 40))}`);
    });
  });
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join("; ");
  return error instanceof Error
    ? error.message || (error as NodeJS.ErrnoException).code || error.name
    : String(error);
}
