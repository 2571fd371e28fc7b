import {
  type BatchMessage,
  decodeMessageBatch,
  type ImportRecordingResponse,
  ImportRecordingResponseSchema,
  isRecordingId,
  type Measurement,
  parseRecordingLink,
  parseSessionLink,
  type RecordingDescription,
  RecordingDescriptionSchema,
  RecordingListSchema,
  RecordingMeasurementsSchema,
  type Role,
  readTokenClaims,
  type StartRecordingRequest,
} from "@depthroom/schema";
import { SdkError, SdkErrorCode } from "./errors.ts";
import { type CallOptions, call as callRelay, readJson } from "./http.ts";
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
  return (await readJson(response, RecordingListSchema, "the relay's recording list")).recordings;
}

/** `GET /api/recordings/:id` (with review links for the caller's role). */
export async function describeRecording(
  access: RecordingAccess,
  id: string,
  options: RequestOptions = {},
): Promise<RecordingDescription> {
  const response = await call(access, "GET", `/api/recordings/${checkId(id)}`, options);
  return readDescription(response);
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
  return readDescription(response);
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
  return readDescription(response);
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

/**
 * `GET /api/recordings/:id/measurements`: the complete measurements of the recording's review room
 * (issue 20), oldest first, as the Foxglove export writes them.
 */
export async function fetchMeasurements(
  access: RecordingAccess,
  id: string,
  options: RequestOptions = {},
): Promise<readonly Measurement[]> {
  const response = await call(access, "GET", `/api/recordings/${checkId(id)}/measurements`, options);
  return (await readJson(response, RecordingMeasurementsSchema, "the relay's measurements")).measurements;
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
  return readJson(response, ImportRecordingResponseSchema, "the relay's import answer");
}

/** `call()` with the access's relay and token. */
function call(
  access: RecordingAccess,
  method: string,
  path: string,
  options: RequestOptions & Pick<CallOptions, "json" | "body" | "size">,
): Promise<Response> {
  return callRelay(access.relayUrl, path, { ...options, method, token: access.token });
}

function readDescription(response: Response): Promise<RecordingDescription> {
  return readJson(response, RecordingDescriptionSchema, "the relay's recording description");
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
