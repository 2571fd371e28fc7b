import { parseSessionLink } from "@depthroom/schema";
import { InputError } from "../../node/inputError.ts";
import { createSession, deleteSession } from "../../session.ts";
import type { Command, ParsedArgs } from "../args.ts";
import type { CliContext } from "../context.ts";
import { ExitCode } from "../exitCodes.ts";
import { SESSION_HELP } from "../help.ts";

export const DEFAULT_RELAY = "http://localhost:8787";

/**
 * `depthroom session create [--relay URL] [--title TEXT] [--create-token T] [--json]`,
 * `depthroom session delete --link <edit link>`
 */
export const sessionCommand: Command = {
  help: SESSION_HELP,
  options: {
    relay: { type: "string" },
    title: { type: "string" },
    "create-token": { type: "string" },
    link: { type: "string" },
    json: { type: "boolean" },
  },
  run: runSession,
};

async function runSession(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (action !== "create" && action !== "delete") {
    throw new InputError(
      "usage",
      action
        ? `unknown session command "${action}" (try: depthroom session create)`
        : "missing session command (try: depthroom session create)",
    );
  }
  if (rest.length > 0)
    throw new InputError("usage", `unexpected argument "${rest[0]}" (see: depthroom session --help)`);
  if (action === "delete") {
    const text = options.link as string | undefined;
    if (!text) throw new InputError("usage", "missing --link <edit link> of the session to delete");
    let link: ReturnType<typeof parseSessionLink>;
    try {
      link = parseSessionLink(text);
    } catch (error) {
      throw new InputError("usage", error instanceof Error ? error.message : String(error));
    }
    await deleteSession({ relayUrl: link.relayUrl, session: link.session, token: link.token });
    ctx.stdout.write(`Session ${link.session} deleted (its recordings stay).\n`);
    return ExitCode.Ok;
  }
  const relayUrl = (options.relay as string | undefined) ?? ctx.env.DEPTHROOM_RELAY ?? DEFAULT_RELAY;
  const createToken = (options["create-token"] as string | undefined) ?? ctx.env.DEPTHROOM_CREATE_TOKEN;
  const created = await createSession({
    relayUrl,
    ...(typeof options.title === "string" ? { title: options.title } : {}),
    ...(createToken ? { createToken } : {}),
  });
  if (options.json) {
    ctx.stdout.write(`${JSON.stringify({ id: created.id, title: created.title, links: created.links })}\n`);
  } else {
    ctx.stdout.write(
      `Session ${created.id}${created.title ? `  "${created.title}"` : ""}\n` +
        `  view     ${created.links.view}\n` +
        `  edit     ${created.links.edit}\n` +
        `  publish  ${created.links.publish}\n\n` +
        `Share the view or edit link with people. Stream into the session with:\n` +
        `  npx depthroom demo --link '${created.links.publish}'\n`,
    );
  }
  return ExitCode.Ok;
}
