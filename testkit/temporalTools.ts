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
