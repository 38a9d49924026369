// What the route plugins share: the services of one emulator instance.
import type { FaultInjector } from './faults';
import type { FirewallService } from './firewalls';
import type { InstanceService } from './instances';
import type { IpAssignmentService } from './ipAssignment';
import type { RateLimiter } from './ratelimit';
import type { ReceivedTokens } from './receivedTokens';
import type { IpPools } from './ipam';
import type { StateStore } from './state';
import type { ThrottleLog } from './throttleLog';
import type { LifecycleEngine } from './transitions';

export interface EmulatorContext {
  token: string;
  store: StateStore;
  instances: InstanceService;
  firewalls: FirewallService;
  ips: IpAssignmentService;
  engine: LifecycleEngine;
  pools: IpPools;
  faults: FaultInjector;
  limiter: RateLimiter;
  throttleLog: ThrottleLog;
  receivedTokens: ReceivedTokens;
}
