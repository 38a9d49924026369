// State survives a restart: the JSON state file is written atomically on each change, and
// instances caught mid-transition (or mid-deletion) carry on after the restart.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinodeEmulator } from '../../../lab/linode-emulator/server';
import type { EmulatorState } from '../../../lab/linode-emulator/state';
import { instanceBody, type Lab, startLab, TOKEN, waitFor } from './helpers';
import { createLinode, deleteLinode, getLinode, getLinodes, updateLinode } from './labApi';

let dir: string;
let statePath: string;
let lab: Lab | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nsdeploy-emulator-state-'));
  statePath = join(dir, 'state', 'linode.json');
});

afterEach(async () => {
  await lab?.stop();
  lab = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const readState = (): EmulatorState => JSON.parse(readFileSync(statePath, 'utf8')) as EmulatorState;
const restart = async (options: Parameters<typeof startLab>[0] = {}): Promise<Lab> => {
  await lab?.stop();
  lab = await startLab({ statePath, ...options }, dir);
  return lab;
};

describe('state file', () => {
  it('is written atomically on every change and read back on start', async () => {
    await restart();
    const { id } = await createLinode(instanceBody('persist-1', { private_ip: true, tags: ['keep'] }));
    expect(readState().instances.map((i) => i.label)).toEqual(['persist-1']);
    await updateLinode(id, { label: 'persist-renamed' });
    expect(readState().instances[0].label).toBe('persist-renamed');
    expect(readdirSync(join(dir, 'state'))).toEqual(['linode.json']); // no temp files left
    await waitFor('running', async () => ((await getLinode(id)).status === 'running' ? true : undefined));
    const before = await getLinode(id);

    await restart();
    const after = await getLinode(id);
    expect(after).toEqual(before);
    // IDs and addresses keep counting from where they were.
    const next = await createLinode(instanceBody('persist-2'));
    expect(next.id).toBe(id + 1);
    expect(next.ipv4[0]).not.toBe(before.ipv4[0]);
  });

  it('resumes an instance that was provisioning when the emulator stopped', async () => {
    await restart({ latencies: { provisioningMs: 300 } });
    const { id } = await createLinode(instanceBody('persist-midway'));
    await lab?.stop();
    lab = undefined;
    expect(readState().instances[0]).toMatchObject({ id, status: 'provisioning' });

    const second = await restart({ latencies: { provisioningMs: 300 } });
    expect((await getLinode(id)).status).toBe('provisioning');
    await waitFor('running after restart', async () => ((await getLinode(id)).status === 'running' ? true : undefined));
    expect(second.hooks.of('onRunning').map((c) => c.instance.id)).toEqual([id]);
  });

  it('re-runs onDeleted after a restart when the lab host was not torn down', async () => {
    const first = await restart();
    const { id, ipv4 } = await createLinode(instanceBody('persist-delete'));
    first.hooks.onDeleted = async () => {
      throw new Error('host teardown failed');
    };
    await deleteLinode(id);
    await first.emulator.idle();
    expect((await getLinodes()).results).toBe(0);
    expect(readState().pendingDeletions.map((i) => i.id)).toEqual([id]);
    // The address stays reserved while the host may still hold it.
    const other = await createLinode(instanceBody('persist-other'));
    expect(other.ipv4[0]).not.toBe(ipv4[0]);

    const second = await restart();
    await second.emulator.idle();
    expect(second.hooks.of('onDeleted').map((c) => c.instance.id)).toEqual([id]);
    expect(readState().pendingDeletions).toEqual([]);
  });

  it('refuses to start from a corrupt state file, naming it', () => {
    writeFileSync(join(dir, 'bad.json'), '{"version": 1, "instances": ');
    expect(() => createLinodeEmulator({ token: TOKEN, statePath: join(dir, 'bad.json') })).toThrow(
      /bad\.json is not valid JSON/,
    );
    writeFileSync(join(dir, 'odd.json'), '{"version": 2}');
    expect(() => createLinodeEmulator({ token: TOKEN, statePath: join(dir, 'odd.json') })).toThrow(
      /odd\.json has an unexpected shape/,
    );
  });
});
