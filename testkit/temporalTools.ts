// Locates the Temporal executables that temporal-dev/install built, so tests never download.
import fs from 'node:fs';
import path from 'node:path';

export const PROJECT_DIR = path.resolve(__dirname, '..');

function pinned(name: string): string {
  const text = fs.readFileSync(path.join(PROJECT_DIR, 'temporal-dev', 'versions.env'), 'utf8');
  const match = text.match(new RegExp(`^${name}=(.+)$`, 'm'));
  if (!match) throw new Error(`temporal-dev/versions.env has no ${name}`);
  return match[1].trim();
}

function mustExist(file: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run \`bash temporal-dev/install\` first (tests never download servers)`);
  }
  return file;
}

export const temporalCliPath = (): string =>
  mustExist(path.join(PROJECT_DIR, '.tools', 'temporal-cli', pinned('TEMPORAL_CLI_VERSION'), 'temporal'));

export const testServerPath = (): string =>
  mustExist(
    path.join(
      PROJECT_DIR,
      '.tools',
      'temporal-test-server',
      pinned('TEMPORAL_TEST_SERVER_VERSION'),
      'temporal-test-server',
    ),
  );

/** One flag of temporal-dev/dev-server.flags and its value, e.g. ['--sqlite-pragma', 'journal_mode=wal']. */
export type DevServerFlag = readonly [flag: string, value: string];

/** The flags every dev server of the project starts with (temporal-dev/dev-server.flags, read as start reads it). */
export function devServerFlags(): DevServerFlag[] {
  const text = fs.readFileSync(path.join(PROJECT_DIR, 'temporal-dev', 'dev-server.flags'), 'utf8');
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([flag]) => flag !== '' && !flag.startsWith('#'))
    .map(([flag, value]) => [flag, value ?? ''] as const);
}

/** The same flags as the command-line arguments of `temporal server start-dev`. */
export const devServerArgs = (flags: readonly DevServerFlag[] = devServerFlags()): string[] =>
  flags.flatMap(([flag, value]) => [flag, value]);
