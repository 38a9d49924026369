#!/usr/bin/env node
// npm run bench [-- <name> …]: runs the benchmarks (all of them without a name), each writing
// bench/results/<name>.json and printing a one-line summary. See bench/README.md.
import { Command } from 'commander';
import { writeResult, type Benchmark } from './lib/benchmark';
// One line per benchmark.
import { benchmark as lostQueries } from './lostQueries';
import { benchmark as lostResolutions } from './lostResolutions';
import { benchmark as deployTime } from './deployTime';
import { benchmark as chaosWorkerKill } from './chaos';
import { benchmark as chaosLbReplacement } from './chaosLb';
import { benchmark as chaosLinodeFaults } from './chaosFaults';
import { benchmark as verify } from './verify';
import { benchmark as overhead } from './overhead';
import { benchmark as zonePush } from './zonePush';
import { benchmark as scale } from './scale';
import { benchmark as phoenix } from './phoenix';
import { benchmark as lbIpSwap } from './lbIpSwap';
import { benchmark as chaosLbIpSwap } from './chaosLbIpSwap';

const BENCHMARKS: Benchmark[] = [
  lostQueries,
  lostResolutions,
  deployTime,
  chaosWorkerKill,
  chaosLbReplacement,
  chaosLinodeFaults,
  verify,
  overhead,
  zonePush,
  scale,
  phoenix,
  lbIpSwap,
  chaosLbIpSwap,
];

const program = new Command('bench')
  .description(
    `Runs nsdeploy's benchmarks and writes bench/results/<name>.json.\n\n${BENCHMARKS.map((b) => `  ${b.name.padEnd(14)} ${b.description}`).join('\n')}`,
  )
  .argument('[names...]', `which (default: all): ${BENCHMARKS.map((b) => b.name).join(', ')}`)
  .action(async (names: string[]) => {
    const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
    if (unknown.length)
      program.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
    const chosen = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
    for (const b of chosen) {
      const started = new Date();
      const say = (line: string) => process.stdout.write(`[${b.name}] ${line}\n`);
      const outcome = await b.run(say);
      const file = writeResult(b, outcome, started);
      process.stdout.write(`${b.name}: ${outcome.summary} (${file})\n`);
    }
  });

program.parseAsync().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
