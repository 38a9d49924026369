// Pinning host keys in the known_hosts file nsdeploy's SSH and Ansible use. Lines for an
// address are replaced, never accumulated, and the file is rewritten atomically.
import fs from 'node:fs';
import path from 'node:path';

const keyPart = (publicKey: string) => publicKey.trim().split(/\s+/).slice(0, 2).join(' ');

function readLines(file: string): string[] {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

function writeAtomically(file: string, lines: string[]): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, lines.map((l) => l + '\n').join(''), { mode: 0o644 });
  fs.renameSync(tmp, file);
}

const hostsOf = (line: string) => line.split(/\s+/)[0].split(',');

/** Pins `publicKey` for each address (replacing any older key for it). */
export function pinHostKey(file: string, addresses: string[], publicKey: string): void {
  const drop = new Set(addresses);
  const kept = readLines(file).filter((l) => l.startsWith('#') || !hostsOf(l).some((h) => drop.has(h)));
  writeAtomically(file, [...kept, `${addresses.join(',')} ${keyPart(publicKey)}`]);
}

/** The key pinned for `address` ("type base64"), if any. */
export function pinnedKeyOf(file: string, address: string): string | undefined {
  const line = readLines(file).find((l) => !l.startsWith('#') && hostsOf(l).includes(address));
  return line?.split(/\s+/).slice(1, 3).join(' ');
}

/** Removes every pinned key of these addresses (when their instance is deleted). */
export function unpinHosts(file: string, addresses: string[]): void {
  if (!fs.existsSync(file)) return;
  const drop = new Set(addresses);
  writeAtomically(
    file,
    readLines(file).filter((l) => l.startsWith('#') || !hostsOf(l).some((h) => drop.has(h))),
  );
}

/** SSH options that verify host keys against the pinned file, and nothing else. */
export function strictSshOptions(knownHostsFile: string): string[] {
  return [
    '-o',
    `UserKnownHostsFile=${knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=10',
  ];
}
