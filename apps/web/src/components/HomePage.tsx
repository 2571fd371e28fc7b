"use client";

import { createSession } from "@depthroom/sdk";
import { useEffect, useState } from "react";
import { homeRelayUrl, pastedLinkTarget, sessionLinks } from "../lib/links.ts";
import { rememberTokens } from "../lib/tokenCache.ts";
import { CopyField } from "./CopyField.tsx";

/** `/`: start a session, open a link, and how to stream a rig. */
export function HomePage({ configuredRelay }: { configuredRelay: string | undefined }) {
  const [relayUrl, setRelayUrl] = useState(() => homeRelayUrl("", configuredRelay));
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<string | undefined>();
  // The relay wants its operator's create token (DEPTHROOM_CREATE_TOKEN): asked for once it says so.
  const [createToken, setCreateToken] = useState<string | undefined>();
  const [pasted, setPasted] = useState("");
  const [pasteError, setPasteError] = useState<string | undefined>();

  useEffect(() => setRelayUrl(homeRelayUrl(window.location.search, configuredRelay)), [configuredRelay]);

  const start = async () => {
    setCreating(true);
    setCreateError(undefined);
    try {
      const token = createToken?.trim();
      const created = await createSession({ relayUrl, ...(token ? { createToken: token } : {}) });
      rememberTokens(created.id, created.tokens);
      const links = sessionLinks(window.location.origin, relayUrl, created.id, created.tokens);
      window.location.assign(links.edit);
    } catch (error) {
      setCreating(false);
      const code = (error as { code?: string }).code;
      if ((code === "unauthorized" || code === "bad-token") && createToken === undefined) {
        setCreateToken("");
        setCreateError("This relay creates sessions for its operator's create token only: enter it below.");
        return;
      }
      setCreateError(`${error instanceof Error ? error.message : String(error)}${code ? ` (${code})` : ""}`);
    }
  };

  const open = (event: React.FormEvent) => {
    event.preventDefault();
    const target = pastedLinkTarget(pasted);
    if (target.ok) window.location.assign(target.href);
    else setPasteError(target.reason);
  };

  return (
    <main className="home">
      <h1>Depthroom</h1>
      <p className="lead">Live depth cameras in the browser, as images and point clouds, viewed together.</p>

      <section className="card">
        <h2>Start a session</h2>
        <p>A new session on the relay below; you land in it with an edit link you can share.</p>
        <div className="row">
          <button
            type="button"
            className="primary"
            onClick={start}
            disabled={creating}
            data-testid="create-session"
          >
            {creating ? "Creating…" : "New session"}
          </button>
          <input
            type="url"
            aria-label="Relay URL"
            value={relayUrl}
            onChange={(e) => setRelayUrl(e.target.value)}
            data-testid="relay-url"
          />
        </div>
        {createToken !== undefined ? (
          <div className="row">
            <input
              type="password"
              aria-label="Create token"
              placeholder="The relay operator's create token"
              value={createToken}
              onChange={(e) => setCreateToken(e.target.value)}
              data-testid="create-token"
            />
          </div>
        ) : null}
        {createError ? (
          <p className="error-text" data-testid="create-error">
            {createError}
          </p>
        ) : null}
      </section>

      <section className="card">
        <h2>Open a link</h2>
        <p>Paste a session link someone sent you.</p>
        <form className="row" onSubmit={open}>
          <input
            type="text"
            aria-label="Session link"
            placeholder="http://…/s/<session>?relay=…#token=…"
            value={pasted}
            onChange={(e) => {
              setPasted(e.target.value);
              setPasteError(undefined);
            }}
          />
          <button type="submit" disabled={!pasted.trim()}>
            Open
          </button>
        </form>
        {pasteError ? <p className="error-text">{pasteError}</p> : null}
      </section>

      <section className="card">
        <h2>Stream a rig</h2>
        <p>
          From the machine with the camera, stream a folder of 16-bit depth PNGs with the session's{" "}
          <em>publish</em> link (in a session: Share → Publish; the exact line is there too):
        </p>
        <CopyField
          value="npx depthroom stream <folder> --link <publish link>"
          testId="stream-command-template"
        />
        <p>
          Or log frames from code with <code>@depthroom/sdk</code>: <code>connect({"{ link }"})</code>, then{" "}
          <code>log(entityPath, archetype)</code>.
        </p>
      </section>
    </main>
  );
}
