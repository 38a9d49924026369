// Which glue each parent serves, judged from its delegation views (pure, no I/O): the human
// step ends when every parent serves the new glue on every transport.
import type { ReadDelegationResult } from '../../activities/delegation';
import type { GlueChange, ParentGlue } from '../../shared';

const same = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join();

export function judgeParent(result: ReadDelegationResult, change: GlueChange[]): ParentGlue {
  const broken = result.views.find((v) => v.error);
  if (broken) return { parent: result.parent, serves: 'unreachable', detail: `${broken.transport}: ${broken.error}` };
  const per = (which: 'from' | 'to') =>
    result.views.every((v) =>
      change.every((c) =>
        same(
          v.glue.filter((g) => g.name === c.name).map((g) => g.address),
          c[which],
        ),
      ),
    );
  const first = result.views[0];
  const glue = change
    .map(
      (c) =>
        `${c.name} ${
          first?.glue
            .filter((g) => g.name === c.name)
            .map((g) => g.address)
            .join(',') || '(no glue)'
        }`,
    )
    .join(', ');
  const ttl = first ? Math.max(first.nsTtl ?? 0, ...first.glue.map((g) => g.ttl)) : 0;
  const detail = `${glue} (${result.views.map((v) => v.transport).join('+')}, TTL ${ttl})`;
  if (per('to')) return { parent: result.parent, serves: 'new', detail };
  if (per('from')) return { parent: result.parent, serves: 'old', detail };
  return { parent: result.parent, serves: 'other', detail: result.agree ? detail : `${detail}; transports disagree` };
}

/** Longest TTL of the delegation (NS and glue) seen at any parent, in seconds. */
export function delegationTtl(results: ReadDelegationResult[]): number {
  return Math.max(0, ...results.flatMap((r) => r.views.flatMap((v) => [v.nsTtl ?? 0, ...v.glue.map((g) => g.ttl)])));
}

/** The registrar instructions in one line: "glue of example.test: ns1… 198.18.1.2 → 198.18.1.9; …". */
export function glueInstructions(domains: string[], change: GlueChange[]): string {
  const each = change.map((c) => `${c.name} ${c.from.join(', ')} → ${c.to.join(', ')}`);
  return `glue (host records) of ${domains.join(', ')}: ${each.join('; ')}`;
}
