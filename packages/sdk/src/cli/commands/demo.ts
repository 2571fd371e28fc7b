import { DepthImage, Pinhole } from "@depthroom/schema";
import { demoCameras, renderDemoDepth } from "../../demoScene.ts";
import { InputError } from "../../node/inputError.ts";
import { connect } from "../../producer.ts";
import { resolveTarget } from "../../target.ts";
import { type Command, type ParsedArgs, PRODUCER_OPTIONS } from "../args.ts";
import { type CliContext, Pacer } from "../context.ts";
import { DEMO_HELP } from "../help.ts";
import { ProgressLine } from "../progress.ts";
import { connectTimeoutMs, counts, failIfClosed, finishRun, requireLink, transformOf } from "./stream.ts";

/** `depthroom demo --link <publish link> [options]` */
export const demoCommand: Command = {
  help: DEMO_HELP,
  options: {
    ...PRODUCER_OPTIONS,
    fps: { type: "number", min: 0, exclusiveMin: true },
    width: { type: "number", min: 8, integer: true },
    height: { type: "number", min: 8, integer: true },
    duration: { type: "number", min: 0, exclusiveMin: true },
  },
  run: runDemo,
};

async function runDemo(parsed: ParsedArgs, ctx: CliContext): Promise<number> {
  const { options, positionals } = parsed;
  if (positionals.length > 0) {
    throw new InputError("usage", `unexpected argument "${positionals[0]}" (see: depthroom demo --help)`);
  }
  const link = requireLink(options.link, ctx);
  resolveTarget({ link }, { needRole: "publish" });
  const fps = (options.fps as number | undefined) ?? 15;
  const width = (options.width as number | undefined) ?? 320;
  const height = (options.height as number | undefined) ?? 240;
  const durationMs =
    options.duration === undefined ? Number.POSITIVE_INFINITY : (options.duration as number) * 1000;
  const quiet = options.quiet === true;
  const cameras = demoCameras(width, height);
  const rec = await connect(
    { link },
    {
      name: "depthroom demo",
      depthEncoding: options.raw ? "raw" : "auto",
      connectTimeoutMs: connectTimeoutMs(options["connect-timeout"]),
    },
  );
  if (!quiet) {
    ctx.stderr.write(
      `demo rig: ${cameras.map((c) => c.entity).join(" and ")}, ${width}x${height} at ${fps} fps` +
        `${Number.isFinite(durationMs) ? ` for ${durationMs / 1000} s` : " (Ctrl-C stops)"}\n`,
    );
  }
  const progress = new ProgressLine(ctx.stderr, quiet);
  try {
    for (const camera of cameras) {
      rec.log(camera.entity, transformOf(camera.translation, camera.rotation), { static: true });
      rec.log(camera.entity, Pinhole.fromIntrinsics(camera), { static: true });
    }
    await rec.flush(); // the rig first, so no viewer sees depth without its cameras
    const buffers = cameras.map((c) => new Uint16Array(c.width * c.height));
    const started = performance.now();
    const pacer = new Pacer(1000 / fps);
    for (let frame = 0; !ctx.signal.aborted && performance.now() - started < durationMs; frame++) {
      failIfClosed(rec);
      const t = (performance.now() - started) / 1000;
      rec.setTime("frame", frame);
      rec.setTime("capture_time", BigInt(Date.now()) * 1_000_000n);
      cameras.forEach((camera, i) => {
        const depth = renderDemoDepth(camera, t, buffers[i]);
        // log() encodes (copies) at once, so the buffer can be drawn into again next frame.
        rec.log(`${camera.entity}/depth`, new DepthImage(depth, { width, height, meter: 1000 }));
      });
      progress.update(counts(rec));
      await pacer.wait(ctx.signal);
    }
    return await finishRun(rec, progress, ctx);
  } finally {
    await rec.close(1000);
  }
}
