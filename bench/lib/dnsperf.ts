// One bounded dnsperf run (Debian's dnsperf 2.x): at most qps × seconds queries, each waited
// for `timeoutSec`. Raw: dnsperf never retries, so a query nginx or a server drops is "lost".
// `stop` ends it early the way dnsperf allows (SIGINT): it stops sending and reports the
// queries still in flight as "interrupted", neither answered nor lost.
import execa from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface DnsperfResult {
  target: string;
  mode: 'udp' | 'tcp';
  sent: number;
  completed: number;
  lost: number;
  /** In flight when `stop` ended the run (0 when it ran its time). */
  interrupted: number;
  noerror: number;
  qps: number;
}

export function queryFile(lines: string[]): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-bench-')), 'queries');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/**
 * Output goes to a file: dnsperf started with a pipe for stdin from a Node process has been
 * seen to print nothing at all.
 */
export async function dnsperf(o: {
  address: string;
  queries: string;
  mode?: 'udp' | 'tcp';
  qps: number;
  seconds: number;
  timeoutSec?: number;
  clients?: number;
  /** Ends the run early (before `seconds`): dnsperf then reports what it has. */
  stop?: AbortSignal;
}): Promise<DnsperfResult> {
  const mode = o.mode ?? 'udp';
  const report = `${o.queries}.${o.address}.${mode}.${Date.now()}.out`;
  const args = [
    '-s',
    o.address,
    '-d',
    o.queries,
    '-m',
    mode,
    '-Q',
    String(o.qps),
    '-l',
    String(o.seconds),
    '-t',
    String(o.timeoutSec ?? 3),
    '-c',
    String(o.clients ?? 4),
  ];
  const r = execa('sh', ['-c', `exec dnsperf ${args.join(' ')} > ${report} 2>&1`], {
    reject: false,
    stdin: 'ignore',
    timeout: (o.seconds + (o.timeoutSec ?? 3) + 60) * 1000,
  });
  const interrupt = () => r.kill('SIGINT');
  o.stop?.addEventListener('abort', interrupt, { once: true });
  if (o.stop?.aborted) interrupt();
  const { exitCode } = await r.finally(() => o.stop?.removeEventListener('abort', interrupt));
  const out = fs.readFileSync(report, 'utf8');
  fs.rmSync(report, { force: true });
  const num = (re: RegExp) => Number(out.match(re)?.[1] ?? NaN);
  const result = {
    target: o.address,
    mode,
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    interrupted: num(/Queries interrupted:\s+(\d+)/) || 0,
    noerror: num(/NOERROR (\d+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
  };
  if (exitCode !== 0 || Number.isNaN(result.sent))
    throw new Error(`dnsperf ${args.join(' ')} failed (exit ${exitCode}): ${out.slice(-500)}`);
  return result;
}
