// Histories of real lab runs (test/histories/, recorded by the e2e tests with
// NSDEPLOY_RECORD_HISTORIES=1) replayed against the current workflow code: a change that would
// break deploys already running fails here. Guard such changes with patched().
import { bundleWorkflowCode, DefaultLogger, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeWorkflowBundle } from '../../src/temporal/workflowCode';
import { loadStoredHistory as load, storedHistoryFiles } from '../../testkit/histories';
import { bundleWorkflows } from '../../testkit/temporalEnv';

const stored = storedHistoryFiles();
const typeOf = (h: ReturnType<typeof load>) =>
  h.history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

/** Replays each file (in order); file → the replay error, or "ok". */
async function replay(bundle: WorkflowBundleOption, files: string[]): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  let i = 0;
  for await (const r of Worker.runReplayHistories({ workflowBundle: bundle }, files.map(load))) {
    results[files[i++]] = r.error ? `${r.error.name}: ${r.error.message.slice(0, 200)}` : 'ok';
  }
  return results;
}

test('histories of every changing workflow are stored, from successful and rolled-back runs', () => {
  const types = stored.map((f) => typeOf(load(f)));
  expect(types).toContain('nsBlueGreen');
  expect(types).toContain('lbReplacement');
  expect(types).toContain('zonePush');
  expect(types).toContain('fleetCreate');
});

test('every stored history replays against the current workflow code', async () => {
  const results = await replay(await bundleWorkflows(), stored);
  expect(results).toEqual(Object.fromEntries(stored.map((f) => [f, 'ok'])));
});

test('the bundle `npm run build` writes, loaded from its file as the compiled worker does, replays them', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-bundle-'));
  try {
    const file = await writeWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
    const results = await replay({ codePath: file }, stored);
    expect(results).toEqual(Object.fromEntries(stored.map((f) => [f, 'ok'])));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a workflow changed incompatibly fails the replay (the check can fail)', async () => {
  const changed = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../fixtures/replay/workflows.ts'),
    logger: new DefaultLogger('WARN'),
  });
  const results = await replay(changed, stored);
  expect(Object.keys(results)).toEqual(stored);
  for (const error of Object.values(results))
    expect(error).toMatch(/DeterminismViolation|Nondeterminism|nondeterminism/i);
});
