"use client";

import { makeSessionLink, ROLES, type Role, type SessionLink, SHAREABLE_ROLES } from "@depthroom/schema";
import { fetchSessionLinks } from "@depthroom/sdk";
import { useEffect, useState } from "react";
import { CopyField } from "../components/CopyField.tsx";
import { Popover } from "../components/Popover.tsx";
import { streamCommand } from "../lib/links.ts";
import { type KnownTokens, recallTokens, rememberTokens } from "../lib/tokenCache.ts";

const ROLE_HELP: Record<Role, string> = {
  view: "sees everything, changes nothing",
  edit: "also annotates and drives playback",
  publish: "for a rig: streams frames into the session",
};

/** Where the links shown come from: this browser's memory, then the relay's answer. */
type Asked =
  | { readonly state: "asking" }
  | { readonly state: "answered" }
  | { readonly state: "failed"; readonly message: string };

/**
 * The Share popover: the view / edit / publish links this link may hand out, one click to copy each,
 * and the rig's stream line. The relay gives them (`GET /api/sessions/:id/links`: an edit link gets all
 * three, a view or publish link its own), so any edit-link holder can share, not only the browser that
 * created the session; meanwhile, or if the relay cannot answer, the tokens this browser remembers.
 * Links are built on this web app's address (the one the person is using), with the relay's tokens.
 */
export function ShareControl({
  link,
  role,
  onClose,
}: {
  link: SessionLink;
  role: Role;
  onClose: () => void;
}) {
  const [tokens, setTokens] = useState<KnownTokens>({ [role]: link.token });
  const [asked, setAsked] = useState<Asked>({ state: "asking" });

  // Primitive dependencies: a parent that rebuilds an equal link object does not ask the relay again.
  const { relayUrl, session, token } = link;
  useEffect(() => {
    rememberTokens(session, { [role]: token });
    setTokens(recallTokens(session));
    const abort = new AbortController();
    setAsked({ state: "asking" });
    fetchSessionLinks({ relayUrl, session, token, signal: abort.signal }).then(
      (answer) => {
        if (abort.signal.aborted) return;
        // Only roles this link may hand out, whatever the answer holds.
        const fresh: KnownTokens = {};
        for (const r of SHAREABLE_ROLES[role]) {
          const given = answer.tokens[r];
          if (given) fresh[r] = given;
        }
        // The tokens already known (the link's own, the creator's) stay, so links do not change under
        // the person's eyes; the relay's fill in the roles this browser has never seen.
        setTokens((known) => ({ ...fresh, ...known }));
        setAsked({ state: "answered" });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        setAsked({ state: "failed", message: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => abort.abort();
  }, [relayUrl, session, token, role]);

  const linkFor = (r: Role) => {
    const token = tokens[r];
    return token ? makeSessionLink({ ...link, token }) : undefined;
  };
  const publish = linkFor("publish");

  return (
    <Popover title="Share this session" className="share" data={{ links: asked.state }} onClose={onClose}>
      {ROLES.map((r) => {
        const href = linkFor(r);
        return (
          <div key={r} className="share-row">
            <div className="share-role">
              <span className={`role role-${r}`}>{r}</span> <span className="muted">{ROLE_HELP[r]}</span>
            </div>
            {href ? (
              <CopyField value={href} testId={`share-${r}`} />
            ) : asked.state === "asking" ? (
              <p className="muted small" data-testid={`share-${r}-asking`}>
                Asking the relay…
              </p>
            ) : (
              <p className="muted small" data-testid={`share-${r}-missing`}>
                Not available from a {role} link: ask someone with the edit link.
              </p>
            )}
          </div>
        );
      })}
      {asked.state === "failed" ? (
        <p className="muted small" data-testid="share-problem">
          The relay did not give the links ({asked.message}); showing the ones this browser knows.
        </p>
      ) : null}
      <div className="share-row">
        <div className="share-role">
          <strong>Stream a rig</strong> <span className="muted">a folder of 16-bit depth PNGs</span>
        </div>
        {publish ? (
          <CopyField value={streamCommand(publish)} testId="share-stream-command" />
        ) : (
          <p className="muted small">Needs the publish link.</p>
        )}
      </div>
    </Popover>
  );
}
