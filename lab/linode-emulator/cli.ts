// npm run lab:emulator -- --port <n> --state <file> [--token <t>]
// Runs the Linode API emulator on 127.0.0.1 and prints its URL on stdout; logs go to stderr.
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import pino from 'pino';
import type { InstanceLifecycleHooks } from './hooks';
import { parseRegionCidr } from './ipam';
import { createLinodeEmulator } from './server';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

interface CliOptions {
  port: number;
  state?: string;
  token?: string;
  provisioningMs?: number;
  bootingMs?: number;
  rebootingMs?: number;
  shuttingDownMs?: number;
  publicCidr?: string;
  privateCidr: [string, string][];
  rateLimit?: number;
  rateWindowMs: number;
  faultSeed?: number;
  hooks?: string;
  logLevel: string;
}

function regionCidr(value: string): [string, string] {
  try {
    return parseRegionCidr(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A module exporting lifecycle hooks, as `hooks` or as its default export. */
function loadHooks(path: string): InstanceLifecycleHooks {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(resolve(path)) as { hooks?: InstanceLifecycleHooks; default?: InstanceLifecycleHooks };
  const hooks = loaded.hooks ?? loaded.default;
  if (!hooks) throw new Error(`${path} exports neither \`hooks\` nor a default export`);
  return hooks;
}

async function main(): Promise<void> {
  const program = new Command()
    .name('lab:emulator')
    .description('Linode API v4 emulator for the nsdeploy lab (listens on 127.0.0.1 only)')
    .option('--port <n>', 'TCP port (0 = any free port)', integer, 0)
    .option('--state <file>', 'JSON state file, kept across restarts (in memory if omitted)')
    .option('--token <t>', 'bearer token to accept (default: $LINODE_TOKEN)')
    .option('--provisioning-ms <ms>', 'time spent provisioning', integer)
    .option(
      '--booting-ms <ms>',
      'time spent booting (the onRunning hook starts with it; booting lasts the longer of the two)',
      integer,
    )
    .option('--rebooting-ms <ms>', 'time spent rebooting', integer)
    .option('--shutting-down-ms <ms>', 'time spent shutting down', integer)
    .option('--public-cidr <cidr>', 'public IPv4 range (default 198.18.1.0/24)')
    .option(
      '--private-cidr <region=cidr>',
      'private IPv4 range of a region, repeatable (defaults us-east=198.19.128.0/24, eu-west=198.19.129.0/24, ' +
        'us-west=198.19.130.0/24)',
      (value: string, previous: [string, string][]) => [...previous, regionCidr(value)],
      [] as [string, string][],
    )
    .option('--rate-limit <n>', 'requests per window per token', integer)
    .option('--rate-window-ms <ms>', 'rate-limit window', integer, 60_000)
    .option('--fault-seed <n>', 'seed for fault-injection randomness', integer)
    .option('--hooks <module>', 'module exporting lifecycle hooks (lab hosts)')
    .option('--log-level <level>', 'pino log level', 'info')
    .parse();
  const opts = program.opts<CliOptions>();

  const token = opts.token ?? process.env.LINODE_TOKEN;
  if (!token) {
    process.stderr.write('lab:emulator: no token to accept: pass --token <t> or set LINODE_TOKEN\n');
    process.exit(2);
  }

  const logger = pino({ level: opts.logLevel, name: 'linode-emulator' }, pino.destination(2));
  const emulator = createLinodeEmulator({
    token,
    statePath: opts.state ? resolve(opts.state) : undefined,
    latencies: {
      provisioningMs: opts.provisioningMs,
      bootingMs: opts.bootingMs,
      rebootingMs: opts.rebootingMs,
      shuttingDownMs: opts.shuttingDownMs,
    },
    publicCidr: opts.publicCidr,
    privateCidrs: Object.fromEntries(opts.privateCidr),
    rateLimit: opts.rateLimit === undefined ? undefined : { limit: opts.rateLimit, windowMs: opts.rateWindowMs },
    faultSeed: opts.faultSeed,
    hooks: opts.hooks ? loadHooks(opts.hooks) : undefined,
    logger,
  });

  const url = await emulator.listen(opts.port);
  process.stdout.write(`Linode API emulator listening on ${url} (API root ${url}/v4, admin ${url}/__admin)\n`);
  logger.info({ url, state: opts.state ?? null }, 'listening');

  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`lab:emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
