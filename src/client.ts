#!/usr/bin/env node
// nsdeploy command line: starts and steers the workflows on a Temporal server.
// The commands are registered in src/cli/program.ts.
import { buildProgram } from './cli/program';

const program = buildProgram();
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`nsdeploy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
