// Part of `npm run build`: bundles src/workflows (webpack) into dist/workflow-bundle.js, which the
// compiled worker loads instead of bundling at start-up (src/temporal/workflowCode.ts).
import { writeWorkflowBundle } from '../src/temporal/workflowCode';

writeWorkflowBundle().then(
  (file) => process.stdout.write(`workflow bundle: ${file}\n`),
  (err: unknown) => {
    process.stderr.write(`bundleWorkflows: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
