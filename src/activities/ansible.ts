// Runs the project's Ansible playbooks against hosts with an inventory generated for the run
// (never edited in place). Host keys are verified against the pinned known_hosts; output is
// streamed to a log file; a failure names the failing task and host.
import { ApplicationFailure } from '@temporalio/common';
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { type AnsibleStrategy, ansibleStrategy } from './ansibleStrategy';
import { activityHeartbeat } from './context';

/** The project's ansible/ directory: the nearest one above this file, so it is found from
 *  src/activities (ts-node) and from dist/src/activities (a build) alike. */
export function findAnsibleDir(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'ansible');
    if (fs.existsSync(path.join(candidate, 'ansible.cfg'))) return candidate;
    if (path.dirname(dir) === dir)
      throw new Error(`no ansible/ansible.cfg in ${from} or any directory above it: nsdeploy's playbooks are missing`);
  }
}

export const ANSIBLE_DIR = findAnsibleDir();

export interface InventoryHost {
  name: string;
  address: string;
  vars?: Record<string, unknown>;
}

export interface PlaybookRun {
  playbook: 'site.yml' | 'nameserver.yml' | 'proxy.yml';
  /** Inventory groups (nameservers, loadbalancers) → hosts. */
  groups: Record<string, InventoryHost[]>;
  groupVars?: Record<string, Record<string, unknown>>;
  privateKeyFile: string;
  knownHostsFile: string;
  user?: string;
  /** --check: show what would change, change nothing. */
  check?: boolean;
  /** --diff: report each file's change (default: on with check); returned in `diff`, bounded. */
  diff?: boolean;
  /** --limit: only these inventory hosts (the others' variables are still visible). */
  limit?: string[];
  /** Where the full output goes; default: a file under the OS temp dir. */
  logFile?: string;
}

export interface HostRecap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

export interface PlaybookResult {
  recap: Record<string, HostRecap>;
  changed: number;
  logFile: string;
  /** With diff: each changed task and its file diff (bounded so history stays small). */
  diff?: string;
  /** The Ansible strategy that ran it (`mitogen_linear` when Mitogen was found). */
  strategy?: AnsibleStrategy['name'];
}

/** The largest diff text a run returns (the full output is in the log file). */
export const MAX_DIFF_CHARS = 16_000;
const HOST_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The changes in ansible-playbook --diff output: for each task that changed something, its
 * heading, its diff and the "changed: [host]" line; "ok" tasks are left out.
 */
export function diffText(output: string, max = MAX_DIFF_CHARS): string {
  const kept: string[] = [];
  let task = '';
  let block: string[] = [];
  for (const line of output.split('\n')) {
    const t = line.match(/^TASK \[(.+?)\]/) ?? line.match(/^RUNNING HANDLER \[(.+?)\]/);
    if (t) {
      task = line.replace(/\s*\*+\s*$/, '');
      block = [];
      continue;
    }
    if (/^changed: \[/.test(line)) {
      kept.push(task, ...block, line.replace(/ => \{.*$/, ''), '');
      block = [];
    } else if (/^(ok|skipping|fatal|failed): \[/.test(line)) {
      block = [];
    } else if (/^(--- before|\+\+\+ after|@@ |[-+ ])/.test(line) && (block.length > 0 || /^--- before/.test(line))) {
      block.push(line);
    }
  }
  const text = kept.join('\n').trim();
  return text.length <= max ? text : `${text.slice(0, max)}\n… (${text.length - max} more characters in the log)`;
}

export function buildInventory(run: PlaybookRun): string {
  const children: Record<string, unknown> = {};
  for (const [group, hosts] of Object.entries(run.groups)) {
    children[group] = {
      ...(run.groupVars?.[group] && { vars: run.groupVars[group] }),
      hosts: Object.fromEntries(hosts.map((h) => [h.name, { ansible_host: h.address, ...h.vars }])),
    };
  }
  return stringify({
    all: {
      vars: {
        ansible_user: run.user ?? 'root',
        ansible_ssh_private_key_file: run.privateKeyFile,
        // Pinned keys only; never StrictHostKeyChecking=no.
        ansible_ssh_common_args:
          `-o UserKnownHostsFile=${run.knownHostsFile} -o GlobalKnownHostsFile=/dev/null ` +
          '-o StrictHostKeyChecking=yes',
      },
      children,
    },
  });
}

export function parseRecap(output: string): Record<string, HostRecap> {
  const recap: Record<string, HostRecap> = {};
  const re = /^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm;
  for (const m of output.matchAll(re)) recap[m[1]] = { ok: +m[2], changed: +m[3], unreachable: +m[4], failed: +m[5] };
  return recap;
}

/** "TASK [nameserver : Validate zone] … fatal: [ns1-next]: FAILED! => {…msg…}" → one line. */
export function failingTask(output: string): string | undefined {
  const lines = output.split('\n');
  let task = '';
  for (const line of lines) {
    const t = line.match(/^TASK \[(.+)\]/);
    if (t) task = t[1];
    const f = line.match(/^(fatal|failed): \[([^\]]+)\].*?=> (.*)$/);
    if (f) {
      let msg = f[3];
      try {
        const parsed = JSON.parse(msg) as { msg?: string; stderr?: string };
        // "failed to validate" alone hides the validator's reason (nginx -t's message) in stderr.
        msg = [parsed.msg, parsed.stderr?.trim()].filter(Boolean).join(': ') || msg;
      } catch {
        // not JSON: keep the raw text
      }
      return `task "${task}" failed on ${f[2]}: ${String(msg).slice(0, 500)}`;
    }
  }
  return undefined;
}

let processStrategy: AnsibleStrategy | undefined;
/** The strategy this process runs the playbooks of ANSIBLE_DIR with (NSDEPLOY_MITOGEN, .tools/mitogen). */
export const defaultAnsibleStrategy = (): AnsibleStrategy =>
  (processStrategy ??= ansibleStrategy(path.dirname(ANSIBLE_DIR), process.env.NSDEPLOY_MITOGEN));

export function createAnsibleActivities(deps: { ansibleDir?: string; strategy?: AnsibleStrategy } = {}) {
  const ansibleDir = deps.ansibleDir ?? ANSIBLE_DIR;
  // Found at worker start: a wrong NSDEPLOY_MITOGEN stops the worker with a clear error.
  const strategy = deps.strategy ?? defaultAnsibleStrategy();
  return {
    async runPlaybook(run: PlaybookRun): Promise<PlaybookResult> {
      const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-ansible-'));
      const logFile = run.logFile ?? path.join(work, 'ansible.log');
      try {
        const inventory = path.join(work, 'inventory.yml');
        fs.writeFileSync(inventory, buildInventory(run));
        const diff = run.diff ?? run.check ?? false;
        for (const h of run.limit ?? []) {
          if (!HOST_PATTERN.test(h))
            throw ApplicationFailure.nonRetryable(
              `runPlaybook: limit ${JSON.stringify(h)} is not an inventory host name`,
              'InvalidInput',
            );
        }
        if (run.limit && run.limit.length === 0)
          throw ApplicationFailure.nonRetryable('runPlaybook: an empty limit would match no host', 'InvalidInput');
        const args = [
          '-i',
          inventory,
          run.playbook,
          ...(run.check ? ['--check'] : []),
          ...(diff ? ['--diff'] : []),
          ...(run.limit ? ['--limit', run.limit.join(',')] : []),
        ];
        const child = execa('ansible-playbook', args, {
          cwd: ansibleDir,
          reject: false,
          stdin: 'ignore',
          all: true,
          env: {
            ANSIBLE_CONFIG: path.join(ansibleDir, 'ansible.cfg'),
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_SSH_CONTROL_PATH_DIR: path.join(work, 'cp'),
            ANSIBLE_FORCE_COLOR: '0',
            ...strategy.env,
          },
        });
        fs.mkdirSync(path.dirname(logFile), { recursive: true });
        const log = fs.createWriteStream(logFile, { flags: 'a' });
        log.write(`# ansible-playbook ${args.join(' ')} (strategy ${strategy.name}: ${strategy.source})\n`);
        let lastTask = '';
        child.all?.on('data', (chunk: Buffer) => {
          log.write(chunk);
          const m = chunk.toString().match(/TASK \[(.+?)\]/g);
          if (m) lastTask = m[m.length - 1];
          activityHeartbeat({ task: lastTask });
        });
        const result = await child;
        await new Promise((r) => log.end(r));
        await closeMasters(path.join(work, 'cp'));
        const output = result.all ?? '';
        const recap = parseRecap(output);
        const changed = Object.values(recap).reduce((n, r) => n + r.changed, 0);
        if (result.exitCode !== 0) {
          const unreachable = Object.entries(recap)
            .filter(([, r]) => r.unreachable > 0)
            .map(([h]) => h);
          const reason =
            failingTask(output) ??
            (unreachable.length ? `unreachable: ${unreachable.join(', ')}` : output.split('\n').slice(-5).join(' '));
          const flags = `${run.check ? ' --check' : ''}${run.limit ? ` --limit ${run.limit.join(',')}` : ''}`;
          throw ApplicationFailure.create({
            message: `ansible-playbook ${run.playbook}${flags} failed: ${reason} (log: ${logFile})`,
            type: 'AnsibleFailed',
            // Unreachable hosts may just be booting; a failed task is a real problem.
            nonRetryable: unreachable.length === 0,
          });
        }
        return { recap, changed, logFile, strategy: strategy.name, ...(diff && { diff: diffText(output) }) };
      } finally {
        // The inventory is per run; the log stays (in the temp dir when no path was given).
        if (run.logFile) fs.rmSync(work, { recursive: true, force: true });
        else fs.rmSync(path.join(work, 'inventory.yml'), { force: true });
      }
    },
  };
}

/** Ends SSH connection masters (ControlPersist) so no ssh client outlives the run. */
async function closeMasters(dir: string): Promise<void> {
  if (!fs.existsSync(dir)) return;
  for (const socket of fs.readdirSync(dir)) {
    await execa('ssh', ['-O', 'exit', '-o', `ControlPath=${path.join(dir, socket)}`, 'host'], { reject: false });
  }
}
