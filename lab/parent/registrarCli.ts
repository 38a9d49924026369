// npm run lab:registrar -- set-glue ns1.example.test=198.18.2.9 ns2.example.test=198.18.2.10 [--delay 10s] [--ttl 30s]
// npm run lab:registrar -- show [--domain shop.test]
// The lab's fake registrar: changes the glue at the lab's parent servers, one parent at a time.
import { Command } from 'commander';
import { labPaths } from '../labPaths';
import { parseDurationMs, parseGlueArgs } from './glue';
import { describeParentView, setGlue, showParents } from './registrar';

const say = (line: string) => process.stdout.write(line + '\n');

function program(): Command {
  const cli = new Command('lab:registrar')
    .description(
      "The lab's fake registrar: change the glue of the lab's zones at the fake parent (TLD) servers, " +
        'or show what they serve.',
    )
    .option('--state <dir>', "the parents' state directory", labPaths.parentState)
    .showHelpAfterError();

  cli
    .command('set-glue')
    .description(
      'Change the glue (and optionally the TTL of NS + glue). The change reaches the parents one by one, --delay apart; exits once the last serves it.',
    )
    .argument(
      '[pairs...]',
      'NAME=ADDRESS[,ADDRESS…], e.g. ns1.example.test=198.18.2.9 (names must be NS names of the delegation)',
    )
    .option(
      '--delay <duration>',
      'time between one parent taking the change and the next (10s, 500ms, 2m; a bare number is seconds)',
      '5s',
    )
    .option('--ttl <duration>', 'new TTL of NS and glue (30s, 5m; a bare number is seconds); default: unchanged')
    .option('--domain <zone>', 'only accept names below this delegated zone (default: below any of them)')
    .action(async (pairs: string[], opts: { delay: string; ttl?: string; domain?: string }) => {
      const delayMs = parseDurationMs(opts.delay, '--delay');
      const ttlMs = opts.ttl === undefined ? undefined : parseDurationMs(opts.ttl, '--ttl');
      if (ttlMs !== undefined && ttlMs % 1000 !== 0) throw new Error(`--ttl ${opts.ttl} must be whole seconds`);
      const started = Date.now();
      const result = await setGlue(parseGlueArgs(pairs), {
        stateDir: cli.opts<{ state: string }>().state,
        domain: opts.domain,
        delayMs,
        ttlSeconds: ttlMs === undefined ? undefined : ttlMs / 1000,
        onProgress: ({ parent, index, of, delegation }) => {
          if (index === 0)
            say(
              `Registrar: glue ${describeGlue(delegation.glue)}, TTL ${delegation.ttl} s, serial ${delegation.serial}; ${of} parents, ${delayMs / 1000} s apart`,
            );
          say(
            `  [+${((Date.now() - started) / 1000).toFixed(1)}s] ${index + 1}/${of} ${parent.label} ${parent.name} ${parent.address} serves the new glue`,
          );
          if (index + 1 < of) say(`  next parent in ${delayMs / 1000} s…`);
        },
      });
      say(`Done: all ${result.parents.length} parents serve serial ${result.delegation.serial}.`);
    });

  cli
    .command('show')
    .description('Ask every parent (RD=0, UDP and TCP) what it serves for every zone: NS, glue, TTLs, serial.')
    .option('--domain <zone>', 'only this delegated zone')
    .action(async (opts: { domain?: string }) => {
      const views = await showParents({ stateDir: cli.opts<{ state: string }>().state, domain: opts.domain });
      for (const v of views) for (const line of describeParentView(v)) say(line);
    });
  return cli;
}

function describeGlue(glue: Record<string, string[]>): string {
  return Object.entries(glue)
    .map(([n, a]) => `${n}=${a.join(',')}`)
    .join(' ');
}

program()
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    process.stderr.write(`lab:registrar: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
