// The workflow histories stored under test/histories/ (recorded from lab runs with
// NSDEPLOY_RECORD_HISTORIES=1): where they are, reading them back (the replay test, the overhead
// benchmark), and recording them.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_DIR } from './temporalTools';

const HISTORIES_DIR = path.join(PROJECT_DIR, 'test', 'histories');

/** The stored history files (names in HISTORIES_DIR), sorted. */
export function storedHistoryFiles(): string[] {
  return fs.existsSync(HISTORIES_DIR)
    ? fs
        .readdirSync(HISTORIES_DIR)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
}

/** A stored history, ready for Worker.runReplayHistory. */
export function loadStoredHistory(file: string): { workflowId: string; history: ReturnType<typeof historyFromJSON> } {
  const text = fs.readFileSync(path.join(HISTORIES_DIR, file), 'utf8');
  const j = JSON.parse(text) as { workflowId: string; history: unknown };
  return { workflowId: j.workflowId, history: historyFromJSON(j.history) };
}

/** With NSDEPLOY_RECORD_HISTORIES=1, stores histories for test/replay (file name from the workflow ID). */
export function recordHistories(prefix: string, histories: Record<string, string>): void {
  if (!process.env.NSDEPLOY_RECORD_HISTORIES) return;
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const [id, json] of Object.entries(histories)) {
    const file = path.join(HISTORIES_DIR, `${prefix}-${id.replace(/[^a-z0-9-]+/gi, '_')}.json`);
    fs.writeFileSync(file, JSON.stringify({ workflowId: id, history: JSON.parse(json) }, null, 1) + '\n');
  }
}
