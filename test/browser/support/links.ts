import { makeSessionLink, type Role } from "@depthroom/schema";

/** The link of `role` for a session the test created on the relay, on the test's web app. */
export function linkFor(
  webUrl: string,
  relayUrl: string,
  session: { id: string; tokens: Readonly<Record<Role, string>> },
  role: Role,
): string {
  return makeSessionLink({ webUrl, relayUrl, session: session.id, token: session.tokens[role] });
}
