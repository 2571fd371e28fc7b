/**
 * The page's one animation-frame loop. Each frame runs its steps in a fixed order: the review room's
 * cursor (which asks the feed for that time's frames), then presence (following, pose publishing, other
 * people's frustums), then the scene (upload what is pending, draw if anything changed), then the UI
 * that reads what was drawn (overlays, counters). One step that throws is reported and the rest still run.
 */

export const FRAME_STAGES = ["cursor", "presence", "scene", "ui"] as const;
export type FrameStage = (typeof FRAME_STAGES)[number];

/** `now` is the frame's `performance.now()`; `dt` the ms since the previous frame (at most 100). */
export type FrameStep = (now: number, dt: number) => void;

export class FrameLoop {
  private readonly steps = new Map<FrameStage, Set<FrameStep>>(FRAME_STAGES.map((s) => [s, new Set()]));
  private last: number | undefined;
  /** Frames run so far. */
  frames = 0;

  constructor(private readonly onError: (error: unknown, stage: FrameStage) => void = reportOnce()) {}

  /** Run `step` every frame at `stage`; returns its removal. */
  add(stage: FrameStage, step: FrameStep): () => void {
    const set = this.steps.get(stage) as Set<FrameStep>;
    set.add(step);
    return () => set.delete(step);
  }

  /** One animation frame: every stage in order. */
  run(now: number): void {
    const dt = this.last === undefined ? 0 : Math.min(100, Math.max(0, now - this.last));
    this.last = now;
    this.frames++;
    for (const stage of FRAME_STAGES) {
      for (const step of this.steps.get(stage) as Set<FrameStep>) {
        try {
          step(now, dt);
        } catch (error) {
          this.onError(error, stage);
        }
      }
    }
  }

  clear(): void {
    for (const set of this.steps.values()) set.clear();
  }
}

function reportOnce(): (error: unknown, stage: FrameStage) => void {
  const seen = new Set<string>();
  return (error, stage) => {
    const key = `${stage}:${error instanceof Error ? error.message : String(error)}`;
    if (seen.has(key)) return;
    seen.add(key);
    console.error(`frame loop: a ${stage} step failed`, error);
  };
}
