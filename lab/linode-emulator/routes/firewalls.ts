// /networking/firewalls: list, create, get, update, delete; …/rules get/put; …/devices
// list/create/get/delete.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EmulatorContext } from '../context';
import { renderFirewall, renderFirewallDevice, renderFirewallRules } from '../render';
import { listResponse } from './list';

/** Fields the spec marks Filterable on the Firewall and Firewall Device objects. */
const FIREWALL_FILTERABLE = ['id', 'label', 'tags', 'created', 'updated'] as const;
const DEVICE_FILTERABLE = ['id', 'created', 'updated'] as const;

type WithId = FastifyRequest<{ Params: { firewallId: string } }>;
type WithDevice = FastifyRequest<{ Params: { firewallId: string; deviceId: string } }>;

export function firewallRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  const { firewalls, store } = ctx;
  const labelOf = (linodeId: number) => store.find(linodeId)?.label ?? null;
  const render = (f: Parameters<typeof renderFirewall>[0]) => renderFirewall(f, labelOf);

  app.get('/networking/firewalls', async (request) =>
    listResponse(request, firewalls.list().map(render), FIREWALL_FILTERABLE),
  );
  app.post('/networking/firewalls', async (request) => render(await firewalls.create(request.body)));
  app.get('/networking/firewalls/:firewallId', async (request: WithId) =>
    render(firewalls.get(request.params.firewallId)),
  );
  app.put('/networking/firewalls/:firewallId', async (request: WithId) =>
    render(await firewalls.update(request.params.firewallId, request.body)),
  );
  app.delete('/networking/firewalls/:firewallId', async (request: WithId) => {
    await firewalls.delete(request.params.firewallId);
    return {};
  });

  app.get('/networking/firewalls/:firewallId/rules', async (request: WithId) =>
    renderFirewallRules(firewalls.get(request.params.firewallId)),
  );
  app.put('/networking/firewalls/:firewallId/rules', async (request: WithId) =>
    renderFirewallRules(await firewalls.replaceRules(request.params.firewallId, request.body)),
  );

  app.get('/networking/firewalls/:firewallId/devices', async (request: WithId) => {
    const devices = firewalls.get(request.params.firewallId).devices;
    const rendered = devices.map((d) => renderFirewallDevice(d, labelOf(d.linodeId)));
    return listResponse(request, rendered, DEVICE_FILTERABLE);
  });
  app.post('/networking/firewalls/:firewallId/devices', async (request: WithId) => {
    const device = await firewalls.addDevice(request.params.firewallId, request.body);
    return renderFirewallDevice(device, labelOf(device.linodeId));
  });
  app.get('/networking/firewalls/:firewallId/devices/:deviceId', async (request: WithDevice) => {
    const { device } = firewalls.device(request.params.firewallId, request.params.deviceId);
    return renderFirewallDevice(device, labelOf(device.linodeId));
  });
  app.delete('/networking/firewalls/:firewallId/devices/:deviceId', async (request: WithDevice) => {
    await firewalls.removeDevice(request.params.firewallId, request.params.deviceId);
    return {};
  });
}
