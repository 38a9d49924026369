// Status transitions, "Linode busy." during them, and the lifecycle hooks.
import { EmptyObjectSchema, ErrorEnvelopeSchema } from '../../../lab/linode-emulator/schemas';
import { LinodeApiError, toLinodeError } from '../../../src/linode';
import { expectSchema, instanceBody, type Lab, raw, rejectionOf, sleep, startLab, waitFor } from './helpers';
import { createLinode, deleteLinode, getLinode, linodeBoot, linodeReboot, linodeShutdown } from './labApi';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.stop();
});

beforeEach(() => {
  lab.hooks.calls.length = 0;
  lab.hooks.runningDelayMs = 0;
  lab.hooks.failRunning = false;
});

/** Poll until `status`, recording every distinct status seen on the way. */
async function watchUntil(id: number, status: string, seen: string[] = []): Promise<string[]> {
  await waitFor(status, async () => {
    const now = (await getLinode(id)).status;
    if (seen[seen.length - 1] !== now) seen.push(now);
    return now === status ? true : undefined;
  });
  return seen;
}

const busy = async (call: Promise<unknown>): Promise<LinodeApiError> => toLinodeError(await rejectionOf(call));

describe('status transitions', () => {
  it('goes provisioning → booting → running, and is running only after onRunning resolves', async () => {
    lab.hooks.runningDelayMs = 150;
    const { id, status } = await createLinode(instanceBody('transitions-1'));
    expect(status).toBe('provisioning');
    const seen = await watchUntil(id, 'booting', ['provisioning']);
    await waitFor('onRunning call', () => (lab.hooks.of('onRunning').length === 1 ? true : undefined));
    await sleep(60); // the hook is still running: no "running" yet
    expect((await getLinode(id)).status).toBe('booting');
    await watchUntil(id, 'running', seen);
    expect(seen).toEqual(['provisioning', 'booting', 'running']);
  });

  it('starts the host as booting begins, and still boots for the whole booting latency', async () => {
    const put = (latencies: object) => raw(lab.url, '/__admin/settings', { method: 'PUT', body: { latencies } });
    await put({ bootingMs: 2000 });
    try {
      const { id } = await createLinode(instanceBody('transitions-overlap'));
      const seen = await watchUntil(id, 'booting', ['provisioning']);
      // Called at once (it used to wait for the latency to pass, then end the phase right away).
      await waitFor('onRunning call', () => (lab.hooks.of('onRunning').length === 1 ? true : undefined));
      await sleep(500);
      expect((await getLinode(id)).status).toBe('booting');
      await watchUntil(id, 'running', seen);
      expect(seen).toEqual(['provisioning', 'booting', 'running']);
      expect(lab.hooks.of('onRunning')).toHaveLength(1);
    } finally {
      await put({ bootingMs: 60 });
    }
  });

  it('refuses boot, reboot and shutdown with 400 "Linode busy." during a transition', async () => {
    const { id } = await createLinode(instanceBody('transitions-busy'));
    for (const action of [linodeBoot(id), linodeReboot(id), linodeShutdown(id)]) {
      const err = await busy(action);
      expect(err.status).toBe(400);
      expect(err.hasReason('Linode busy.')).toBe(true);
    }
    const response = await raw(lab.url, `/v4/linode/instances/${id}/boot`, { method: 'POST', body: {} });
    expect(expectSchema(ErrorEnvelopeSchema, response.body)).toEqual({ errors: [{ reason: 'Linode busy.' }] });
    await watchUntil(id, 'running');
  });

  it('shuts down (shutting_down → offline), boots (booting → running) and reboots (rebooting → running)', async () => {
    const { id } = await createLinode(instanceBody('transitions-power'));
    await watchUntil(id, 'running');

    expectSchema(EmptyObjectSchema, await linodeShutdown(id));
    expect(await watchUntil(id, 'offline')).toEqual(['shutting_down', 'offline']);
    expect(lab.hooks.of('onStopped').map((c) => c.instance.id)).toEqual([id]);

    expectSchema(EmptyObjectSchema, await linodeBoot(id));
    expect(await watchUntil(id, 'running')).toEqual(['booting', 'running']);

    expectSchema(EmptyObjectSchema, await linodeReboot(id));
    expect(await watchUntil(id, 'running')).toEqual(['rebooting', 'running']);
    // create, boot and reboot each end in onRunning
    expect(lab.hooks.of('onRunning').filter((c) => c.instance.id === id)).toHaveLength(3);
  });

  it('treats boot of a running and shutdown of an offline instance as no-ops', async () => {
    const { id } = await createLinode(instanceBody('transitions-noop'));
    await watchUntil(id, 'running');
    await linodeBoot(id);
    expect((await getLinode(id)).status).toBe('running');
    await linodeShutdown(id);
    await watchUntil(id, 'offline');
    await linodeShutdown(id);
    expect((await getLinode(id)).status).toBe('offline');
  });

  it('stays offline when created with booted: false, without calling onRunning', async () => {
    const { id } = await createLinode(instanceBody('transitions-unbooted', { booted: false }));
    expect(await watchUntil(id, 'offline', ['provisioning'])).toEqual(['provisioning', 'offline']);
    await sleep(100);
    expect(lab.hooks.of('onRunning')).toHaveLength(0);
  });

  it('goes offline when the lab host fails to start (onRunning rejects)', async () => {
    lab.hooks.failRunning = true;
    const { id } = await createLinode(instanceBody('transitions-hostfail'));
    expect(await watchUntil(id, 'offline', ['provisioning'])).toEqual(['provisioning', 'booting', 'offline']);
  });

  it('deletes an instance while its host is starting: onDeleted runs after onRunning settles', async () => {
    lab.hooks.runningDelayMs = 150;
    const { id } = await createLinode(instanceBody('transitions-delete-booting'));
    await waitFor('onRunning call', () => (lab.hooks.of('onRunning').length === 1 ? true : undefined));
    await deleteLinode(id);
    expect(toLinodeError(await rejectionOf(getLinode(id))).status).toBe(404);
    await lab.emulator.idle();
    expect(lab.hooks.calls.map((c) => c.hook)).toEqual(['onRunning', 'onDeleted']);
  });

  it('answers 404 for power actions on unknown instances', async () => {
    for (const action of ['boot', 'reboot', 'shutdown']) {
      const response = await raw(lab.url, `/v4/linode/instances/424242/${action}`, { method: 'POST' });
      expect(response.status).toBe(404);
    }
  });
});
