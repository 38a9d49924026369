// The expected zone, loaded through BIND's own parser: named-compilezone canonicalises the
// file (relative names, $TTL, $ORIGIN, $INCLUDE, parentheses, comments all resolved) into one
// record per line, which we only need to split into fields. No zone-file grammar of our own.
import execa from 'execa';
import path from 'node:path';
import { ZoneLoadError } from './errors';
import { nameKey } from './names';

export interface ZoneRecord {
  /** Absolute, lower case, BIND escapes ("www.example.test."). */
  name: string;
  ttl: number;
  class: string;
  type: string;
  /** Presentation form exactly as named-compilezone printed it. */
  rdata: string;
}

export interface Zone {
  origin: string;
  /** Where it came from ("<text>" for zones given as text). */
  source: string;
  records: ZoneRecord[];
  /** named-compilezone's warnings for a zone that loaded (e.g. missing glue). */
  warnings: string[];
}

export interface ZoneLoadOptions {
  /** Program to run; default "named-compilezone" from PATH. */
  compilezone?: string;
  /** Record class; default IN. */
  class?: string;
  /** check-names policy (-k); default named-compilezone's own (fail), as named would. */
  checkNames?: 'fail' | 'warn' | 'ignore';
  /** Give up after this long; default 60 s. */
  timeoutMs?: number;
  /**
   * Post-load integrity checks (-i): 'local' checks what named checks when it loads a primary zone
   * (check-integrity: MX/SRV targets and glue inside the zone, MX/SRV/NS targets that are CNAMEs)
   * and reports them as warnings. Default 'none', named-compilezone's own default (faster).
   */
  integrity?: 'local' | 'none';
}

/** Lines of named-compilezone's text output ("name ttl class type rdata…") → records. */
export function parseCanonicalZone(text: string): ZoneRecord[] {
  const records: ZoneRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith(';') || line.startsWith('$')) continue;
    const m = /^(\S+)\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$/.exec(line.trimEnd());
    if (!m) throw new Error(`unexpected line in named-compilezone output: ${line}`);
    records.push({
      name: nameKey(m[1]),
      ttl: Number(m[2]),
      class: m[3].toUpperCase(),
      type: m[4].toUpperCase(),
      rdata: m[5].trim(),
    });
  }
  return records;
}

/** named-compilezone's diagnostics, one per line; zone text read from stdin is named by its source. */
function diagnostics(stderr: string, source: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim().replace(/^stream-0x[0-9a-f]+:/, `${source}:`))
    .filter((l) => l && l !== 'OK' && !/loaded serial \d+/.test(l) && !/^dump zone to /.test(l));
}

/**
 * A warning of a zone that loaded, as one clear line: BIND's own words without the "zone
 * example.test/IN: " prefix every line has, e.g. "example.test/MX 'mail.example.test' is a CNAME
 * (illegal)" or "sub.example.test/NS 'ns.sub.example.test' has no REQUIRED GLUE address records".
 */
function warningText(line: string): string {
  return line.replace(/^zone [^ ]+\/[A-Za-z0-9]+: /, '');
}

async function compile(
  input: { file: string } | { text: string },
  origin: string,
  source: string,
  opts: ZoneLoadOptions,
): Promise<Zone> {
  const args = ['-s', 'full', '-f', 'text', '-F', 'text', '-c', opts.class ?? 'IN'];
  if (opts.checkNames) args.push('-k', opts.checkNames);
  if (opts.integrity) args.push('-i', opts.integrity);
  // "-o -" writes the canonical zone to stdout; diagnostics (and "loaded serial") go to stderr.
  args.push('-o', '-', origin, 'file' in input ? input.file : '-');
  const result = await execa(opts.compilezone ?? 'named-compilezone', args, {
    reject: false,
    timeout: opts.timeoutMs ?? 60_000,
    input: 'text' in input ? input.text : undefined,
    // Relative $INCLUDE paths resolve against the zone file's directory, as for named.
    cwd: 'file' in input ? path.dirname(path.resolve(input.file)) : undefined,
  });
  if (result.exitCode !== 0 || result.failed) {
    // With reject: false a spawn failure (e.g. ENOENT) comes back as the error object itself.
    const spawnFailure = 'shortMessage' in result ? String(result.shortMessage) : `exit code ${result.exitCode}`;
    const detail = result.timedOut
      ? `named-compilezone timed out`
      : diagnostics(result.stderr, source).join('\n') || spawnFailure;
    throw new ZoneLoadError(source, origin, detail);
  }
  return {
    origin: nameKey(origin),
    source,
    records: parseCanonicalZone(result.stdout),
    warnings: diagnostics(result.stderr, source).map(warningText),
  };
}

/** Load a zone file the way named would, via named-compilezone. */
export function loadZoneFile(file: string, origin: string, opts: ZoneLoadOptions = {}): Promise<Zone> {
  return compile({ file: path.resolve(file) }, origin, path.resolve(file), opts);
}

/** Load zone text (e.g. generated in a test) via named-compilezone's stdin. */
export function loadZoneText(
  text: string,
  origin: string,
  opts: ZoneLoadOptions & { source?: string } = {},
): Promise<Zone> {
  return compile({ text }, origin, opts.source ?? '<text>', opts);
}
