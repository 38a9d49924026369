// Loads a fleet config file (YAML), validates it against the schema, and resolves paths.
// Every problem is reported at once, each naming the file, the line and the field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { resolveShape, type FleetShape } from './fleetShape';
import { fleetConfigSchema, type FleetConfigParsed } from './schema';

/**
 * A checked fleet config: every host with its region, each LB with the nameservers it forwards
 * to, every zone with its file's absolute path (`domain` + `zoneFile` become one zone).
 */
export type FleetConfig = Omit<FleetConfigParsed, 'domain' | 'zoneFile' | 'zones' | 'nameservers' | 'loadBalancers'> &
  FleetShape & {
    /** Absolute path of the file this came from, and its directory (relative paths resolve there). */
    configPath: string;
    configDir: string;
  };

export interface ConfigProblem {
  field: string;
  message: string;
  line?: number;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `Invalid fleet config ${file}:\n` +
        problems.map((p) => `  - ${p.line ? `line ${p.line}: ` : ''}${p.field}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

export function loadFleetConfig(file: string): FleetConfig {
  const configPath = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ field: '(file)', message: `cannot read it: ${(err as Error).message}` }]);
  }
  return parseFleetConfig(text, configPath, file);
}

/** Parses config text; `displayName` is how errors refer to the file. */
export function parseFleetConfig(text: string, configPath: string, displayName = configPath): FleetConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      displayName,
      doc.errors.map((e) => ({ field: '(yaml)', line: e.linePos?.[0].line, message: e.message.split('\n')[0] })),
    );
  }
  const data: unknown = doc.toJS() ?? {};
  const result = fleetConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(
      displayName,
      result.error.issues.flatMap((issue) => describeIssue(issue, doc.contents, lineCounter)),
    );
  }

  const configDir = path.dirname(configPath);
  const resolve = (p: string) => path.resolve(configDir, p.replace(/^~(?=$|\/)/, os.homedir()));
  const { domain: _domain, zoneFile: _zoneFile, zones: _zones, ...rest } = result.data;
  const shape = resolveShape(result.data);
  const cfg: FleetConfig = {
    ...rest,
    ...shape,
    zones: shape.zones.map((z) => ({ domain: z.domain, file: resolve(z.file) })),
    ssh: {
      ...result.data.ssh,
      privateKeyFile: resolve(result.data.ssh.privateKeyFile),
      knownHostsFile: resolve(result.data.ssh.knownHostsFile),
    },
    configPath,
    configDir,
  };
  const missing = cfg.zones.flatMap((z, i) => {
    if (fs.existsSync(z.file)) return [];
    const at = result.data.zones ? ['zones', i, 'file'] : ['zoneFile'];
    return [
      { field: formatPath(at), line: lineOf(doc.contents, at, lineCounter), message: `file not found: ${z.file}` },
    ];
  });
  if (missing.length > 0) throw new ConfigError(displayName, missing);
  return cfg;
}

function describeIssue(issue: z.core.$ZodIssue, root: unknown, lc: LineCounter): ConfigProblem[] {
  const at = issue.path as (string | number)[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      field: formatPath([...at, key]),
      line: lineOf(root, [...at, key], lc),
      message: 'unknown field (check the spelling; see config/production.example.yaml)',
    }));
  }
  const missing = issue.code === 'invalid_type' && issue.input === undefined;
  return [
    {
      field: formatPath(at) || '(top level)',
      line: lineOf(root, at, lc),
      message: missing ? 'is required' : issue.message,
    },
  ];
}

function formatPath(p: readonly (string | number)[]): string {
  return p.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

/** Line of the deepest YAML node that exists along `p` (for a missing field: its parent). */
function lineOf(root: unknown, p: readonly (string | number)[], lc: LineCounter): number | undefined {
  let node = root as YamlNode | undefined;
  let line = node?.range ? lc.linePos(node.range[0]).line : undefined;
  for (const seg of p) {
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find((it) => (it.key as { value?: unknown })?.value === seg);
      if (pair?.key && (pair.key as YamlNode).range) line = lc.linePos((pair.key as YamlNode).range![0]).line;
      next = pair?.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
      if ((next as YamlNode | undefined)?.range) line = lc.linePos((next as YamlNode).range![0]).line;
    }
    if (!next) break;
    node = next as YamlNode;
  }
  return line;
}
