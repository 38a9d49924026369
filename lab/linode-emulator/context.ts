// What the route plugins share: the services of one emulator instance.
import type { FaultInjector } from './faults';
import type { InstanceService } from './instances';
import type { RateLimiter } from './ratelimit';
import type { ReceivedTokens } from './receivedTokens';
import type { IpPools } from './ipam';
import type { StateStore } from './state';
import type { LifecycleEngine } from './transitions';

export interface EmulatorContext {
  token: string;
  store: StateStore;
  instances: InstanceService;
  engine: LifecycleEngine;
  pools: IpPools;
  faults: FaultInjector;
  limiter: RateLimiter;
  receivedTokens: ReceivedTokens;
}
