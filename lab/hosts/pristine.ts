// A lab host's /etc/bind, /etc/nginx and /etc/ssh start as on a freshly installed Debian 12
// host: the files the Debian packages own (plus the symlinks their maintainer scripts create,
// e.g. modules-enabled/50-mod-stream.conf), copied with owner and mode. A configuration file
// changed on this machine is refused, not copied, so Ansible in the lab always starts from
// the package defaults it would find in production.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run } from './run';

export interface PristineSource {
  /** System directory to copy, e.g. /etc/bind. */
  dir: string;
  /** Packages whose files (and symlinks to them) are copied from it. */
  packages: string[];
  /** Paths never copied: per-host secrets and files the lab writes itself. */
  exclude?: string[];
}

export const PRISTINE_SOURCES: PristineSource[] = [
  { dir: '/etc/bind', packages: ['bind9'] },
  { dir: '/etc/nginx', packages: ['nginx-common', 'nginx', 'libnginx-mod-stream'] },
  { dir: '/etc/ssh', packages: ['openssh-server', 'openssh-client'], exclude: ['/etc/ssh/sshd_config'] },
];

interface PackageFiles {
  owned: Set<string>;
  conffiles: Map<string, string>;
}

const cache = new Map<string, Promise<PackageFiles>>();

async function packageFiles(packages: string[]): Promise<PackageFiles> {
  const key = packages.join(' ');
  let pending = cache.get(key);
  if (!pending) {
    pending = (async () => {
      const owned = new Set<string>();
      const conffiles = new Map<string, string>();
      for (const pkg of packages) {
        const listed = await run('dpkg-query', ['-L', pkg], { allowFailure: true });
        if (listed.exitCode !== 0) continue; // e.g. the nginx metapackage may be absent
        for (const line of listed.stdout.split('\n')) if (line.startsWith('/')) owned.add(line);
        const conf = await run('dpkg-query', ['-W', '-f=${Conffiles}\n', pkg]);
        for (const line of conf.stdout.split('\n')) {
          const [file, md5, flag] = line.trim().split(' ');
          if (file && md5 && flag !== 'obsolete') conffiles.set(file, md5);
        }
      }
      return { owned, conffiles };
    })();
    cache.set(key, pending);
  }
  return pending;
}

function md5(file: string): string {
  return createHash('md5').update(fs.readFileSync(file)).digest('hex');
}

function copyOwnership(from: fs.Stats, to: string): void {
  fs.lchownSync(to, from.uid, from.gid);
  if (!from.isSymbolicLink()) fs.chmodSync(to, from.mode & 0o7777);
}

/** Copies `source.dir` to `target` as a fresh install of its packages would have it. */
export async function copyPristine(source: PristineSource, target: string): Promise<void> {
  const { owned, conffiles } = await packageFiles(source.packages);
  const excluded = new Set(source.exclude ?? []);
  const changed = [...conffiles].filter(
    ([file, sum]) => file.startsWith(`${source.dir}/`) && fs.existsSync(file) && md5(file) !== sum,
  );
  if (changed.length > 0) {
    throw new Error(
      `cannot give a lab host pristine ${source.dir}: ${changed.map(([f]) => f).join(', ')} differ from the ` +
        `${source.packages.join('/')} package defaults on this machine (restore them, e.g. apt-get install --reinstall ` +
        `-o Dpkg::Options::=--force-confmiss after moving them away)`,
    );
  }
  const copy = (from: string, to: string): void => {
    const stat = fs.lstatSync(from);
    if (stat.isDirectory()) {
      fs.mkdirSync(to, { recursive: true });
      for (const name of fs.readdirSync(from)) {
        const child = path.join(from, name);
        if (excluded.has(child)) continue;
        const childStat = fs.lstatSync(child);
        const isPackaged = owned.has(child);
        const isPackagedLink = childStat.isSymbolicLink() && owned.has(path.resolve(from, fs.readlinkSync(child)));
        if (isPackaged || isPackagedLink) copy(child, path.join(to, name));
      }
    } else if (stat.isSymbolicLink()) {
      fs.symlinkSync(fs.readlinkSync(from), to);
    } else {
      fs.copyFileSync(from, to);
      fs.utimesSync(to, stat.atime, stat.mtime);
    }
    copyOwnership(stat, to);
  };
  copy(source.dir, target);
}
