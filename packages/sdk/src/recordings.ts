import {
  type BatchMessage,
  decodeMessageBatch,
  type ImportRecordingResponse,
  isRecordingId,
  parseRecordingLink,
  parseSessionLink,
  type RecordingDescription,
  type RecordingList,
  type Role,
  readTokenClaims,
  type StartRecordingRequest,
} from "@depthroom/schema";
import { isRefusal } from "./connection.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { normalizeRelayUrl } from "./target.ts";

/*
 * The relay's recordings API over fetch (browser-safe): list, describe, start, stop, delete, the
 * latest-at and range reads a review client needs, download and import. Every call takes a
 * `RecordingAccess`, made from a session link or a review link (`<web>/r/<recording>?relay=...#token=...`).
 * Failures reject with `SdkError`: the relay's code (`recording-not-found`, `forbidden`, ...) or
 * `relay-unreachable`.
 */

export interface RecordingAccess {
  readonly relayUrl: string;
  readonly token: string;
  /** The session the token belongs to. */
  readonly session: string;
  /** Set for a review link: the token opens only this recording. */
  readonly recording?: string;
  /** The token's role as it claims (unverified; the relay decides). */
  readonly role: Role | undefined;
}

/** Read a session link or a review link. Throws `SdkError` `bad-link`. */
export function recordingAccess(link: string): RecordingAccess {
  if (typeof link !== "string") throw new SdkError(SdkErrorCode.BadLink, "link: expected a string");
  let relayUrl: string;
  let token: string;
  let linkRecording: string | undefined;
  try {
    if (/\/r\/[^/?#]+\/?(?:[?#]|$)/.test(link)) {
      const parsed = parseRecordingLink(link);
      ({ relayUrl, token } = parsed);
      linkRecording = parsed.recording;
    } else {
      ({ relayUrl, token } = parseSessionLink(link));
    }
  } catch (error) {
    throw SdkError.from(error);
  }
  const claims = readTokenClaims(token);
  if (!claims) throw new SdkError(SdkErrorCode.BadToken, "the link's token is not a Depthroom token");
  if (linkRecording !== undefined && claims.recording !== undefined && claims.recording !== linkRecording) {
    throw new SdkError(SdkErrorCode.BadToken, `the token belongs to recording ${claims.recording}`);
  }
  const recording = claims.recording ?? linkRecording;
  return {
    relayUrl: normalizeRelayUrl(relayUrl),
    token,
    session: claims.session,
    ...(recording !== undefined ? { recording } : {}),
    role: claims.role,
  };
}

export interface RequestOptions {
  readonly signal?: AbortSignal;
  /** Default 30 s (none for downloads and imports, which last as long as the file). */
  readonly timeoutMs?: number;
}

/** `GET /api/recordings`: the session's recordings (or the one a review link opens). */
export async function listRecordings(
  access: RecordingAccess,
  options: RequestOptions = {},
): Promise<readonly RecordingDescription[]> {
  const response = await call(access, "GET", "/api/recordings", options);
  return ((await readJson(response)) as RecordingList).recordings;
}

/** `GET /api/recordings/:id` (with review links for the caller's role). */
export async function describeRecording(
  access: RecordingAccess,
  id: string,
  options: RequestOptions = {},
): Promise<RecordingDescription> {
  const response = await call(access, "GET", `/api/recordings/${checkId(id)}`, options);
  return (await readJson(response)) as RecordingDescription;
}

/** `POST /api/sessions/:id/recordings` (edit): start recording, or the recording already running. */
export async function startRecording(
  access: RecordingAccess,
  request: StartRecordingRequest = {},
  options: RequestOptions = {},
): Promise<RecordingDescription> {
  const response = await call(access, "POST", `/api/sessions/${access.session}/recordings`, {
    ...options,
    json: request,
  });
  return (await readJson(response)) as RecordingDescription;
}

/** `POST /api/recordings/:id/stop` (edit). */
export async function stopRecording(
  access: RecordingAccess,
  id: string,
  request: { by?: string } = {},
  options: RequestOptions = {},
): Promise<RecordingDescription> {
  // `?session=` lets a load balancer route to the node that writes the recording (the relay ignores it).
  const response = await call(
    access,
    "POST",
    `/api/recordings/${checkId(id)}/stop?session=${access.session}`,
    {
      ...options,
      json: request,
    },
  );
  return (await readJson(response)) as RecordingDescription;
}

/** `DELETE /api/recordings/:id` (edit). */
export async function deleteRecording(
  access: RecordingAccess,
  id: string,
  options: RequestOptions = {},
): Promise<void> {
  await call(access, "DELETE", `/api/recordings/${checkId(id)}?session=${access.session}`, options);
}

/**
 * `GET /api/recordings/:id/at?t=`: the latest wire message of each entity at or before `timeNs`
 * (static first, parents before children), each with its log time. Decode the bytes with `decodeMessage`.
 */
export async function fetchLatestAt(
  access: RecordingAccess,
  id: string,
  timeNs: bigint,
  options: RequestOptions = {},
): Promise<BatchMessage[]> {
  const response = await call(access, "GET", `/api/recordings/${checkId(id)}/at?t=${timeNs}`, options);
  return readBatch(response);
}

/**
 * `GET /api/recordings/:id/range?from=&to=`: temporal wire messages in [from, to], in log-time order,
 * each with its log time (read-ahead while playing). When the relay cut the answer, `next` is where to
 * continue.
 */
export async function fetchRange(
  access: RecordingAccess,
  id: string,
  fromNs: bigint,
  toNs: bigint,
  options: RequestOptions & { maxBytes?: number } = {},
): Promise<{ messages: BatchMessage[]; next: bigint | undefined }> {
  const query = `from=${fromNs}&to=${toNs}${options.maxBytes ? `&maxBytes=${options.maxBytes}` : ""}`;
  const response = await call(access, "GET", `/api/recordings/${checkId(id)}/range?${query}`, options);
  const next = response.headers.get("x-depthroom-next");
  return { messages: await readBatch(response), next: next === null ? undefined : BigInt(next) };
}

/** `GET /api/recordings/:id/file`: the response, whose body streams the .mcap file. */
export function downloadRecording(
  access: RecordingAccess,
  id: string,
  options: RequestOptions = {},
): Promise<Response> {
  return call(access, "GET", `/api/recordings/${checkId(id)}/file`, { timeoutMs: 0, ...options });
}

/**
 * `POST /api/sessions/:id/recordings/import` (edit): upload an MCAP file (ROS 2, Foxglove or
 * Depthroom) as a new recording of the session. `body` may be a Blob or, in Node, a ReadableStream
 * (then give `size`).
 */
export async function importRecording(
  access: RecordingAccess,
  body: Blob | ReadableStream<Uint8Array> | Uint8Array,
  options: RequestOptions & { title?: string; size?: number } = {},
): Promise<ImportRecordingResponse> {
  const query = options.title ? `?title=${encodeURIComponent(options.title)}` : "";
  const response = await call(access, "POST", `/api/sessions/${access.session}/recordings/import${query}`, {
    timeoutMs: 0,
    ...options,
    body,
  });
  return (await readJson(response)) as ImportRecordingResponse;
}

interface CallOptions extends RequestOptions {
  readonly json?: unknown;
  readonly body?: Blob | ReadableStream<Uint8Array> | Uint8Array;
  readonly size?: number;
}

async function call(
  access: RecordingAccess,
  method: string,
  path: string,
  options: CallOptions,
): Promise<Response> {
  const url = `${access.relayUrl}${path}`;
  const headers: Record<string, string> = { Authorization: `Bearer ${access.token}` };
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.json);
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/octet-stream";
    if (options.size !== undefined) headers["Content-Length"] = String(options.size);
    body = options.body as BodyInit;
  }
  const timeoutMs = options.timeoutMs ?? 30_000;
  const signals = [options.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
    (s): s is AbortSignal => s !== undefined,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(signals.length > 0 ? { signal: signals.length === 1 ? signals[0] : AbortSignal.any(signals) } : {}),
      // Node's fetch streams a ReadableStream body only in half-duplex mode.
      ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    if (options.signal?.aborted) throw new SdkError(SdkErrorCode.Closed, "cancelled");
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new SdkError(SdkErrorCode.RelayUnreachable, `relay unreachable: ${access.relayUrl} (${cause})`);
  }
  if (response.ok) return response;
  let refusal: unknown;
  try {
    refusal = ((await response.json()) as { error?: unknown }).error;
  } catch {
    // not JSON
  }
  if (isRefusal(refusal)) throw new SdkError(refusal.code, `the relay refused: ${refusal.message}`);
  throw new SdkError(SdkErrorCode.Internal, `${method} ${url.split("?")[0]} answered ${response.status}`);
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return await response.json();
  } catch {
    throw new SdkError(SdkErrorCode.BadMessage, `${response.url.split("?")[0]} answered without JSON`);
  }
}

async function readBatch(response: Response): Promise<BatchMessage[]> {
  try {
    return decodeMessageBatch(new Uint8Array(await response.arrayBuffer()));
  } catch (error) {
    throw SdkError.from(error);
  }
}

function checkId(id: string): string {
  if (!isRecordingId(id))
    throw new SdkError(SdkErrorCode.BadMessage, `"${String(id).slice(0, 40)}" is not a recording id`);
  return id;
}
