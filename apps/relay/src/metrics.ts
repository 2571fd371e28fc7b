import type { LatestWinsCounters } from "./latestWins.ts";

/*
 * Relay counters and gauges, rendered in the Prometheus text format for `GET /metrics`.
 * Plain fields: the hot path increments numbers, nothing else.
 */
export class RelayMetrics implements LatestWinsCounters {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  framesDropped = 0;
  /** Frames sent through socket.emit because engine.io was busy on that connection (directFrames.ts). */
  framesViaEmit = 0;
  producers = 0;
  viewers = 0;
  docConnections = 0;
  docUpdatesRefused = 0;
  /** Viewers disconnected because their connection did not drain (latestWins.ts hard cap). */
  viewersTooSlow = 0;
  /** Bytes buffered in viewers' connections, summed (the frame server sets this). */
  viewerBufferedBytes: () => number = () => 0;
  readonly rejected = new Map<string, number>();
  /** Awareness entries dropped by the connection binding (awarenessBinding.ts), by reason. */
  readonly awarenessDropped = new Map<string, number>();

  constructor(
    private readonly gauges: { sessions(): number; liveSessions(): number; pendingFrames(): number },
    private readonly startedAt = Date.now(),
  ) {}

  sent(bytes: number): void {
    this.messagesOut++;
    this.bytesOut += bytes;
  }

  dropped(): void {
    this.framesDropped++;
  }

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  awarenessDrop(reason: string, count: number): void {
    this.awarenessDropped.set(reason, (this.awarenessDropped.get(reason) ?? 0) + count);
  }

  render(): string {
    const lines: string[] = [];
    const metric = (name: string, type: "counter" | "gauge", help: string, value: number) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${value}`);
    };
    metric("depthroom_sessions", "gauge", "Sessions in the registry.", this.gauges.sessions());
    metric(
      "depthroom_sessions_live",
      "gauge",
      "Sessions with live state in memory.",
      this.gauges.liveSessions(),
    );
    metric(
      "depthroom_frames_pending",
      "gauge",
      "Frames waiting in viewers' latest-wins slots (at most one per viewer and entity).",
      this.gauges.pendingFrames(),
    );
    metric(
      "depthroom_viewer_buffered_bytes",
      "gauge",
      "Bytes written to viewers' connections and not yet taken by the network, summed.",
      this.viewerBufferedBytes(),
    );
    metric(
      "depthroom_viewers_too_slow_total",
      "counter",
      "Viewers disconnected because their connection kept more buffered than the hard cap.",
      this.viewersTooSlow,
    );
    metric("depthroom_producers", "gauge", "Connected producers.", this.producers);
    metric("depthroom_viewers", "gauge", "Connected frame viewers (view and edit tokens).", this.viewers);
    metric("depthroom_doc_connections", "gauge", "Connected y-websocket clients.", this.docConnections);
    metric(
      "depthroom_messages_in_total",
      "counter",
      "Wire messages accepted from producers.",
      this.messagesIn,
    );
    metric(
      "depthroom_bytes_in_total",
      "counter",
      "Bytes of wire messages accepted from producers.",
      this.bytesIn,
    );
    metric("depthroom_messages_out_total", "counter", "Frames sent to viewers.", this.messagesOut);
    metric("depthroom_bytes_out_total", "counter", "Bytes of frames sent to viewers.", this.bytesOut);
    metric(
      "depthroom_frames_dropped_total",
      "counter",
      "Frames replaced by a newer one before a slow viewer could take them (latest wins).",
      this.framesDropped,
    );
    metric(
      "depthroom_frames_via_emit_total",
      "counter",
      "Frames sent through socket.emit (engine.io busy) instead of the direct corked write.",
      this.framesViaEmit,
    );
    metric(
      "depthroom_doc_updates_refused_total",
      "counter",
      "Document updates refused (read-only).",
      this.docUpdatesRefused,
    );
    lines.push(
      "# HELP depthroom_rejected_total Messages and connections refused, by reason (error code).",
      "# TYPE depthroom_rejected_total counter",
    );
    for (const [reason, count] of this.rejected)
      lines.push(`depthroom_rejected_total{reason="${reason}"} ${count}`);
    lines.push(
      "# HELP depthroom_awareness_dropped_total Awareness entries dropped: foreign (another connection's clientID) or invalid (state).",
      "# TYPE depthroom_awareness_dropped_total counter",
    );
    for (const [reason, count] of this.awarenessDropped)
      lines.push(`depthroom_awareness_dropped_total{reason="${reason}"} ${count}`);
    const usage = process.cpuUsage();
    metric(
      "process_cpu_seconds_total",
      "counter",
      "User and system CPU time.",
      (usage.user + usage.system) / 1e6,
    );
    metric("process_resident_memory_bytes", "gauge", "Resident set size.", process.memoryUsage.rss());
    metric(
      "process_start_time_seconds",
      "gauge",
      "Start time since the epoch.",
      Math.floor(this.startedAt / 1000),
    );
    return `${lines.join("\n")}\n`;
  }
}
