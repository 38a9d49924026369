// The chaos benchmark's worker (a child process): the real activities, nsdeploy's workflows
// plus bench/chaos/killInterceptor.ts, and a sink that SIGKILLs this process the first time a
// workflow schedules a given activity (workflow ID + activity sequence number, remembered in
// CHAOS_KILLS_FILE across restarts). The sink runs before the activation's commands are sent,
// so the server never hears of the scheduled activity: the next worker replays the history
// and schedules it again.
import { InjectedSinks, NativeConnection, Worker } from '@temporalio/worker';
import fs from 'node:fs';
import pino from 'pino';
import { createActivities } from '../../src/activities';
import type { ChaosSinks } from './killInterceptor';

async function main(): Promise<void> {
  const { CHAOS_ADDRESS, CHAOS_TASK_QUEUE, CHAOS_BUNDLE, CHAOS_KILLS_FILE } = process.env;
  if (!CHAOS_ADDRESS || !CHAOS_TASK_QUEUE || !CHAOS_BUNDLE || !CHAOS_KILLS_FILE)
    throw new Error('CHAOS_ADDRESS, CHAOS_TASK_QUEUE, CHAOS_BUNDLE and CHAOS_KILLS_FILE are required');
  const done = new Set(
    fs.existsSync(CHAOS_KILLS_FILE)
      ? fs
          .readFileSync(CHAOS_KILLS_FILE, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l).key as string)
      : [],
  );
  const sinks: InjectedSinks<ChaosSinks> = {
    chaos: {
      boundary: {
        fn(info, activityType, seq) {
          const key = `${info.workflowId}#${seq}`;
          if (done.has(key)) return;
          fs.appendFileSync(
            CHAOS_KILLS_FILE,
            JSON.stringify({ key, workflowId: info.workflowId, activityType, seq, at: new Date().toISOString() }) +
              '\n',
          );
          process.kill(process.pid, 'SIGKILL');
        },
        callDuringReplay: false,
      },
    },
  };
  const connection = await NativeConnection.connect({ address: CHAOS_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: CHAOS_TASK_QUEUE,
    workflowBundle: { codePath: CHAOS_BUNDLE },
    sinks,
    activities: createActivities({ logger: pino({ level: 'warn' }) }),
  });
  process.stdout.write('ready\n');
  await worker.run();
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos worker: ${(err as Error).stack}\n`);
  process.exit(1);
});
