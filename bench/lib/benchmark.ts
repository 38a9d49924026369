// What every benchmark is: a name, a one-line description, and a run that returns its
// parameters and figures plus a one-line summary. bench/run.ts writes bench/results/<name>.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface BenchmarkOutcome {
  parameters: Record<string, unknown>;
  figures: unknown;
  summary: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run: (say: (line: string) => void) => Promise<BenchmarkOutcome>;
}

export const RESULTS_DIR = path.join(__dirname, '..', 'results');

export function writeResult(b: Benchmark, outcome: BenchmarkOutcome, startedAt: Date): string {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${b.name}.json`);
  const doc = {
    name: b.name,
    description: b.description,
    date: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    machine: {
      cpus: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
    },
    command: `npm run bench -- ${b.name}`,
    parameters: outcome.parameters,
    summary: outcome.summary,
    figures: outcome.figures,
  };
  fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  return file;
}
