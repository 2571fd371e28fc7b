import { hostname } from "node:os";
import { ClusterBus } from "./clusterBus.ts";
import { createLogger, type LogLevel } from "./log.ts";
import { newSecret, PostgresStore } from "./postgresStore.ts";
import type { RelayOptions } from "./relay.ts";

/*
 * Scale-out from the environment (main.ts). With none of these set, nothing changes: the embedded
 * store, one node.
 *   DEPTHROOM_DATABASE_URL     PostgreSQL: sessions, documents and the token secret shared by all nodes
 *   DEPTHROOM_DATABASE_SCHEMA  its schema (default "depthroom")
 *   DEPTHROOM_REDIS_URL        Redis 7: the cross-node bus (socket.io sharded adapter)
 *   DEPTHROOM_REDIS_PREFIX     prefix of its channels (default "depthroom")
 *   DEPTHROOM_NODE_ID          this node's id (default <hostname>-<pid>), in /healthz and `welcome`
 */

export interface ScaleOutEnv {
  readonly DEPTHROOM_DATABASE_URL?: string | undefined;
  readonly DEPTHROOM_DATABASE_SCHEMA?: string | undefined;
  readonly DEPTHROOM_REDIS_URL?: string | undefined;
  readonly DEPTHROOM_REDIS_PREFIX?: string | undefined;
  readonly DEPTHROOM_NODE_ID?: string | undefined;
}

export type ScaleOutOptions = Pick<RelayOptions, "store" | "secret" | "cluster">;

/** The relay options the environment asks for; `{}` when it asks for no scale-out. */
export async function scaleOutFromEnv(
  env: ScaleOutEnv,
  secret: string | undefined,
  logLevel: LogLevel,
): Promise<ScaleOutOptions> {
  const databaseUrl = env.DEPTHROOM_DATABASE_URL || undefined;
  const redisUrl = env.DEPTHROOM_REDIS_URL || undefined;
  if (!databaseUrl && !redisUrl) return {};
  if (redisUrl && !databaseUrl) {
    throw new Error(
      "DEPTHROOM_REDIS_URL needs DEPTHROOM_DATABASE_URL: the nodes share sessions, documents and the token secret in PostgreSQL",
    );
  }
  const logger = createLogger(logLevel);
  const options: { -readonly [K in keyof ScaleOutOptions]: ScaleOutOptions[K] } = {};
  if (databaseUrl) {
    const store = await PostgresStore.open(databaseUrl, {
      ...(env.DEPTHROOM_DATABASE_SCHEMA ? { schema: env.DEPTHROOM_DATABASE_SCHEMA } : {}),
      onError: (error) => logger.warn("postgresql connection error", { error: error.message }),
    });
    try {
      options.secret = await store.resolveSecret(secret, newSecret);
    } catch (error) {
      await store.close();
      throw error;
    }
    options.store = store;
  }
  if (redisUrl) {
    options.cluster = await ClusterBus.connect({
      redisUrl,
      nodeId: env.DEPTHROOM_NODE_ID || `${hostname()}-${process.pid}`,
      ...(env.DEPTHROOM_REDIS_PREFIX ? { prefix: env.DEPTHROOM_REDIS_PREFIX } : {}),
      logger,
    }).catch(async (error: unknown) => {
      await options.store?.close();
      throw error;
    });
  }
  return options;
}
