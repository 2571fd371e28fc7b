import { encodeTokenPayload, makeRecordingLink } from "@depthroom/schema";
import { describe, expect, it } from "vitest";
import { openReviewLink } from "./links.ts";

const SESSION = "S".repeat(22);
const RECORDING = "R".repeat(22);
const OTHER = "Q".repeat(22);
const token = (claims: Parameters<typeof encodeTokenPayload>[0]) => `v1.${encodeTokenPayload(claims)}.sig`;
const link = (t: string, recording = RECORDING) =>
  makeRecordingLink({ webUrl: "http://web", relayUrl: "http://relay:8787", recording, token: t });

describe("openReviewLink", () => {
  it("opens a recording's own token and a session token of any role but publish", () => {
    const own = openReviewLink(
      link(token({ session: SESSION, role: "view", iat: 1, recording: RECORDING })),
      10,
    );
    expect(own).toMatchObject({ ok: true, link: { recording: RECORDING, relayUrl: "http://relay:8787" } });
    expect(openReviewLink(link(token({ session: SESSION, role: "edit", iat: 1 })), 10).ok).toBe(true);
    const publish = openReviewLink(link(token({ session: SESSION, role: "publish", iat: 1 })), 10);
    expect(publish).toMatchObject({ ok: false, problem: { title: "This link does not allow viewing" } });
  });

  it("refuses another recording's token, an expired one, garbage and a session path", () => {
    const other = openReviewLink(
      link(token({ session: SESSION, role: "view", iat: 1, recording: OTHER })),
      10,
    );
    expect(other).toMatchObject({
      ok: false,
      problem: { detail: "The token belongs to another recording." },
    });
    const expired = openReviewLink(link(token({ session: SESSION, role: "view", iat: 1, exp: 5 })), 10);
    expect(expired).toMatchObject({ ok: false, problem: { title: "This link has expired" } });
    expect(openReviewLink(link("garbage"), 10)).toMatchObject({
      ok: false,
      problem: { title: "This link's token is not valid" },
    });
    expect(openReviewLink(`http://web/s/${SESSION}?relay=x#token=y`, 10)).toMatchObject({
      ok: false,
      problem: { title: "This link is not a review link" },
    });
  });
});
