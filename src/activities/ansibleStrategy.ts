// Which Ansible strategy runs nsdeploy's playbooks. With Mitogen for Ansible (a maintained
// strategy plugin, the PyPI package `mitogen`) each host's tasks run in one Python interpreter
// it starts over the same SSH, instead of a new SSH command and Python process per task: the
// nameserver role on 20 new lab hosts took 26 s and 41 CPU-seconds with it, against 58 s and
// 113 with Ansible's linear strategy. Host keys are still checked against the pinned
// known_hosts (it runs ssh with the inventory's options).
// Mitogen is optional: without it, Ansible's own linear strategy runs the same playbooks.
import fs from 'node:fs';
import path from 'node:path';

export interface AnsibleStrategy {
  /** `mitogen_linear`, or `linear` (Ansible's default). */
  name: 'mitogen_linear' | 'linear';
  /** Where it was found, or why Ansible's own is used. */
  source: string;
  /** Environment for ansible-playbook. */
  env: Record<string, string>;
}

/** The pinned version scripts/setup installs into .tools/mitogen (a venv). */
export const MITOGEN_VERSION = '0.3.54';

const PLUGIN = path.join('ansible_mitogen', 'plugins', 'strategy', 'mitogen_linear.py');

/** The site-packages directories of a venv (lib/python3.X/site-packages). */
function venvSitePackages(venv: string): string[] {
  const lib = path.join(venv, 'lib');
  if (!fs.existsSync(lib)) return [];
  return fs
    .readdirSync(lib)
    .filter((d) => d.startsWith('python3'))
    .map((d) => path.join(lib, d, 'site-packages'));
}

function mitogenIn(dir: string, source: string): AnsibleStrategy {
  return {
    name: 'mitogen_linear',
    source,
    env: {
      ANSIBLE_STRATEGY: 'mitogen_linear',
      ANSIBLE_STRATEGY_PLUGINS: path.join(dir, path.dirname(PLUGIN)),
      // ansible-playbook's own Python must import ansible_mitogen (Debian's ansible runs on /usr/bin/python3).
      PYTHONPATH: [dir, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    },
  };
}

/**
 * NSDEPLOY_MITOGEN=off: Ansible's linear strategy. NSDEPLOY_MITOGEN=<dir>: the directory that holds
 * the `ansible_mitogen` package (an error when it does not). Unset: the copy scripts/setup installs
 * under `<repo>/.tools/mitogen` when there is one, else Ansible's linear strategy.
 */
export function ansibleStrategy(repoDir: string, setting: string | undefined): AnsibleStrategy {
  const linear = (source: string): AnsibleStrategy => ({ name: 'linear', source, env: {} });
  if (setting === 'off' || setting === '0' || setting === 'false') return linear(`NSDEPLOY_MITOGEN=${setting}`);
  if (setting) {
    if (!fs.existsSync(path.join(setting, PLUGIN)))
      throw new Error(
        `NSDEPLOY_MITOGEN=${setting}: no ${PLUGIN} there; give the directory that holds the ansible_mitogen ` +
          'package (pip install mitogen: its site-packages), or "off" for Ansible\'s own strategy',
      );
    return mitogenIn(setting, `NSDEPLOY_MITOGEN=${setting}`);
  }
  const bundled = venvSitePackages(path.join(repoDir, '.tools', 'mitogen')).find((d) =>
    fs.existsSync(path.join(d, PLUGIN)),
  );
  if (bundled) return mitogenIn(bundled, bundled);
  return linear('no Mitogen: NSDEPLOY_MITOGEN unset and none in .tools/mitogen (scripts/setup installs it)');
}
