// The demo's stand-in for the operator at the LB replacement's human step: waits until the
// workflow asks for the glue change, makes it at the lab registrar (parents one by one), and
// sends the glueUpdated signal — saying what it does, since in production this is you.
import { Client, Connection } from '@temporalio/client';
import { glueUpdatedSignal, lbStatusQuery } from '../src/shared';
import { setGlue } from './parent';

const say = (line: string) => process.stdout.write(`  [demo, playing the operator] ${line}\n`);

async function main(): Promise<void> {
  const workflowId = process.argv[2] ?? 'lab/lb-replacement';
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  try {
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    const deadline = Date.now() + 15 * 60_000;
    for (;;) {
      const s = await handle.query(lbStatusQuery);
      if (s.phase === 'glue' && s.glue) {
        const glue = Object.fromEntries(s.glue.change.map((c) => [c.name, c.to]));
        say(
          `changing the glue at the lab registrar: ${s.glue.change.map((c) => `${c.name} → ${c.to.join(', ')}`).join(', ')} (it reaches the parents 3 s apart)`,
        );
        await setGlue(glue, {
          delayMs: 3_000,
          onProgress: (e) => say(`registrar: parent ${e.index + 1}/${e.of} (${e.parent.address}) serves it`),
        });
        await handle.signal(glueUpdatedSignal, { by: 'demo', note: 'changed at the lab registrar' });
        say(`sent glueUpdated to ${workflowId} (same as: npm run glue-updated -- ${workflowId})`);
        return;
      }
      if (['done', 'failed', 'rolled-back', 'not-retired'].includes(s.phase) || Date.now() > deadline)
        throw new Error(`the workflow never asked for the glue (phase ${s.phase})`);
      await new Promise((r) => setTimeout(r, 1_000));
    }
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`demo operator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
