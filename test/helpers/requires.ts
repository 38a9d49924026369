// Suites that need something a machine may lack (root for network namespaces, the Temporal CLI,
// openssl). On a developer's machine such a suite is skipped with a warning. Under CI it must
// not "pass" without running: it registers one failing test, named after the suite, whose
// error says what is missing.

import { isRoot } from '../../testkit/labHosts';

/** Root: the lab's network namespaces, bridges and mounts (one definition, in testkit). */
export { isRoot };

/** What a root-only suite says when it cannot run. */
export const NEEDS_ROOT = `needs root (network namespaces, mounts); this process runs as uid ${process.getuid?.()}`;

/** CI is set: any non-empty value other than "false" or "0" (case and spaces ignored). */
export function ciIsSet(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? '').trim().toLowerCase();
  return value !== '' && value !== 'false' && value !== '0';
}

export type RequirementDecision = 'run' | 'fail' | 'skip';

/** Run when the requirement holds; otherwise fail under CI, skip elsewhere. */
export function decide(met: boolean, env: NodeJS.ProcessEnv = process.env): RequirementDecision {
  if (met) return 'run';
  return ciIsSet(env) ? 'fail' : 'skip';
}

/** The error of the test standing in for a suite (or test) that cannot run under CI. */
export function cannotRunMessage(name: string, why: string, env: NodeJS.ProcessEnv = process.env): string {
  return `${why}. "${name}" cannot run on this machine, and CI=${env.CI} does not let it be skipped`;
}

type Suite = (name: string, fn: () => void) => void;
type Case = (name: string, fn: jest.ProvidesCallback, timeout?: number) => void;

/** Registers what stands in for a suite or test that cannot run: a failing test or a skip. */
function standIn(kind: 'suite' | 'test', name: string, why: string, skip: () => void): void {
  if (decide(false) === 'fail') {
    test(name, () => {
      throw new Error(cannotRunMessage(name, why));
    });
    return;
  }
  console.warn(`${kind} "${name}" skipped: ${why} (under CI=true it fails instead)`);
  skip();
}

/** `describe` when `met`; otherwise a failing test under CI, a skipped suite with a warning elsewhere. */
export function describeIf(met: boolean, why: string): Suite {
  return (name, fn) => {
    if (met) describe(name, fn);
    else standIn('suite', name, why, () => describe.skip(name, fn));
  };
}

/** `test` when `met`; otherwise a failing test under CI, a skipped test with a warning elsewhere. */
export function testIf(met: boolean, why: string): Case {
  return (name, fn, timeout) => {
    if (met) test(name, fn, timeout);
    else standIn('test', name, why, () => test.skip(name, fn, timeout));
  };
}

/** A suite that needs root (see NEEDS_ROOT). */
export const describeAsRoot: Suite = describeIf(isRoot, NEEDS_ROOT);
/** A test that needs root (see NEEDS_ROOT). */
export const testAsRoot: Case = testIf(isRoot, NEEDS_ROOT);
