import { isRefusal } from "./connection.ts";
import { SdkError, SdkErrorCode } from "./errors.ts";

/* Small helpers for the relay's JSON API over fetch (browser-safe). */

/** The JSON body of an answer, or the relay's refusal as an `SdkError`. */
export async function readAnswer(response: Response, url: string): Promise<unknown> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new SdkError(
      response.ok ? SdkErrorCode.BadMessage : SdkErrorCode.Internal,
      `${url.split("?")[0]} answered ${response.status} without JSON: is this a Depthroom relay?`,
    );
  }
  if (!response.ok) {
    const error = (body as { error?: unknown } | null)?.error;
    if (isRefusal(error)) throw new SdkError(error.code, `the relay refused: ${error.message}`);
    throw new SdkError(SdkErrorCode.Internal, `${url.split("?")[0]} answered ${response.status}`);
  }
  return body;
}

/** A fetch that failed before any answer: `relay-unreachable`, naming the relay and the cause. */
export function unreachable(relayUrl: string, error: unknown): SdkError {
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  return new SdkError(SdkErrorCode.RelayUnreachable, `relay unreachable: ${relayUrl} (${cause})`);
}
