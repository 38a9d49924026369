// dnsperf through a query file exactly once (-n 1), as fast as it goes (no -Q), bounded by a
// time limit (-l) as well: what a dedicated load tool achieves on the same server and the
// same questions, to compare nsdeploy's verification with. Output goes to a file (see
// lib/dnsperf.ts: dnsperf with a pipe for stdin from Node has been seen to print nothing).
import execa from 'execa';
import fs from 'node:fs';

export interface DnsperfPass {
  server: string;
  mode: 'udp' | 'tcp';
  /** dnsperf's options, for the record. */
  args: string[];
  sent: number;
  completed: number;
  lost: number;
  noerror: number;
  runSeconds: number;
  qps: number;
  avgLatencyMs: number;
}

export async function dnsperfPass(o: {
  server: string;
  queries: string;
  mode: 'udp' | 'tcp';
  clients?: number;
  outstanding?: number;
  maxSeconds?: number;
  timeoutSec?: number;
  edns?: boolean;
}): Promise<DnsperfPass> {
  const args = [
    '-s',
    o.server,
    '-d',
    o.queries,
    '-m',
    o.mode,
    '-n',
    '1',
    '-l',
    String(o.maxSeconds ?? 60),
    '-c',
    String(o.clients ?? 4),
    '-q',
    String(o.outstanding ?? 100),
    '-t',
    String(o.timeoutSec ?? 2),
    ...(o.edns === false ? [] : ['-e']),
  ];
  const report = `${o.queries}.${o.server}.${o.mode}.${process.pid}.${Date.now()}.out`;
  const r = await execa('sh', ['-c', `exec dnsperf ${args.join(' ')} > ${report} 2>&1`], {
    reject: false,
    stdin: 'ignore',
    timeout: ((o.maxSeconds ?? 60) + (o.timeoutSec ?? 2) + 30) * 1000,
  });
  const out = fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '';
  fs.rmSync(report, { force: true });
  const num = (re: RegExp) => Number(out.match(re)?.[1] ?? NaN);
  const result: DnsperfPass = {
    server: o.server,
    mode: o.mode,
    args,
    sent: num(/Queries sent:\s+(\d+)/),
    completed: num(/Queries completed:\s+(\d+)/),
    lost: num(/Queries lost:\s+(\d+)/),
    noerror: num(/NOERROR (\d+)/),
    runSeconds: num(/Run time \(s\):\s+([\d.]+)/),
    qps: num(/Queries per second:\s+([\d.]+)/),
    avgLatencyMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
  };
  if (r.exitCode !== 0 || Number.isNaN(result.sent) || Number.isNaN(result.qps))
    throw new Error(`dnsperf ${args.join(' ')} failed (exit ${r.exitCode}): ${out.slice(-800)}`);
  return result;
}
