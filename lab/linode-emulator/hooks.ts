// The lifecycle hook interface through which the lab brings a real host up when an emulated
// instance boots and tears it down when the instance is deleted. The emulator knows nothing
// about hosts; it only calls these and waits for them.
import type { FirewallRules, StoredInstance } from './state';

/** What a lab host needs to know about its instance. */
export interface LabInstance {
  id: number;
  label: string;
  region: string;
  type: string;
  image: string | null;
  tags: string[];
  /** `public` is the instance's first public IPv4; `additional` the others it received by assignment. */
  ipv4: { public: string; additional: string[]; private: string | null };
  ipv6: string;
  /** The rules of the enabled Cloud Firewall assigned to the instance, or null when it has none. */
  firewall: FirewallRules | null;
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
  /**
   * Addresses or the Cloud Firewall of these instances changed (an IP assignment, a firewall's
   * rules, status or devices): apply them to the hosts that run. The API answers the request that
   * caused it only after this settles, so a client that got its answer finds the network changed.
   * After lifecycle hooks already queued for the same instances. Instances whose host is not
   * running get the change at their next onRunning (the LabInstance it receives carries it).
   */
  onNetworkChanged?(instances: LabInstance[]): Promise<void>;
}

export function toLabInstance(i: StoredInstance, firewall: FirewallRules | null = null): LabInstance {
  return {
    id: i.id,
    label: i.label,
    region: i.region,
    type: i.type,
    image: i.image,
    tags: [...i.tags],
    ipv4: { public: i.ipv4Public, additional: [...i.ipv4PublicExtra], private: i.ipv4Private },
    ipv6: i.ipv6,
    firewall,
  };
}

export function decodeUserData(base64: string | null): string | null {
  return base64 === null ? null : Buffer.from(base64, 'base64').toString('utf8');
}
