// A lab host's "disk": its own copies of the directories BIND, nginx, sshd and Ansible write,
// bind-mounted over the real ones inside the host (the rest of /etc, /usr and /var is mounted
// read-only there, so a host can never change this machine, see host-init.sh). Created from the Debian package defaults on
// first start and kept across stop/start like a real disk across a reboot (/run and /tmp are
// fresh tmpfs on every start, see host-init.sh).
import fs from 'node:fs';
import path from 'node:path';
import type { HostKey } from './sshd';
import { writeAuthorizedKeys, writeSshdFiles } from './sshd';
import { copyPristine, PRISTINE_SOURCES } from './pristine';

/** Mounted from the host's disk over the same path inside the host. */
export const HOST_DIRECTORIES = [
  '/etc/bind',
  '/etc/nginx',
  '/etc/ssh',
  '/var/cache/bind',
  '/var/log/nginx',
  '/var/lib/nginx',
  '/usr/local',
  '/root',
] as const;

/** Start empty, with the owner and mode the system gives them (e.g. /var/cache/bind root:bind 0775). */
const EMPTY_DIRECTORIES = ['/var/cache/bind', '/var/log/nginx', '/var/lib/nginx'];

export function diskDir(hostDir: string): string {
  return path.join(hostDir, 'disk');
}

export function mountPairs(hostDir: string): Array<[string, string]> {
  return HOST_DIRECTORIES.map((dir) => [path.join(diskDir(hostDir), dir), dir]);
}

async function installDisk(target: string): Promise<void> {
  for (const source of PRISTINE_SOURCES) await copyPristine(source, path.join(target, source.dir));
  for (const dir of EMPTY_DIRECTORIES) {
    const to = path.join(target, dir);
    const stat = fs.statSync(dir);
    fs.mkdirSync(to, { recursive: true });
    fs.chownSync(to, stat.uid, stat.gid);
    fs.chmodSync(to, stat.mode & 0o7777);
  }
  // /usr/local as Debian's base-files leaves it: empty directories (roles install helpers there).
  for (const dir of ['bin', 'etc', 'games', 'include', 'lib', 'sbin', 'share/man', 'src'])
    fs.mkdirSync(path.join(target, 'usr/local', dir), { recursive: true, mode: 0o755 });
  fs.symlinkSync('share/man', path.join(target, 'usr/local/man'));
  fs.mkdirSync(path.join(target, 'root'), { recursive: true, mode: 0o700 });
  fs.chmodSync(path.join(target, 'root'), 0o700);
}

export interface DiskSpec {
  label: string;
  addresses: string[];
  hostKey: HostKey;
  authorizedKeys: string[];
}

/** Installs the disk if the host is new, then (re)writes what the "cloud" injects on boot. */
export async function prepareDisk(hostDir: string, spec: DiskSpec): Promise<void> {
  const disk = diskDir(hostDir);
  if (!fs.existsSync(disk)) {
    // Install into a scratch directory and rename, so a failed install leaves no half disk.
    const scratch = `${disk}.installing`;
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.mkdirSync(scratch, { recursive: true });
    await installDisk(scratch);
    fs.renameSync(scratch, disk);
  }
  writeSshdFiles(path.join(disk, 'etc/ssh'), spec.label, spec.hostKey);
  writeAuthorizedKeys(path.join(disk, 'root'), spec.authorizedKeys);
}
