// A standalone extendable wait: the delayed-teardown building block on its own, and the
// simplest workflow to try the dev server, the Web UI and the `extend-wait` command with.
import { upsertSearchAttributes } from '@temporalio/workflow';
import { DEPLOY_PHASE, FLEET, type WaitStatus } from '../shared';
import { extendableWait } from './lib/extendableWait';

export interface DurableWaitInput {
  fleet: string;
  label: string;
  durationMs: number;
  maxTotalMs?: number;
}

export async function durableWait(input: DurableWaitInput): Promise<WaitStatus> {
  upsertSearchAttributes([
    { key: FLEET, value: input.fleet },
    { key: DEPLOY_PHASE, value: 'waiting' },
  ]);
  const result = await extendableWait({
    label: input.label,
    durationMs: input.durationMs,
    maxTotalMs: input.maxTotalMs,
  });
  upsertSearchAttributes([{ key: DEPLOY_PHASE, value: 'done' }]);
  return result;
}
