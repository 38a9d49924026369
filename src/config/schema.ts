// The fleet config schema: what a YAML fleet file may say, with defaults and the reasons
// a value is refused. Durations are strings ("90s", "5m", "2d") turned into milliseconds.
import { isIP } from 'node:net';
import ms from 'ms';
import { z } from 'zod';
import { FIREWALL_FLEET_MAX } from '../shared/firewall';
import { checkShape, checkZoneChoice } from './fleetShape';
import { linodeLabelProblem, LABEL_MAX } from './linodeLabel';

const duration = (example: string) =>
  z.string({ error: `expected a duration such as "${example}"` }).transform((value, ctx) => {
    const parsed = ms(value.trim() as ms.StringValue);
    if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
      ctx.addIssue({ code: 'custom', message: `"${value}" is not a duration (examples: "30s", "5m", "2h", "2d")` });
      return z.NEVER;
    }
    return parsed;
  });

const label = z.string().superRefine((value, ctx) => {
  const problem = linodeLabelProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: `Linode label "${value}" ${problem}` });
});

const dnsName = z
  .string()
  .transform((s) => s.replace(/\.$/, '').toLowerCase())
  .refine(
    (s) =>
      s.length <= 253 && s.split('.').every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) && s.includes('.'),
    {
      message: 'must be a domain name such as "example.com"',
    },
  );

const address = z.string().refine((s) => isIP(s) !== 0, { message: 'must be an IPv4 or IPv6 address' });
const port = z.number().int().min(1).max(65535);
/** An address, or a network such as "192.0.2.0/24". */
const addressOrNetwork = z.string().refine(
  (s) => {
    const [a, prefix, ...rest] = s.split('/');
    const family = isIP(a);
    if (family === 0 || rest.length > 0) return false;
    return prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
  },
  { message: 'must be an IPv4 or IPv6 address or network, such as "192.0.2.10" or "192.0.2.0/24"' },
);

/** A region as Linode names it (checked against Linode's list before anything changes). */
const region = z
  .string()
  .regex(/^[a-z]{2}-[a-z]+(-[0-9]+)?$/, { message: 'must be a Linode region ID such as "us-east"' });
const host = z.strictObject({ label, region: region.optional() });
const loadBalancer = z.strictObject({ label, region: region.optional(), upstreams: z.array(label).min(1).optional() });
const zone = z.strictObject({ domain: dnsName, file: z.string().min(1) });

/** Only the proxy role's own variables; the ones nsdeploy derives from the live fleet are refused. */
const PROXY_VARS_FROM_FLEET = ['proxy_upstreams', 'proxy_listen_addresses'];
const proxyVars = z.record(z.string(), z.json()).superRefine((vars, ctx) => {
  for (const key of Object.keys(vars)) {
    if (!/^proxy_[a-z0-9_]+$/.test(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'not a variable of the proxy role (they start with "proxy_", e.g. proxy_upstream_fail_timeout)',
      });
    else if (PROXY_VARS_FROM_FLEET.includes(key))
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: 'is taken from the live fleet (each LB keeps its own), not from the config',
      });
  }
});

const server = z.strictObject({ address, port: port.default(53) });

const approval = z.strictObject({
  beforeCutover: z.boolean().default(false),
  beforeRetire: z.boolean().default(false),
  timeout: duration('1h').prefault('1h'),
  onTimeout: z.enum(['abort', 'continue'], { error: 'must be "abort" or "continue"' }).default('abort'),
});

const policies = z.strictObject({
  approval: approval.prefault({}),
  /** What a zone check refuses. `rfc2181: warning` lowers its rule (no MX/NS target that is a CNAME) to a warning. */
  zoneChecks: z
    .strictObject({ rfc2181: z.enum(['error', 'warning'], { error: 'must be "error" or "warning"' }).default('error') })
    .prefault({}),
  /** A zone push's safety thresholds (octoDNS's defaults) and its optional approval after the canary. */
  zonePush: z
    .strictObject({
      /** Refuse (without --force) updating more than this share of a zone's RRsets… */
      maxUpdatePercent: z.number().min(0).max(100).default(30),
      /** …or deleting more than this share… */
      maxDeletePercent: z.number().min(0).max(100).default(30),
      /** …of a zone that has at least this many RRsets. */
      minRecords: z.number().int().min(0).default(10),
      /** Wait for `nsdeploy approve` once the first nameserver (the canary) serves the change. */
      approveAfterCanary: z.boolean().default(false),
    })
    .prefault({}),
  /** How long to keep probing through the LBs after cutover before retiring the old servers. */
  soak: duration('5m').prefault('5m'),
  cutover: z
    .strictObject({
      /** The NS deploy switches this many LBs one at a time, each proven, then the others together. */
      canaryLbs: z.number().int().min(1).default(1),
    })
    .prefault({}),
  /** How long a new instance may take from create to `running`. */
  bootTimeout: duration('15m').prefault('15m'),
  /** How long a running new instance may take to answer SSH with its pinned key. */
  sshTimeout: duration('5m').prefault('5m'),
  gate: z
    .strictObject({
      transports: z
        .array(z.enum(['udp', 'tcp']))
        .min(1)
        .default(['udp', 'tcp']),
      concurrency: z.number().int().min(1).max(256).default(16),
    })
    .prefault({}),
  drain: z
    .strictObject({
      /** Added to the observed delegation + zone TTLs before old LBs may be retired. */
      margin: duration('1h').prefault('1h'),
      /** Longest the drain may be extended to. */
      maxWait: duration('14d').prefault('14d'),
      /** Bound on waiting for old nameservers' query counters to stop rising. */
      oldServersMax: duration('10m').prefault('10m'),
    })
    .prefault({}),
  proofOfNoTraffic: z
    .strictObject({
      window: duration('1h').prefault('1h'),
      maxQueries: z.number().int().min(0).default(0),
      /** Longest the proof may keep waiting for the old LBs to go quiet (then nothing is retired). */
      maxWait: duration('7d').prefault('7d'),
    })
    .prefault({}),
  /** The human glue step of an LB replacement. */
  glue: z
    .strictObject({
      /** How often every parent server is asked for the delegation. */
      checkEvery: duration('1m').prefault('1m'),
      /** Longest wait for every parent to serve the new glue (then rolled back). */
      timeout: duration('7d').prefault('7d'),
    })
    .prefault({}),
  /** The LB replacement by IP swap. */
  ipSwap: z
    .strictObject({
      /** Pause after one LB's address moved (and was verified), before the next one moves. */
      quiet: duration('10s').prefault('10s'),
    })
    .prefault({}),
});

const monitor = z
  .strictObject({
    /** Interval of the monitoring schedule. */
    every: duration('5m').prefault('5m'),
    /** POSTed a JSON alert when a run finds the fleet failing (and once when it recovered). */
    webhookUrl: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "https://hooks.example.com/dns-alerts"' })
      .optional(),
    /** Or the worker's environment variable holding that URL, when the URL carries a secret. */
    webhookUrlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'must be an environment variable name such as "NSDEPLOY_ALERT_WEBHOOK"' })
      .optional(),
  })
  .superRefine((m, ctx) => {
    if (m.every < 10_000)
      ctx.addIssue({
        code: 'custom',
        path: ['every'],
        message: 'must be at least "10s" (every run asks every record of every server)',
      });
    if (m.webhookUrl && m.webhookUrlEnv)
      ctx.addIssue({ code: 'custom', path: ['webhookUrlEnv'], message: 'give webhookUrl or webhookUrlEnv, not both' });
  });

export const fleetConfigSchema = z
  .strictObject({
    /** Name of the fleet; workflow IDs are derived from it, so one deploy per fleet at a time. */
    fleet: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, {
      message: 'must be 2–41 characters: lower-case letters, digits and "-", starting with a letter',
    }),
    /** The one zone of a single-zone fleet (shorthand for `zones: [{ domain, file }]`). */
    domain: dnsName.optional(),
    /** Its BIND zone file, relative to the config file. */
    zoneFile: z.string().min(1).optional(),
    /** Every zone the fleet serves: domain and BIND zone file (relative to the config file). */
    zones: z.array(zone).min(1, { message: 'needs at least one zone' }).optional(),
    linode: z.strictObject({
      /** API root; omit for Linode's real API. The lab points this at its emulator. */
      apiUrl: z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "https://api.linode.com/v4"' })
        .optional(),
      /** Name of the environment variable holding the API token (the token never goes in this file). */
      tokenEnv: z
        .string()
        .regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'must be an environment variable name such as "LINODE_TOKEN"' })
        .default('LINODE_TOKEN'),
      /** Region of every host that names none. */
      region,
      type: z.string().min(1),
      image: z.string().min(1),
      tags: z.array(z.string().min(3).max(50)).default(['nsdeploy']),
    }),
    nameservers: z
      .array(host)
      .min(1, { message: 'needs at least one nameserver' })
      .default([{ label: 'ns1' }, { label: 'ns2' }]),
    loadBalancers: z
      .array(loadBalancer)
      .min(1, { message: 'needs at least one load balancer' })
      .default([{ label: 'lb1' }, { label: 'lb2' }]),
    /** Suffix of the replacement hosts' labels during a blue-green deploy. */
    nextSuffix: z
      .string()
      .regex(/^[-_.]?[a-z0-9]+$/, { message: 'must be a short suffix such as "-next"' })
      .default('-next'),
    /** Parent (TLD) servers to check the delegation and glue at, queried with RD=0. */
    parents: z.array(server).default([]),
    ssh: z.strictObject({
      user: z.string().default('root'),
      /** Private key the worker uses; read by activities, never sent through Temporal. */
      privateKeyFile: z.string().min(1),
      /** known_hosts with the pinned host keys of every instance nsdeploy creates. */
      knownHostsFile: z.string().min(1),
    }),
    temporal: z
      .strictObject({
        address: z.string().default('127.0.0.1:7233'),
        namespace: z.string().default('default'),
        taskQueue: z.string().default('nsdeploy'),
      })
      .prefault({}),
    policies: policies.prefault({}),
    /**
     * Extra variables of the Ansible proxy role for the load balancers (ansible/README.md),
     * applied in place by `update-lbs`. Upstreams and listen addresses are not set here:
     * nsdeploy takes them from the live fleet, so an update never repoints an LB.
     */
    proxyVars: proxyVars.default({}),
    /** Continuous monitoring (`nsdeploy monitor create`, docs/monitoring.md): how often, and where alerts go. */
    monitor: monitor.prefault({}),
    /**
     * Cloud Firewalls (docs/production.md): every instance nsdeploy creates gets its role's. The
     * worker's addresses are the only ones allowed SSH, and (with the LBs) DNS to a nameserver.
     */
    firewall: z
      .strictObject({ workerAddresses: z.array(addressOrNetwork).min(1, { message: "needs the worker's address" }) })
      .optional(),
  })
  // Runs even when other fields are wrong, so that a missing zone is reported with them.
  .superRefine((cfg, ctx) => checkZoneChoice(cfg, ctx), { when: () => true })
  .superRefine((cfg, ctx) => {
    checkShape(cfg, ctx);
    if (cfg.firewall && cfg.fleet.length > FIREWALL_FLEET_MAX)
      ctx.addIssue({
        code: 'custom',
        path: ['fleet'],
        message: `must be at most ${FIREWALL_FLEET_MAX} characters with firewall: (its firewalls' labels)`,
      });
    const all = [
      ...cfg.nameservers.map((h, i) => ({ path: ['nameservers', i, 'label'], label: h.label })),
      ...cfg.loadBalancers.map((h, i) => ({ path: ['loadBalancers', i, 'label'], label: h.label })),
    ];
    const seen = new Set<string>();
    for (const { path, label: l } of all) {
      if (seen.has(l.toLowerCase())) ctx.addIssue({ code: 'custom', path, message: `label "${l}" is used twice` });
      seen.add(l.toLowerCase());
      const next = l + cfg.nextSuffix;
      if (next.length > LABEL_MAX)
        ctx.addIssue({
          code: 'custom',
          path,
          message: `"${next}" (with nextSuffix) is longer than ${LABEL_MAX} characters`,
        });
    }
  });

export type FleetConfigParsed = z.output<typeof fleetConfigSchema>;
