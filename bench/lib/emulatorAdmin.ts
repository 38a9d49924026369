// The lab Linode emulator's admin API (/__admin/…) as the chaos benchmarks read and drive it.
import { emulatorUrl } from '../../lab/emulatorProcess';

export interface AdminInstance {
  id: number;
  label: string;
  status: string;
  tags: string[];
  ipv4Public: string;
}
export interface AdminRule {
  id: string;
  fired: number;
  times?: number;
}
export interface AdminState {
  instances: AdminInstance[];
  pendingDeletions: AdminInstance[];
  faults: { seed: number; rules: AdminRule[] };
}

export async function admin<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${emulatorUrl()}${path}`, {
    method,
    ...(body !== undefined && { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Every instance, pending deletions and fault rules of the emulated account. */
export const adminState = () => admin<AdminState>('GET', '/__admin/state');
