"use client";

import { makeSessionLink, ROLES, type Role, type SessionLink } from "@depthroom/schema";
import { useEffect, useState } from "react";
import { CopyField } from "../components/CopyField.tsx";
import { streamCommand } from "../lib/links.ts";
import { type KnownTokens, recallTokens, rememberTokens } from "../lib/tokenCache.ts";

const ROLE_HELP: Record<Role, string> = {
  view: "sees everything, changes nothing",
  edit: "also annotates and drives playback",
  publish: "for a rig: streams frames into the session",
};

/** The Share popover: the view / edit / publish links this browser knows, and the rig's stream line. */
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

  useEffect(() => {
    rememberTokens(link.session, { [role]: link.token });
    setTokens(recallTokens(link.session));
  }, [link, role]);

  const linkFor = (r: Role) => {
    const token = tokens[r];
    return token ? makeSessionLink({ ...link, token }) : undefined;
  };
  const publish = linkFor("publish");

  return (
    <div className="popover share" role="dialog" aria-label="Share this session" data-testid="share-popover">
      <div className="popover-head">
        <strong>Share this session</strong>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      {ROLES.map((r) => {
        const href = linkFor(r);
        return (
          <div key={r} className="share-row">
            <div className="share-role">
              <span className={`role role-${r}`}>{r}</span> <span className="muted">{ROLE_HELP[r]}</span>
            </div>
            {href ? (
              <CopyField value={href} testId={`share-${r}`} />
            ) : (
              <p className="muted small" data-testid={`share-${r}-missing`}>
                Not available from a {role} link: ask whoever created the session.
              </p>
            )}
          </div>
        );
      })}
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
    </div>
  );
}
