// Where the worker's workflow code comes from. Compiled (`npm run build`, then dist/src/worker.js:
// `npm run worker`, the systemd unit), the worker loads the bundle the build wrote beside dist/src,
// so it runs no webpack at start-up (that run was most of the worker's memory; bench/README.md).
// Under ts-node (`npm run worker:dev`, the lab scripts), it bundles src/workflows at start, so an
// edit needs no build.
import { bundleWorkflowCode, DefaultLogger, type WorkerOptions } from '@temporalio/worker';
import fs from 'node:fs';
import path from 'node:path';

const compiled = path.extname(__filename) === '.js';

/** The workflows' entry point: whatever src/workflows/index.ts exports is a workflow. */
const workflowsEntry = (): string => require.resolve('../workflows');

/** The bundle `npm run build` writes: dist/workflow-bundle.js (dist/src/… is the compiled code). */
export const WORKFLOW_BUNDLE_FILE = compiled
  ? path.resolve(__dirname, '..', '..', 'workflow-bundle.js')
  : path.resolve(__dirname, '..', '..', 'dist', 'workflow-bundle.js');

/** Bundles the workflows (webpack, as a worker does at start-up) into `file`; run by `npm run build`. */
export async function writeWorkflowBundle(file = WORKFLOW_BUNDLE_FILE): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: workflowsEntry(), logger: new DefaultLogger('WARN') });
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, code);
  return file;
}

/** The `Worker.create` option that gives the workflow code: the prebuilt bundle when compiled, else the source. */
export function workerWorkflowCode(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  if (!compiled) return { workflowsPath: workflowsEntry() };
  if (!fs.existsSync(WORKFLOW_BUNDLE_FILE))
    throw new Error(`${WORKFLOW_BUNDLE_FILE} is missing: \`npm run build\` writes it (with the compiled code)`);
  return { workflowBundle: { codePath: WORKFLOW_BUNDLE_FILE } };
}
