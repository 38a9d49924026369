// The lifecycle hook interface through which the lab brings a real host up when an emulated
// instance boots and tears it down when the instance is deleted. The emulator knows nothing
// about hosts; it only calls these and waits for them.
import type { StoredInstance } from './state';

/** What a lab host needs to know about its instance. */
export interface LabInstance {
  id: number;
  label: string;
  region: string;
  type: string;
  image: string | null;
  tags: string[];
  ipv4: { public: string; private: string | null };
  ipv6: string;
}

export interface InstanceLifecycleHooks {
  /**
   * The instance has finished booting (after create, boot or reboot). The instance reports
   * `running` only after this resolves, because booting includes the host coming up; if it
   * rejects, the boot failed and the instance goes `offline`. May be called again for an
   * instance whose host is already up (reboot, emulator restart mid-boot): be idempotent.
   * @param userData metadata.user_data decoded from base64 as UTF-8 (cloud-config text),
   *   or null when none was given.
   */
  onRunning?(instance: LabInstance, userData: string | null): Promise<void>;
  /** The instance was shut down: its host may stop. Optional. */
  onStopped?(instance: LabInstance): Promise<void>;
  /**
   * The instance was deleted. Its addresses stay reserved until this resolves. Called after
   * any onRunning/onStopped still running for the same instance has settled, and again after
   * an emulator restart if the previous run did not see it finish.
   */
  onDeleted?(instance: LabInstance): Promise<void>;
}

export function toLabInstance(i: StoredInstance): LabInstance {
  return {
    id: i.id,
    label: i.label,
    region: i.region,
    type: i.type,
    image: i.image,
    tags: [...i.tags],
    ipv4: { public: i.ipv4Public, private: i.ipv4Private },
    ipv6: i.ipv6,
  };
}

export function decodeUserData(base64: string | null): string | null {
  return base64 === null ? null : Buffer.from(base64, 'base64').toString('utf8');
}
