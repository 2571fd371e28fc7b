import { initialViewerState, type ViewerAction, type ViewerState, viewerReducer } from "./viewerState.ts";

/**
 * The reducer behind `useSyncExternalStore`: actions apply at once, listeners hear about them at most
 * every `notifyEveryMs` (frames arrive at 30 Hz per camera; the sidebar need not re-render that often).
 */
export class ViewerStore {
  private state: ViewerState;
  private readonly listeners = new Set<() => void>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    now = Date.now(),
    private readonly notifyEveryMs = 100,
  ) {
    this.state = initialViewerState(now);
  }

  getState = (): ViewerState => this.state;

  dispatch(action: ViewerAction): void {
    const next = viewerReducer(this.state, action);
    if (next === this.state) return;
    this.state = next;
    // Anything but a routine message (or a frame dropped, which come at frame rate) is shown at once.
    if (action.type !== "message" && action.type !== "dropped") this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.notifyEveryMs);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const listener of this.listeners) listener();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.listeners.clear();
  }
}
