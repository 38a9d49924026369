// The emulator's app factory: a Fastify server answering the Linode API v4 subset nsdeploy
// uses, under both /v4 and /v4beta, plus the lab-only /__admin API. It binds 127.0.0.1 only.
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context';
import { ApiError, internalError, notFound } from './errors';
import { FaultInjector } from './faults';
import { FirewallService } from './firewalls';
import { type InstanceLifecycleHooks, toLabInstance } from './hooks';
import { InstanceService } from './instances';
import { IpAssignmentService } from './ipAssignment';
import { DEFAULT_PRIVATE_CIDRS, DEFAULT_PUBLIC_CIDR, IpPools } from './ipam';
import { REGIONS } from './catalog';
import { INVALID_JSON } from './messages';
import { apiPipeline } from './pipeline';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimitSettings } from './ratelimit';
import { ThrottleLog } from './throttleLog';
import { ReceivedTokens } from './receivedTokens';
import { adminRoutes } from './routes/admin';
import { catalogRoutes } from './routes/catalog';
import { firewallRoutes } from './routes/firewalls';
import { instanceRoutes } from './routes/instances';
import { networkingRoutes } from './routes/networking';
import { tagRoutes } from './routes/tags';
import { StateStore } from './state';
import { DEFAULT_LATENCIES, LifecycleEngine, type TransitionLatencies } from './transitions';

export interface LinodeEmulatorOptions {
  /** The one bearer token the emulated account accepts. */
  token: string;
  /** JSON state file; state survives restarts when given, lives in memory otherwise. */
  statePath?: string;
  latencies?: Partial<TransitionLatencies>;
  /** Lab IPv4 ranges (defaults inside 198.18.0.0/15, which is never routed). */
  publicCidr?: string;
  /** Private range per region (region → CIDR); regions not named keep DEFAULT_PRIVATE_CIDRS. */
  privateCidrs?: Record<string, string>;
  rateLimit?: RateLimitSettings;
  /** Called as instances come up and go away: the lab starts and stops real hosts here. */
  hooks?: InstanceLifecycleHooks;
  /** Seed of the fault-injection RNG (default 1). */
  faultSeed?: number;
  /** A pino logger; silent when omitted. */
  logger?: FastifyBaseLogger;
}

export interface LinodeEmulator {
  app: FastifyInstance;
  /** Resume unfinished transitions, then listen on 127.0.0.1; resolves to the base URL. */
  listen(port?: number): Promise<string>;
  /** The base URL (http://127.0.0.1:PORT) once listening. */
  readonly url: string | undefined;
  /** Resolves when no lifecycle hook is running or queued. */
  idle(): Promise<void>;
  /** Stop listening, stop timers, wait for running hooks. Unfinished phases resume on restart. */
  close(): Promise<void>;
  readonly context: EmulatorContext;
}

const LISTEN_HOST = '127.0.0.1';

/** `{...defaults, ...given}` where a key given as undefined keeps its default. */
function withDefaults<T extends object>(defaults: T, given: Partial<T> = {}): T {
  const set = Object.entries(given).filter(([, v]) => v !== undefined);
  return { ...defaults, ...Object.fromEntries(set) };
}

function errorStatus(err: FastifyError): number {
  return err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
}

export function createLinodeEmulator(options: LinodeEmulatorOptions): LinodeEmulator {
  if (!options.token) throw new Error('the emulator needs a token to accept');
  const app = Fastify({ loggerInstance: options.logger });
  const store = new StateStore(options.statePath);
  const pools = new IpPools(
    options.publicCidr ?? DEFAULT_PUBLIC_CIDR,
    { ...DEFAULT_PRIVATE_CIDRS, ...options.privateCidrs },
    REGIONS.map((r) => r.id),
  );
  const engine = new LifecycleEngine(
    store,
    options.hooks ?? {},
    withDefaults(DEFAULT_LATENCIES, options.latencies),
    app.log,
  );
  const firewalls = new FirewallService(store, engine);
  // What hooks see of an instance includes the rules of its enabled firewall.
  engine.view = (i) => toLabInstance(i, firewalls.rulesFor(i.id));
  const context: EmulatorContext = {
    token: options.token,
    store,
    engine,
    pools,
    instances: new InstanceService(store, engine, pools, firewalls),
    firewalls,
    ips: new IpAssignmentService(store, engine),
    faults: new FaultInjector(options.faultSeed ?? 1),
    limiter: new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT),
    throttleLog: new ThrottleLog(),
    receivedTokens: new ReceivedTokens(),
  };

  // Clients POST actions with no body or `{}`, not always labelled JSON (@linode/api-v4 sends
  // shutdown with no data and axios's default form content type): every body is read as
  // JSON, an empty one as `{}`. Bad JSON is a Linode 400.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new ApiError(400, [{ reason: INVALID_JSON }]), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).headers(err.headers).send(err.envelope());
    const status = errorStatus(err);
    if (status === 500) {
      request.log.error({ err }, 'unexpected emulator error');
      return reply.code(500).send(internalError().envelope());
    }
    return reply.code(status).send({ errors: [{ reason: err.message }] });
  });
  app.setNotFoundHandler((_request, reply) => reply.code(404).send(notFound().envelope()));

  for (const prefix of ['/v4', '/v4beta']) {
    void app.register(
      async (api) => {
        apiPipeline(api, context);
        catalogRoutes(api);
        instanceRoutes(api, context);
        firewallRoutes(api, context);
        networkingRoutes(api, context);
        tagRoutes(api, context);
      },
      { prefix },
    );
  }
  void app.register(async (admin) => adminRoutes(admin, context));

  let url: string | undefined;
  return {
    app,
    context,
    get url() {
      return url;
    },
    async listen(port = 0) {
      store.save(); // fail fast on an unwritable state path, before accepting requests
      engine.resume();
      await app.listen({ host: LISTEN_HOST, port });
      const address = app.server.address();
      if (address === null || typeof address === 'string') throw new Error('emulator is not listening on TCP');
      url = `http://${LISTEN_HOST}:${address.port}`;
      return url;
    },
    idle: () => engine.idle(),
    async close() {
      await app.close();
      await engine.close();
    },
  };
}
