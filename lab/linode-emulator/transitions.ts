// Status transitions of emulated instances and the lifecycle hooks they trigger:
//   provisioning → booting → running      (create; `booted: false` or no image → offline)
//   offline → booting → running           (boot)
//   running → rebooting → running         (reboot)
//   running → shutting_down → offline     (shutdown)
// Each transitional phase lasts its configured latency; booting/rebooting end only when the
// onRunning hook resolves. Booting starts the hook as it begins, as a machine starts while it
// boots: the phase lasts max(latency, the hook), not their sum (20 lab hosts started at once
// take several seconds that a real fleet's boot would not add). Phase end times are persisted,
// so after a restart `resume()` picks every unfinished phase up where it left off (a hook that was running is run again).
import type { FastifyBaseLogger } from 'fastify';
import { decodeUserData, type InstanceLifecycleHooks, type LabInstance, toLabInstance } from './hooks';
import type { InstanceStatus, StateStore, StoredInstance, TransitionalStatus } from './state';
import { isTransitional } from './state';
import { linodeTimestamp } from './timestamps';

export interface TransitionLatencies {
  provisioningMs: number;
  bootingMs: number;
  rebootingMs: number;
  shuttingDownMs: number;
}

export const DEFAULT_LATENCIES: TransitionLatencies = {
  provisioningMs: 3000,
  bootingMs: 2000,
  rebootingMs: 2000,
  shuttingDownMs: 1500,
};

const LATENCY_OF: Record<TransitionalStatus, keyof TransitionLatencies> = {
  provisioning: 'provisioningMs',
  booting: 'bootingMs',
  rebooting: 'rebootingMs',
  shutting_down: 'shuttingDownMs',
};

export class LifecycleEngine {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  /** Bumped on every scheduled phase and on delete, so stale callbacks can tell. */
  private readonly generation = new Map<number, number>();
  /** Hook calls for one instance run one after another (onDeleted waits for onRunning). */
  private readonly chains = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  /** onRunning started as booting began: the status it leads to, awaited when the phase ends. */
  private readonly starting = new Map<number, Promise<'running' | 'offline'>>();
  private closed = false;

  constructor(
    private readonly store: StateStore,
    private readonly hooks: InstanceLifecycleHooks,
    public latencies: TransitionLatencies,
    private readonly log: FastifyBaseLogger,
    private readonly now: () => number = Date.now,
  ) {}

  /** What a hook sees of an instance; the emulator sets it to add the instance's firewall. */
  view: (instance: StoredInstance) => LabInstance = (i) => toLabInstance(i);

  /**
   * Tell the lab that these instances' addresses or firewall changed (onNetworkChanged), after
   * any hook queued for them; resolves when it has settled. A failure is logged, not thrown: the
   * API's change is made either way, as on Linode, where the network follows the account.
   */
  networkChanged(instances: StoredInstance[]): Promise<void> {
    const hook = this.hooks.onNetworkChanged;
    if (!hook || instances.length === 0) return Promise.resolve();
    const views = instances.map((i) => this.view(i));
    return this.enqueueAll(
      instances.map((i) => i.id),
      async () => {
        try {
          await hook(views);
        } catch (err) {
          this.log.error({ err, linodeIds: views.map((v) => v.id) }, 'onNetworkChanged hook failed');
        }
      },
    );
  }

  /** Put an instance into a transitional phase and schedule its end. */
  enter(instance: StoredInstance, status: TransitionalStatus): void {
    const endsAt = this.now() + this.latencies[LATENCY_OF[status]];
    instance.status = status;
    instance.phaseEndsAt = endsAt;
    instance.updated = linodeTimestamp(this.now());
    this.store.save();
    this.schedule(instance.id, endsAt);
    if (status === 'booting') this.starting.set(instance.id, this.runHook(instance, 'running'));
  }

  /** The instance is gone from the account: stop its transitions and tear its host down. */
  deleted(instance: StoredInstance): void {
    this.cancel(instance.id);
    const lab = this.view(instance);
    this.enqueue(instance.id, async () => {
      try {
        await this.hooks.onDeleted?.(lab);
      } catch (err) {
        // Keep the addresses reserved: the host may still hold them. Retried after restart.
        this.log.error({ err, linodeId: lab.id }, 'onDeleted hook failed; addresses stay reserved');
        return;
      }
      const pending = this.store.state.pendingDeletions;
      const index = pending.findIndex((p) => p.id === lab.id);
      if (index >= 0) {
        pending.splice(index, 1);
        this.store.save();
      }
    });
  }

  /** After a (re)start: continue unfinished phases and unfinished deletions. */
  resume(): void {
    for (const instance of this.store.state.instances) {
      if (isTransitional(instance.status)) this.schedule(instance.id, instance.phaseEndsAt ?? this.now());
    }
    for (const gone of this.store.state.pendingDeletions) this.deleted(gone);
  }

  /** Resolves when no hook call is running or queued. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Stop all timers and wait for running hooks; unfinished phases resume on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.timers.keys()]) this.cancel(id);
    await this.idle();
  }

  private cancel(id: number): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.starting.delete(id);
    this.generation.set(id, (this.generation.get(id) ?? 0) + 1);
  }

  private schedule(id: number, endsAt: number): void {
    this.cancel(id);
    const generation = this.generation.get(id) ?? 0;
    const timer = setTimeout(() => this.phaseEnded(id, generation), Math.max(0, endsAt - this.now()));
    this.timers.set(id, timer);
  }

  private isCurrent(id: number, generation: number): boolean {
    return !this.closed && this.generation.get(id) === generation;
  }

  private phaseEnded(id: number, generation: number): void {
    this.timers.delete(id);
    const instance = this.store.find(id);
    if (!instance || !this.isCurrent(id, generation)) return;
    switch (instance.status) {
      case 'provisioning':
        if (instance.bootAfterProvisioning) this.enter(instance, 'booting');
        else this.settle(instance, 'offline');
        return;
      case 'booting':
      case 'rebooting':
        this.finishThroughHook(instance, generation, 'running');
        return;
      case 'shutting_down':
        this.finishThroughHook(instance, generation, 'offline');
        return;
      default:
        return;
    }
  }

  /** The phase's hook (the one started as booting began, else now), then the status it leads to. */
  private finishThroughHook(instance: StoredInstance, generation: number, target: 'running' | 'offline'): void {
    const started = this.starting.get(instance.id);
    this.starting.delete(instance.id);
    // After a restart nothing was started: the hook runs now.
    void (started ?? this.runHook(instance, target)).then((outcome) => {
      const current = this.store.find(instance.id);
      // Deleted meanwhile, or the emulator is closing (the phase resumes on the next start).
      if (!current || !this.isCurrent(instance.id, generation)) return;
      this.settle(current, outcome);
    });
  }

  /** Queues onRunning or onStopped for the instance; resolves to the status it leads to. */
  private runHook(instance: StoredInstance, target: 'running' | 'offline'): Promise<'running' | 'offline'> {
    const lab = this.view(instance);
    const userData = decodeUserData(instance.userData);
    let outcome: 'running' | 'offline' = target;
    return this.enqueueAll([instance.id], async () => {
      try {
        if (target === 'running') await this.hooks.onRunning?.(lab, userData);
        else await this.hooks.onStopped?.(lab);
      } catch (err) {
        this.log.error({ err, linodeId: lab.id }, `lifecycle hook failed; instance goes offline`);
        outcome = 'offline';
      }
    }).then(() => outcome);
  }

  private settle(instance: StoredInstance, status: InstanceStatus): void {
    instance.status = status;
    instance.phaseEndsAt = null;
    instance.updated = linodeTimestamp(this.now());
    this.store.save();
  }

  private enqueue(id: number, work: () => Promise<void>): void {
    void this.enqueueAll([id], work);
  }

  /** Runs `work` after every hook call queued for any of `ids`; later calls for them wait for it. */
  private enqueueAll(ids: number[], work: () => Promise<void>): Promise<void> {
    const previous = Promise.all(ids.map((id) => this.chains.get(id)));
    const next = previous.then(work).catch((err: unknown) => {
      this.log.error({ err, linodeIds: ids }, 'lifecycle hook chain failed');
    });
    for (const id of ids) this.chains.set(id, next);
    this.inFlight.add(next);
    void next.finally(() => {
      this.inFlight.delete(next);
      for (const id of ids) if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }
}
