// Reading a workflow's history for a benchmark: each activity's span (scheduled → completed),
// with its decoded arguments, and how much time each kind of step took.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
export const seconds = (e: HistoryEvent) => Number(e.eventTime!.seconds) + (e.eventTime!.nanos ?? 0) / 1e9;

export interface ActivitySpan {
  type: string;
  args: unknown[];
  start: number;
  end?: number;
}

/** Per activity: type, its arguments, when it was scheduled and when it completed. */
export function activitySpans(events: HistoryEvent[], decode: (p: unknown) => unknown[]): ActivitySpan[] {
  const spans = new Map<number, ActivitySpan>();
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) spans.set(Number(e.eventId), { type: s.activityType!.name!, args: decode(s.input), start: seconds(e) });
    const c = e.activityTaskCompletedEventAttributes;
    if (c) spans.get(Number(c.scheduledEventId))!.end = seconds(e);
  }
  return [...spans.values()];
}

/** A finished workflow's activity spans, read from the server. */
export async function workflowSpans(env: TestWorkflowEnvironment, workflowId: string): Promise<ActivitySpan[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const converter = env.client.options.loadedDataConverter;
  const decode = (p: unknown) => {
    const payloads = (p as { payloads?: unknown[] } | null)?.payloads ?? [];
    return payloads.map((x) => converter.payloadConverter.fromPayload(x as never));
  };
  return activitySpans(history.events ?? [], decode);
}

/** Seconds spent per activity type (spans added up, so parallel ones count each), largest first. */
export function secondsPerActivity(spans: ActivitySpan[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of spans) if (s.end !== undefined) out[s.type] = (out[s.type] ?? 0) + (s.end - s.start);
  return Object.fromEntries(
    Object.entries(out)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => [k, Number(v.toFixed(2))]),
  );
}

export interface TimelineStep {
  step: string;
  /** The host it ran on or asked, when its input names one. */
  on?: string;
  /** Seconds from the first activity's scheduling to this one's, and its own duration. */
  at: number;
  seconds: number;
}

/** Where a step ran: its SSH target's name, or the DNS server it asked. */
function hostOf(args: unknown[]): string | undefined {
  const a = args[0] as { target?: { name?: string }; server?: { address?: string } } | undefined;
  return a?.target?.name ?? a?.server?.address;
}

/** The activities in the order they were scheduled, each with its start offset and duration. */
export function timeline(spans: ActivitySpan[]): TimelineStep[] {
  const t0 = Math.min(...spans.map((s) => s.start));
  const round = (n: number) => Number(n.toFixed(2));
  return [...spans]
    .sort((a, b) => a.start - b.start)
    .map((s) => {
      const on = hostOf(s.args);
      return {
        step: s.type,
        ...(on && { on }),
        at: round(s.start - t0),
        seconds: s.end === undefined ? -1 : round(s.end - s.start),
      };
    });
}
