import {
  isSessionId,
  LinkError,
  makeSessionLink,
  parseRecordingLink,
  parseSessionLink,
  type RecordingLink,
  type Role,
  readTokenClaims,
  type SessionLink,
  type TokenClaims,
} from "@depthroom/schema";

/*
 * Links as the web app uses them: where the relay is, the three capability links of a session, the
 * line that streams a rig into it, and the checks a link passes before the viewer opens.
 */

/** The relay used by `/` when the page names none: `NEXT_PUBLIC_DEPTHROOM_RELAY`, else localhost. */
export const DEFAULT_RELAY_URL = "http://localhost:8787";

/** The relay for the home page: `?relay=` on the page's URL, then the build-time default. */
export function homeRelayUrl(search: string, configured: string | undefined): string {
  const fromQuery = new URLSearchParams(search).get("relay");
  const chosen = fromQuery || configured || DEFAULT_RELAY_URL;
  return chosen.replace(/\/+$/, "");
}

/** The view, edit and publish links of a session, on this web app's origin. */
export function sessionLinks(
  webUrl: string,
  relayUrl: string,
  session: string,
  tokens: Readonly<Record<Role, string>>,
): Readonly<Record<Role, string>> {
  const link = (role: Role) => makeSessionLink({ webUrl, relayUrl, session, token: tokens[role] });
  return { view: link("view"), edit: link("edit"), publish: link("publish") };
}

/** The shell line that streams a folder of 16-bit PNGs into a session (quoted for POSIX shells). */
export function streamCommand(publishLink: string, folder = "./depth"): string {
  return `npx depthroom stream ${shellQuote(folder)} --link ${shellQuote(publishLink)}`;
}

function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Why a link cannot open the viewer: shown as a plain page. */
export interface LinkProblem {
  readonly title: string;
  readonly detail: string;
}

/** A link that passed the checks (with its token's claims), or why it cannot open. */
export type Opened<L> =
  | { readonly ok: true; readonly link: L; readonly claims: TokenClaims }
  | { readonly ok: false; readonly problem: LinkProblem };
export type OpenedLink = Opened<SessionLink>;
export type OpenedReviewLink = Opened<RecordingLink>;

const badToken = (detail: string): LinkProblem => ({ title: "This link's token is not valid", detail });

/**
 * The checks every link passes before connecting: it parses (`what` names the kind of link), its token
 * reads, `refuse` finds nothing wrong with the pair, and the token has not expired. The relay still
 * verifies the signature.
 */
function openTokenLink<L extends { readonly token: string }>(
  href: string,
  nowSeconds: number,
  what: string,
  parse: (href: string) => L,
  refuse: (link: L, claims: TokenClaims) => LinkProblem | undefined,
): Opened<L> {
  let link: L;
  try {
    link = parse(href);
  } catch (error) {
    const detail = error instanceof LinkError ? error.message : String(error);
    return { ok: false, problem: { title: `This link is not a ${what} link`, detail } };
  }
  const claims = readTokenClaims(link.token);
  if (!claims) return { ok: false, problem: badToken("The token is malformed.") };
  const problem = refuse(link, claims);
  if (problem) return { ok: false, problem };
  if (claims.exp !== undefined && claims.exp <= nowSeconds) {
    const when = new Date(claims.exp * 1000).toISOString();
    return { ok: false, problem: { title: "This link has expired", detail: `It expired at ${when}.` } };
  }
  return { ok: true, link, claims };
}

/** Check the link the browser is on (`/s/<session>?relay=...#token=...`): a token of this session. */
export function openLink(href: string, nowSeconds: number): OpenedLink {
  return openTokenLink(href, nowSeconds, "session", parseSessionLink, (link, claims) =>
    claims.session !== link.session ? badToken("The token belongs to another session.") : undefined,
  );
}

/**
 * Check a review link (`/r/<recording>?relay=...#token=...`): a recording's own token must be of this
 * recording; a session token is accepted too (the relay checks that the recording belongs to its
 * session); a publish token cannot open a review.
 */
export function openReviewLink(href: string, nowSeconds: number): OpenedReviewLink {
  return openTokenLink(href, nowSeconds, "review", parseRecordingLink, (link, claims) => {
    if (claims.recording !== undefined && claims.recording !== link.recording)
      return badToken("The token belongs to another recording.");
    if (claims.role === "publish")
      return { title: "This link does not allow viewing", detail: "A publish token cannot open a review." };
    return undefined;
  });
}

/** A link a person pasted on `/`: a full session link, returned as the path to navigate to. */
export function pastedLinkTarget(text: string): { ok: true; href: string } | { ok: false; reason: string } {
  try {
    const link = parseSessionLink(text);
    if (!isSessionId(link.session)) return { ok: false, reason: "not a session id" };
    return { ok: true, href: makeSessionLink(link) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
