import { postNotice } from "../../admin.ts";
import { SdkError, SdkErrorCode } from "../../errors.ts";
import { InputError } from "../../node/inputError.ts";
import type { Command, ParsedArgs } from "../args.ts";
import type { CliContext } from "../context.ts";
import { ExitCode } from "../exitCodes.ts";
import { ADMIN_HELP } from "../help.ts";
import { DEFAULT_RELAY } from "./session.ts";

/**
 * `depthroom admin notice <text> [--relay URL] [--admin-token T] [--session ID] [--level info|warning]
 * [--ttl SECONDS] [--json]`: a notice to every viewer and producer of the relay (every node), or of one
 * session.
 */
export const adminCommand: Command = {
  help: ADMIN_HELP,
  options: {
    relay: { type: "string" },
    "admin-token": { type: "string" },
    session: { type: "string" },
    level: { type: "string" },
    ttl: { type: "number", min: 0, exclusiveMin: true },
    json: { type: "boolean" },
  },
  run: runAdmin,
};

async function runAdmin(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options, positionals } = parsed;
  const [action, text, ...rest] = positionals;
  if (action !== "notice") {
    throw new InputError(
      "usage",
      action
        ? `unknown admin command "${action}" (try: depthroom admin notice "<text>")`
        : 'missing admin command (try: depthroom admin notice "<text>")',
    );
  }
  if (text === undefined)
    throw new InputError("usage", 'missing the notice text: depthroom admin notice "<text>"');
  if (rest.length > 0)
    throw new InputError(
      "usage",
      `unexpected argument "${rest[0]}" (quote the text; see: depthroom admin --help)`,
    );
  const level = options.level ?? "info";
  if (level !== "info" && level !== "warning")
    throw new InputError("usage", `--level: expected info or warning, got "${String(level)}"`);
  const adminToken = (options["admin-token"] as string | undefined) ?? ctx.env.DEPTHROOM_ADMIN_TOKEN;
  if (!adminToken) {
    throw new InputError(
      "usage",
      "no admin token: pass --admin-token or set DEPTHROOM_ADMIN_TOKEN (the relay's admin-token file in its data directory)",
    );
  }
  const relayUrl = (options.relay as string | undefined) ?? ctx.env.DEPTHROOM_RELAY ?? DEFAULT_RELAY;
  try {
    const notice = await postNotice({
      relayUrl,
      adminToken,
      text,
      level,
      ...(typeof options.session === "string" ? { session: options.session } : {}),
      ...(typeof options.ttl === "number" ? { ttlMs: Math.round(options.ttl * 1000) } : {}),
    });
    if (options.json) ctx.stdout.write(`${JSON.stringify(notice)}\n`);
    else
      ctx.stdout.write(
        `Notice ${notice.id} sent to ${notice.session ? `session ${notice.session}` : "every session"}` +
          `${notice.expiresAt ? `, active until ${new Date(notice.expiresAt).toISOString()}` : ""}\n`,
      );
    return ExitCode.Ok;
  } catch (error) {
    if (
      error instanceof SdkError &&
      (error.code === SdkErrorCode.BadToken || error.code === SdkErrorCode.Unauthorized)
    ) {
      ctx.stderr.write(
        `depthroom admin: ${error.message}\n  The admin token is the relay's DEPTHROOM_ADMIN_TOKEN, or the admin-token file in its data directory.\n`,
      );
      return ExitCode.Refused;
    }
    throw error;
  }
}
