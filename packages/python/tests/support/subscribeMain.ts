import type { LogMessage } from "@depthroom/schema";
import { subscribe } from "@depthroom/sdk";
import { messageJson } from "./messageJson.ts";

/*
 * A TypeScript subscriber for the Python tests:
 *   subscribeMain.ts <view link> <entity,entity,...> [timeout s]
 * Waits until it holds a message of every listed entity (the relay hands the latest of each at once),
 * prints the latest of each as one JSON line, and exits 0; exits 1 on timeout or failure.
 */
const [link, entityList, timeoutText] = process.argv.slice(2);
const wanted = new Set((entityList ?? "").split(",").filter(Boolean));
const latest = new Map<string, LogMessage>();
const subscription = subscribe({ link: link as string }, (message) => {
  if (wanted.has(message.entityPath)) latest.set(message.entityPath, message);
  if (latest.size === wanted.size) finish(0);
});
const timer = setTimeout(() => finish(1), Number(timeoutText ?? 30) * 1000);

function finish(code: number): void {
  clearTimeout(timer);
  if (code === 0)
    for (const message of latest.values()) process.stdout.write(`${JSON.stringify(messageJson(message))}\n`);
  else
    process.stderr.write(
      `got ${[...latest.keys()].join(", ")} of ${[...wanted].join(", ")}; ${subscription.error?.message ?? ""}\n`,
    );
  subscription.close();
  process.exit(code);
}
