// The demo lab as a user runs it: `npm run …` in the project, and the refusal to start one over
// a lab that is already up (for the lab end-to-end tests and the lab benchmarks).
import execa from 'execa';
import fs from 'node:fs';
import { emulatorPid } from '../lab/emulatorProcess';
import { labPaths } from '../lab/labPaths';
import { PROJECT_DIR } from './temporalTools';

/** `npm run -s <script> [args]` in the project, output in `all`, never throwing. */
export const npmRun = (...args: string[]) =>
  execa('npm', ['run', '-s', ...args], {
    cwd: PROJECT_DIR,
    all: true,
    reject: false,
    env: { ...process.env, npm_config_loglevel: 'error' },
  });

/** Refuses to run over a lab that is up (yours, or another test's). */
export function refuseIfLabUp(): void {
  if (emulatorPid() || fs.existsSync(labPaths.hostsState)) {
    throw new Error('a lab is already running here (.lab/ exists): run `npm run lab:down` before this test');
  }
}
