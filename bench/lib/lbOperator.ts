// The LB replacement seen from outside, as an operator (or the demo) follows it: its status
// (bounded: no worker may be there to answer), waiting for a phase, and the human step —
// the glue changed at the lab registrar, then the glueUpdated signal.
import type { WorkflowHandle } from '@temporalio/client';
import { setGlue } from '../../lab/parent';
import { glueUpdatedSignal, lbStatusQuery, type LbReplacementStatus } from '../../src/shared';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The status, or undefined when no worker (or no server) answers within 20 s. */
export async function lbStatus(handle: WorkflowHandle): Promise<LbReplacementStatus | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), 20_000);
  });
  try {
    return await Promise.race([handle.query(lbStatusQuery).catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the status until `ok`; throws on an end phase or after `timeoutMs`. */
export async function waitForLb(
  handle: WorkflowHandle,
  what: string,
  ok: (s: LbReplacementStatus) => boolean,
  timeoutMs: number,
): Promise<LbReplacementStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await lbStatus(handle);
    if (s && ok(s)) return s;
    if (s && ['rolled-back', 'failed', 'not-retired', 'done'].includes(s.phase))
      throw new Error(`${what} never came: the replacement is ${s.phase}${s.error ? ` (${s.error})` : ''}`);
    if (Date.now() > deadline)
      throw new Error(`${what} not reached in ${timeoutMs / 1000} s (phase ${s?.phase ?? 'unknown'})`);
    await sleep(1_000);
  }
}

/** Waits for the glue step, makes the change at the lab registrar, signals; returns that status. */
export async function playOperatorAtGlue(
  handle: WorkflowHandle,
  o: { by: string; registrarDelayMs: number; timeoutMs: number },
): Promise<LbReplacementStatus> {
  const atGlue = await waitForLb(
    handle,
    'the glue step',
    (s) => s.phase === 'glue' && !!s.glue?.change.length,
    o.timeoutMs,
  );
  await setGlue(Object.fromEntries(atGlue.glue!.change.map((c) => [c.name, c.to])), { delayMs: o.registrarDelayMs });
  await handle.signal(glueUpdatedSignal, { by: o.by, note: 'changed at the lab registrar' });
  return atGlue;
}
