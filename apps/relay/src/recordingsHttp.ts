import { createReadStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import {
  type BatchMessage,
  ErrorCode,
  encodeMessageBatch,
  firstIssue,
  type ImportRecordingResponse,
  isRecordingId,
  MESSAGE_BATCH_CONTENT_TYPE,
  makeRecordingLink,
  type RecordingDescription,
  type RecordingList,
  type RecordingMeasurements,
  type Role,
  StartRecordingRequestSchema,
  StopRecordingRequestSchema,
  TitleSchema,
} from "@depthroom/schema";
import { admit } from "./access.ts";
import {
  allowCors,
  answeredPreflight,
  answerFailure,
  HttpError,
  readJsonBody,
  sendJson,
  spoolBody,
  tokenOf,
} from "./httpKit.ts";
import type { Logger } from "./log.ts";
import type { RelayMetrics } from "./metrics.ts";
import { admitRecording, linkRolesFor, type RecordingAction, verifyToken } from "./recordingAccess.ts";
import type { RecordingRecord } from "./recordingStore.ts";
import { RecordingRefusal, type Recordings } from "./recordings.ts";
import type { SessionRegistry } from "./sessionRegistry.ts";
import type { TokenSigner } from "./tokens.ts";

/*
 * The recordings' HTTP API (routes in apps/relay/README.md, "Recordings"):
 *   GET    /api/recordings                        the caller's recordings (a session's, or one)
 *   POST   /api/sessions/:id/recordings           start recording (edit)          { title?, by? }
 *   POST   /api/sessions/:id/recordings/import    import an MCAP body (edit)      ?title=
 *   GET    /api/recordings/:id                    describe (+ review links for the caller's role)
 *   POST   /api/recordings/:id/stop               stop (edit)                      { by? }
 *   DELETE /api/recordings/:id                    delete (edit)
 *   GET    /api/recordings/:id/file               the .mcap file
 *   GET    /api/recordings/:id/at?t=<ns>          latest message of each entity at t (message batch v2:
 *                                                 each message with its log time)
 *   GET    /api/recordings/:id/range?from=&to=    temporal messages in [from, to] (message batch v2)
 *   GET    /api/recordings/:id/measurements       the review room's complete measurements (JSON)
 * Tokens as `Authorization: Bearer <token>` or `?token=`. Errors: `{ error: { code, message } }`
 * (httpKit.ts: an `internal` failure is logged with its detail and answered without it).
 */

export interface RecordingsHttpDeps {
  readonly signer: TokenSigner;
  readonly registry: SessionRegistry;
  readonly recordings: Recordings;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly urls: () => { relayUrl: string; webUrl: string };
  /** Largest upload `import` accepts (bytes). */
  readonly maxImportBytes: number;
}

const DEFAULT_RANGE_BYTES = 16 << 20;
const MAX_RANGE_BYTES = 64 << 20;
const MAX_U64 = (1n << 64n) - 1n;

const ROUTES =
  /^\/api\/(?:recordings(?:\/([^/]+)(?:\/(stop|file|at|range|measurements))?)?|sessions\/([^/]+)\/recordings(\/import)?)$/;

/**
 * A request handler for the recordings' routes: returns false (and does nothing) for any other path,
 * so the relay's main API handles it.
 */
export function createRecordingsHttp(
  deps: RecordingsHttpDeps,
): (req: IncomingMessage, res: ServerResponse, url: URL) => boolean {
  return (req, res, url) => {
    const match = ROUTES.exec(url.pathname);
    if (!match) return false;
    allowCors(
      res,
      "GET, POST, DELETE, OPTIONS",
      "Content-Disposition, X-Depthroom-Messages, X-Depthroom-Next",
    );
    if (answeredPreflight(req, res)) return true;
    const [, recordingId, action, sessionId, importPath] = match;
    route(deps, req, res, url, { recordingId, action, sessionId, importPath }).catch((error: unknown) =>
      // The recordings' own refusals are HTTP refusals; an `internal` one is logged, not answered.
      answerFailure(
        deps,
        req,
        res,
        error instanceof RecordingRefusal ? new HttpError(error.code, error.message) : error,
      ),
    );
    return true;
  };
}

interface RouteParts {
  readonly recordingId: string | undefined;
  readonly action: string | undefined;
  readonly sessionId: string | undefined;
  readonly importPath: string | undefined;
}

async function route(
  deps: RecordingsHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  parts: RouteParts,
): Promise<void> {
  const method = req.method ?? "GET";
  const token = tokenOf(req, url, deps.logger);
  if (parts.sessionId !== undefined) {
    if (method !== "POST") throw new HttpError(ErrorCode.BadMessage, `no route ${method} ${url.pathname}`);
    return parts.importPath
      ? importRecording(deps, req, res, url, parts.sessionId, token)
      : startRecording(deps, req, res, parts.sessionId, token);
  }
  if (parts.recordingId === undefined) {
    if (method !== "GET") throw new HttpError(ErrorCode.BadMessage, `no route ${method} ${url.pathname}`);
    return listRecordings(deps, res, token);
  }
  const expected =
    parts.action === "stop" ? "POST" : parts.action === undefined && method === "DELETE" ? "DELETE" : "GET";
  if (method !== expected) throw new HttpError(ErrorCode.BadMessage, `no route ${method} ${url.pathname}`);
  const action: RecordingAction = parts.action === "stop" || method === "DELETE" ? "manage" : "read";
  const { record, role, exp } = await admitted(deps, parts.recordingId, token, action);
  const { recordings } = deps;
  switch (parts.action) {
    case undefined:
      if (method === "DELETE") {
        await recordings.delete(record.id);
        res.writeHead(204).end();
        return;
      }
      return sendJson(res, 200, describeWithLinks(deps, record, role, exp));
    case "stop": {
      const body = await readJsonBody(req, StopRecordingRequestSchema, { what: "stop body" });
      const stopped = await recordings.stop(record.id, body.by ?? "");
      return sendJson(res, 200, recordings.describe(stopped));
    }
    case "file":
      return await sendFile(deps, res, record);
    case "measurements": {
      const body: RecordingMeasurements = { measurements: await recordings.measurements(record.id) };
      return sendJson(res, 200, body);
    }
    case "at": {
      const t = readNs(url, "t");
      const messages = await recordings.reads.latestAt(record, t);
      return sendBatch(res, messages, undefined);
    }
    case "range": {
      const from = readNs(url, "from");
      const to = readNs(url, "to");
      if (to < from) throw new HttpError(ErrorCode.BadMessage, "to must not be before from");
      const maxBytesText = url.searchParams.get("maxBytes");
      let maxBytes = DEFAULT_RANGE_BYTES;
      if (maxBytesText !== null) {
        maxBytes = Number(maxBytesText);
        if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_RANGE_BYTES) {
          throw new HttpError(ErrorCode.BadMessage, `maxBytes must be an integer in [1, ${MAX_RANGE_BYTES}]`);
        }
      }
      const { messages, next } = await recordings.reads.range(record, from, to, maxBytes);
      return sendBatch(res, messages, next);
    }
  }
}

/** The token's check first (nothing leaks to a bad token), then the record, then the role. */
async function admitted(
  deps: RecordingsHttpDeps,
  id: string,
  token: string | null,
  action: RecordingAction,
): Promise<{ record: RecordingRecord; role: Role; exp: number | undefined }> {
  const verified = verifyToken(deps.signer, token);
  if (!verified.ok) throw new HttpError(verified.code, verified.message);
  const decoded = safeDecode(id);
  if (!isRecordingId(decoded)) throw new HttpError(ErrorCode.RecordingNotFound, "not a recording id");
  const record = await deps.recordings.get(decoded);
  if (!record) throw new HttpError(ErrorCode.RecordingNotFound, "no such recording");
  const admission = admitRecording(verified.claims, record, action);
  if (!admission.ok) throw new HttpError(admission.code, admission.message);
  return { record, role: admission.role, exp: verified.claims.exp };
}

/** A session-level request: a session token of a known session, with the edit role. */
function admitSessionEdit(deps: RecordingsHttpDeps, sessionId: string, token: string | null, what: string) {
  const admission = admit(deps.signer, deps.registry, safeDecode(sessionId), token);
  if (!admission.ok) throw new HttpError(admission.code, admission.message);
  if (admission.role !== "edit") {
    throw new HttpError(
      ErrorCode.Forbidden,
      `a ${admission.role} token cannot ${what}: use the session's edit link`,
    );
  }
  return admission;
}

async function listRecordings(deps: RecordingsHttpDeps, res: ServerResponse, token: string | null) {
  const verified = verifyToken(deps.signer, token);
  if (!verified.ok) throw new HttpError(verified.code, verified.message);
  const { claims } = verified;
  if (claims.role === "publish") {
    throw new HttpError(ErrorCode.Forbidden, "a publish token cannot list recordings");
  }
  let records: RecordingRecord[];
  if (claims.recording !== undefined) {
    const one = await deps.recordings.get(claims.recording);
    records = one && one.sessionId === claims.session ? [one] : [];
  } else {
    records = await deps.recordings.list(claims.session);
  }
  const body: RecordingList = { recordings: records.map((r) => deps.recordings.describe(r)) };
  sendJson(res, 200, body);
}

async function startRecording(
  deps: RecordingsHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  sessionId: string,
  token: string | null,
): Promise<void> {
  const { record: session, exp } = admitSessionEdit(deps, sessionId, token, "start recordings");
  const body = await readJsonBody(req, StartRecordingRequestSchema, { what: "start body" });
  const by = body.by ?? "";
  const title = body.title || `${session.title || "Recording"} ${new Date().toISOString()}`;
  const { record, created } = await deps.recordings.start(session.id, { title, by });
  sendJson(res, created ? 201 : 200, describeWithLinks(deps, record, "edit", exp));
}

async function importRecording(
  deps: RecordingsHttpDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  sessionId: string,
  token: string | null,
): Promise<void> {
  const { record: session, exp } = admitSessionEdit(deps, sessionId, token, "import recordings");
  const title =
    readTitle(url.searchParams.get("title") ?? undefined) || `Imported ${new Date().toISOString()}`;
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > deps.maxImportBytes) {
    throw new HttpError(
      ErrorCode.MessageTooLarge,
      `the file is larger than the relay accepts (${deps.maxImportBytes} bytes)`,
    );
  }
  const temporary = deps.recordings.tempPath();
  try {
    const received = await spoolBody(req, temporary, deps.maxImportBytes);
    if (received === 0) throw new HttpError(ErrorCode.BadMessage, "not imported: the upload is empty");
    const result = await deps.recordings.importFile(session.id, temporary, title);
    const body: ImportRecordingResponse = {
      recordingId: result.record.id,
      recording: describeWithLinks(deps, result.record, "edit", exp),
      messages: result.messages,
      skipped: result.skipped.map((s) => ({ topic: s.topic, schema: s.schema, reason: s.reason })),
      problems: result.problems.map((p) => ({
        code: p.code,
        ...(p.topic !== undefined ? { topic: p.topic } : {}),
        message: p.message,
        count: p.count,
      })),
    };
    sendJson(res, 201, body);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** `exp`: the caller's token expiry, copied into the links' tokens (they never outlive it). */
function describeWithLinks(
  deps: RecordingsHttpDeps,
  record: RecordingRecord,
  role: Role,
  exp: number | undefined,
): RecordingDescription {
  const description = deps.recordings.describe(record);
  const roles = linkRolesFor(role);
  if (roles.length === 0) return description;
  const { relayUrl, webUrl } = deps.urls();
  const link = (r: "view" | "edit") =>
    makeRecordingLink({
      webUrl,
      relayUrl,
      recording: record.id,
      token: deps.signer.issueForRecording(record.sessionId, record.id, r, undefined, exp),
    });
  return {
    ...description,
    links: roles.includes("edit") ? { view: link("view"), edit: link("edit") } : { view: link("view") },
  };
}

async function sendFile(
  deps: RecordingsHttpDeps,
  res: ServerResponse,
  record: RecordingRecord,
): Promise<void> {
  if (record.status !== "stopped") {
    throw new HttpError(ErrorCode.RecordingActive, "the recording is still being written: stop it first");
  }
  const path = deps.recordings.path(record.id);
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new HttpError(ErrorCode.RecordingNotFound, "the recording's file is missing");
  }
  res.writeHead(200, {
    "Content-Type": "application/octet-stream",
    "Content-Length": String(size),
    "Content-Disposition": `attachment; filename="${record.id}.mcap"`,
    "Cache-Control": "no-store",
  });
  if (size === 0) {
    res.end();
    return;
  }
  try {
    // Exactly the bytes announced, even if the file grew (it does not once stopped).
    await pipeline(createReadStream(path, { end: size - 1 }), res);
  } catch (error) {
    // The client went away, or the file vanished mid-download (deleted): the response is cut.
    deps.logger.debug("recording download ended early", { recording: record.id, error: String(error) });
    res.destroy();
  }
}

function sendBatch(res: ServerResponse, messages: readonly BatchMessage[], next: bigint | undefined): void {
  const body = encodeMessageBatch(messages);
  const headers: Record<string, string> = {
    "Content-Type": MESSAGE_BATCH_CONTENT_TYPE,
    "Content-Length": String(body.byteLength),
    "Cache-Control": "no-store",
    "X-Depthroom-Messages": String(messages.length),
  };
  if (next !== undefined) headers["X-Depthroom-Next"] = next.toString();
  res.writeHead(200, headers).end(body);
}

function readNs(url: URL, name: string): bigint {
  const text = url.searchParams.get(name);
  if (text === null || !/^\d{1,20}$/.test(text) || BigInt(text) > MAX_U64) {
    throw new HttpError(
      ErrorCode.BadMessage,
      `${name} must be a time in nanoseconds (a non-negative integer)`,
    );
  }
  return BigInt(text);
}

/** A title from a body or the query: the schema's rule (TitleSchema), "" when absent. */
function readTitle(value: unknown): string {
  if (value === undefined) return "";
  const parsed = TitleSchema.safeParse(value);
  if (!parsed.success) throw new HttpError(ErrorCode.BadMessage, firstIssue(parsed.error).message);
  return parsed.data;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
