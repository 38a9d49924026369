// Workflow histories from lab runs: a scan for secrets in every payload. Recording them under
// test/histories/ for the replay test: testkit/histories.ts.
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import fs from 'node:fs';
import { emulatorUrl, labToken } from '../../lab/emulatorProcess';

/** The history as JSON text plus every payload decoded (payload data is base64 in the JSON). */
export function readableHistory(json: string): string {
  const decoded: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.data === 'string' && o.metadata && typeof o.metadata === 'object')
        decoded.push(Buffer.from(o.data, 'base64').toString('utf8'));
      Object.values(o).forEach(walk);
    }
  };
  walk(JSON.parse(json));
  return `${json}\n${decoded.join('\n')}`;
}

/** Every secret of the lab: the Linode token, the client's and every host's SSH private key, root passwords. */
export async function labSecrets(clientKeyFile: string): Promise<{ what: string; value: string }[]> {
  const received = (await (await fetch(`${emulatorUrl()}/__admin/received-secrets`)).json()) as {
    rootPasswords: string[];
    userData: string[];
  };
  // A private key's base64 body, line by line: any line of it in a history is a leak.
  const keyLines = (pem: string) => pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
  const hostKeys = received.userData.flatMap((u) => {
    const m = u.match(/-----BEGIN OPENSSH PRIVATE KEY-----[\s\S]*?-----END OPENSSH PRIVATE KEY-----/g) ?? [];
    return m.flatMap((pem) => keyLines(pem.replace(/\\n/g, '\n').replace(/^\s+/gm, '')));
  });
  return [
    { what: 'Linode token', value: labToken() },
    ...keyLines(fs.readFileSync(clientKeyFile, 'utf8')).map((value) => ({ what: 'client SSH private key', value })),
    ...hostKeys.map((value) => ({ what: 'host SSH private key', value })),
    ...received.rootPasswords.map((value) => ({ what: 'root password', value })),
    { what: 'private key header', value: 'PRIVATE KEY-----' },
  ];
}

/** Fetches the histories, fails naming the secret and the workflow if any payload holds one. */
export async function expectNoSecrets(
  client: Client,
  workflowIds: string[],
  secrets: { what: string; value: string }[],
): Promise<Record<string, string>> {
  expect(secrets.filter((s) => s.what === 'root password').length).toBeGreaterThan(0); // the scan has something to find
  const histories: Record<string, string> = {};
  for (const id of workflowIds) {
    const json = historyToJSON(await client.workflow.getHandle(id).fetchHistory());
    const text = readableHistory(json);
    const leaks = secrets.filter((s) => text.includes(s.value)).map((s) => s.what);
    expect({ workflowId: id, leaks: [...new Set(leaks)] }).toEqual({ workflowId: id, leaks: [] });
    histories[id] = json;
  }
  return histories;
}
