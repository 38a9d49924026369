// npm run screenshots — screenshots of the Temporal Web UI during a real run on the lab, for
// docs/web-ui.md: the NS deploy during its soak, the LB replacement at the human glue step and
// during the drain, and the workflow list with the DeployPhase / Fleet columns.
//
// It starts what is not running yet (dev server — with its state in a temporary directory, so
// the pictures show this run only and no leftover workflow resumes —, lab), its own worker, an
// NS deploy and an LB replacement (both --detach), polls their `status` query and takes each
// picture with headless Chromium (Debian's package, driven by playwright-core) when the phase is
// reached. At the glue step it plays the operator only after the picture: the lab registrar
// passes the change on to the parents, and `glue-updated` is sent while it does so.
// Afterwards it stops what it started (worker; lab and dev server only if it started them).
//
//   npm run screenshots                       # writes docs/images/*.png
//   npm run screenshots -- --out /tmp/shots   # elsewhere
//   npm run screenshots -- --keep-up          # leave the lab and dev server up to look around
//
// Needs root (the lab) and `apt-get install chromium`. Fails (exit 1) with the reason if a phase
// is not reached within --phase-timeout (default 10m); workflows it started and left running
// are then terminated, so the next run (or `npm run demo`) is not refused.
import { Client, Connection } from '@temporalio/client';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { emulatorPid } from '../lab/emulatorProcess';
import { labPaths } from '../lab/labPaths';
import { deployWorkflowId, lbReplacementWorkflowId, type DeployStatus, type LbReplacementStatus } from '../src/shared';

const ROOT = path.resolve(__dirname, '..');
const CHROMIUM = '/usr/bin/chromium';
const CONFIG = 'config/lab.yaml';
const FLEET = 'lab';
const ADDRESS = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
const UI = (process.env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233').replace(/\/$/, '');
const NAMESPACE = process.env.TEMPORAL_NAMESPACE ?? 'default';
const VIEWPORT = { width: 1400, height: 1000 };

const say = (line: string) => process.stdout.write(`[screenshots] ${line}\n`);

interface Options {
  out: string;
  keepUp: boolean;
  phaseTimeoutMs: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { out: path.join(ROOT, 'docs/images'), keepUp: false, phaseTimeoutMs: 10 * 60_000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') o.out = path.resolve(argv[++i] ?? '');
    else if (a === '--keep-up') o.keepUp = true;
    else if (a === '--phase-timeout') {
      const m = /^(\d+)(s|m)$/.exec(argv[++i] ?? '');
      if (!m) throw new Error('--phase-timeout takes e.g. 90s or 10m');
      o.phaseTimeoutMs = Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(fs.readFileSync(__filename, 'utf8').split('\n').slice(0, 17).join('\n') + '\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a} (see --help)`);
  }
  return o;
}

/** Runs a command in the repository, its output shown as it comes; throws with the command on failure. */
async function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  const r = await execa(cmd, args, { cwd: ROOT, reject: false, stdio: 'inherit', env });
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.exitCode}`);
}

function devServerRunning(): boolean {
  const pidFile = path.join(process.env.TEMPORAL_STATE_DIR ?? path.join(ROOT, '.temporal'), 'server.pid');
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('start-dev');
  } catch {
    return false;
  }
}

/** A worker of our own, in its own process group; stopped by its PID only. */
function startWorker(log: string): number {
  const out = fs.openSync(log, 'a');
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/worker.ts'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, LINODE_TOKEN: fs.readFileSync(labPaths.token, 'utf8').trim(), LOG_LEVEL: 'warn' },
  });
  fs.closeSync(out);
  child.unref();
  if (!child.pid) throw new Error(`the worker did not start; see ${log}`);
  return child.pid;
}

async function stopPid(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && alive(); i++) await sleep(100);
  if (alive()) process.kill(pid, 'SIGKILL');
}

/** `p`'s value, or undefined if it fails or takes longer than `ms`. */
async function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => {
    timer = setTimeout(() => r(undefined), ms);
  });
  try {
    return await Promise.race([p.catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls the workflow's `status` query until `ok` says so; fails on a terminal phase or after the bound. */
async function waitForPhase<S extends { phase: string; error?: string }>(
  client: Client,
  workflowId: string,
  what: string,
  ok: (s: S) => boolean,
  timeoutMs: number,
): Promise<S> {
  const deadline = Date.now() + timeoutMs;
  let last: S | undefined;
  for (;;) {
    last = (await bounded(client.workflow.getHandle(workflowId).query<S>('status'), 15_000)) ?? last;
    if (last && ok(last)) return last;
    if (last && ['done', 'failed', 'rolled-back', 'not-retired', 'planned'].includes(last.phase)) {
      throw new Error(`${workflowId} reached phase ${last.phase} before ${what}${last.error ? `: ${last.error}` : ''}`);
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${workflowId}: ${what} not reached within ${timeoutMs / 1000}s (phase ${last?.phase ?? 'unknown'})`,
      );
    }
    await sleep(500);
  }
}

async function waitForResult(client: Client, workflowId: string, timeoutMs: number): Promise<void> {
  // The timer is cleared once the result is in: left running, it kept the process (and the lab
  // lock its caller holds) alive for the whole bound after a successful run, then failed it.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${workflowId} did not complete within ${timeoutMs / 1000}s`)),
      timeoutMs,
    );
  });
  try {
    const r = (await Promise.race([client.workflow.getHandle(workflowId).result(), timeout])) as { outcome: string };
    say(`${workflowId}: ${r.outcome}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The User Metadata tab's panel (summary, details, current details). */
const metadataPanel = (page: Page) =>
  page.getByText('Current Details').first().locator('xpath=ancestor::div[contains(@class, "lg:flex-row")][1]');

const workflowUrl = (id: string, runId: string, tab: string) =>
  `${UI}/namespaces/${NAMESPACE}/workflows/${encodeURIComponent(id)}/${runId}/${tab}`;

/**
 * Whether `text` shows within `timeoutMs`, on the page or in one of its frames: the Web UI
 * renders summaries and current details (Markdown) in iframes of their own.
 */
async function textAppears(page: Page, text: string | RegExp, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const frame of page.frames()) {
      if (
        await frame
          .getByText(text)
          .first()
          .isVisible()
          .catch(() => false)
      )
        return true;
    }
    await page.waitForTimeout(250);
  }
  return false;
}

/**
 * Makes each of the page's iframes as tall as its content. The Web UI sizes the Markdown
 * iframes (summary, details, current details) a line or so short of their text and clips the
 * rest; the pictures are meant to show all of it.
 */
async function fitFrames(page: Page): Promise<void> {
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    // Runs in the frame (a string: this project's TypeScript has no DOM types).
    const height = Number(
      await frame
        .evaluate('Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)')
        .catch(() => 0),
    );
    const element = await frame.frameElement().catch(() => undefined);
    if (!height || !element) continue;
    await element
      .evaluate((e, h) => {
        const el = e as unknown as {
          style: { height: string; maxHeight: string };
          getBoundingClientRect(): { height: number };
        };
        if (el.getBoundingClientRect().height >= h) return;
        el.style.height = `${h + 8}px`;
        el.style.maxHeight = 'none';
      }, height)
      .catch(() => undefined);
  }
}

class Camera {
  private constructor(
    private readonly ctx: BrowserContext,
    private readonly page: Page,
    private readonly profile: string,
    private readonly out: string,
  ) {}

  static async open(out: string): Promise<Camera> {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-chromium-'));
    const ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: VIEWPORT,
      // No outside network here: no component updates, sync, field trials or first-run pages.
      args: [
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    page.setDefaultTimeout(30_000);
    return new Camera(ctx, page, profile, out);
  }

  /**
   * Opens `url`, waits until every text in `expect` is on the page (the Web UI keeps polling,
   * so "network idle" never comes), and saves a PNG of the page down to the bottom of
   * `shot.bottom` (the Web UI scrolls inside its own frame, so the viewport is made tall enough
   * instead of a full-page capture), or of the viewport. Returns the file's path.
   */
  async shoot(
    name: string,
    url: string,
    expect: (string | RegExp)[],
    shot: { before?: (page: Page) => Promise<void>; bottom?: (page: Page) => Locator; height?: number } = {},
  ): Promise<string> {
    const page = this.page;
    await page.setViewportSize({ width: VIEWPORT.width, height: shot.height ?? VIEWPORT.height });
    await page.goto(url, { waitUntil: 'load' });
    if (shot.before) await shot.before(page);
    for (const text of expect) {
      if (!(await textAppears(page, text, 30_000))) {
        const debug = path.join(os.tmpdir(), `nsdeploy-screenshots-${name}-failed.png`);
        await page.screenshot({ path: debug, fullPage: true }).catch(() => undefined);
        throw new Error(`${name}: "${String(text)}" never appeared on ${url} (what it showed: ${debug})`);
      }
    }
    await page.waitForTimeout(800); // let the panels finish laying out
    await fitFrames(page);
    let clip: { x: number; y: number; width: number; height: number } | undefined;
    if (shot.bottom) {
      const bottom = async () => {
        const box = await shot.bottom!(page).first().boundingBox();
        return box ? Math.ceil(box.y + box.height + 24) : undefined;
      };
      let needed = await bottom();
      const viewportHeight = page.viewportSize()?.height ?? VIEWPORT.height;
      if (needed && needed > viewportHeight) {
        await page.setViewportSize({ width: VIEWPORT.width, height: needed });
        await page.waitForTimeout(500);
        await fitFrames(page);
        needed = await bottom();
      }
      if (needed)
        clip = { x: 0, y: 0, width: VIEWPORT.width, height: Math.min(needed, page.viewportSize()?.height ?? needed) };
    }
    const file = path.join(this.out, `${name}.png`);
    await page.screenshot({ path: file, clip });
    say(`saved ${path.relative(ROOT, file)} (${Math.round(fs.statSync(file).size / 1024)} KB)`);
    return file;
  }

  async close(): Promise<void> {
    await this.ctx.close().catch(() => undefined);
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

/** The workflow list: Fleet = "lab", with the DeployPhase and Fleet columns added via the table's settings. */
async function configureListColumns(page: Page): Promise<void> {
  await page.getByTestId('workflows-summary-table-configuration-button').click();
  // The drawer slides in: wait for its list before looking at what is in it.
  await page.getByTestId('orderable-list-item-DeployPhase-add-button').waitFor({ timeout: 15_000 });
  for (const col of ['Run ID', 'End']) {
    const remove = page.getByTestId(`orderable-list-item-${col}-remove-button`);
    if (await remove.isVisible()) await remove.click();
  }
  for (const col of ['DeployPhase', 'Fleet']) {
    const add = page.getByTestId(`orderable-list-item-${col}-add-button`);
    if (await add.isVisible()) await add.click();
  }
  await page.getByTestId('drawer-close-button').filter({ visible: true }).first().click();
  await page.getByTestId('workflows-summary-table-header-cell-DeployPhase').waitFor();
  await page.getByTestId('workflows-summary-table-header-cell-Fleet').waitFor();
}

async function runId(client: Client, workflowId: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId).describe()).runId;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install Debian's Chromium with  apt-get install -y chromium  (as root; not needed by the tests)`,
    );
  }
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces): run as root');
  fs.mkdirSync(opts.out, { recursive: true });

  const started = { server: false, lab: false, worker: 0 };
  // A dev server started here keeps its state in a directory of its own (unless
  // TEMPORAL_STATE_DIR says where): the list shows this run only, and no workflow left running
  // in .temporal/ by an earlier, interrupted run resumes on this run's worker or refuses its deploy.
  const serverEnv: Record<string, string> = {};
  let ownStateDir: string | undefined;
  const workerLog = path.join(os.tmpdir(), `nsdeploy-screenshots-worker-${process.pid}.log`);
  const ours: { id: string; runId: string }[] = [];
  let client: Client | undefined;
  let connection: Connection | undefined;
  let camera: Camera | undefined;
  let failed = false;
  const t0 = Date.now();
  // Stops what this run started, once: from `finally`, or on Ctrl-C / SIGTERM.
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await bounded(camera?.close() ?? Promise.resolve(), 15_000);
      if (failed && client) {
        for (const w of ours) {
          const h = client.workflow.getHandle(w.id, w.runId);
          // Bounded: the server may be gone, and the client would retry for a long time.
          const d = await bounded(h.describe(), 10_000);
          if (d?.status.name === 'RUNNING') {
            const done = await bounded(
              h.terminate('npm run screenshots failed; terminated what it started').then(() => true),
              10_000,
            );
            say(
              done
                ? `terminated ${w.id} (run ${w.runId}), which it had started`
                : `could not terminate ${w.id} (run ${w.runId}): nsdeploy abort ${w.id}`,
            );
          }
        }
      }
      await bounded(connection?.close() ?? Promise.resolve(), 5_000);
      if (started.worker) {
        await stopPid(started.worker);
        say('worker stopped');
      }
      if (opts.keepUp) say('--keep-up: the lab and the dev server stay up (npm run demo -- --down stops them)');
      else {
        if (started.lab)
          await run('npm', ['run', '-s', 'lab:down']).catch((e: unknown) => say(`lab:down: ${String(e)}`));
        if (started.server)
          await run('bash', ['temporal-dev/stop'], serverEnv).catch((e: unknown) =>
            say(`temporal-dev/stop: ${String(e)}`),
          );
        if (ownStateDir) fs.rmSync(ownStateDir, { recursive: true, force: true });
        if (!started.lab || !started.server) say('left up what was already running before');
      }
      if (opts.keepUp && started.server && ownStateDir)
        say(
          `the dev server's state is in ${ownStateDir}; stop it with: TEMPORAL_STATE_DIR=${ownStateDir} bash temporal-dev/stop`,
        );
    })());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      failed = true;
      say(`${sig}: stopping what this run started`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  try {
    say('Temporal dev server');
    started.server = !devServerRunning();
    if (started.server && !process.env.TEMPORAL_STATE_DIR) {
      ownStateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsdeploy-screenshots-temporal-'));
      serverEnv.TEMPORAL_STATE_DIR = ownStateDir;
      say(`its state in ${ownStateDir} (removed afterwards)`);
    }
    await run('bash', ['temporal-dev/start'], serverEnv);
    say('lab fleet');
    started.lab = !emulatorPid();
    await run('npm', ['run', '-s', 'lab:up']);
    say(`worker (log: ${workerLog})`);
    started.worker = startWorker(workerLog);
    await sleep(3000);
    try {
      process.kill(started.worker, 0);
    } catch {
      throw new Error(`the worker exited; see ${workerLog}`);
    }

    connection = await Connection.connect({ address: ADDRESS });
    client = new Client({ connection, namespace: NAMESPACE });
    camera = await Camera.open(opts.out);
    const c = client;
    const cam = camera;

    // (a) The NS deploy, during its soak: phase, hosts, switched LBs in the current details.
    const deployId = deployWorkflowId(FLEET);
    say(`NS deploy ${deployId}`);
    await run('npm', ['run', '-s', 'nsdeploy', '--', 'start-deploy', '--config', CONFIG, '--detach']);
    const deployRun = await runId(c, deployId);
    ours.push({ id: deployId, runId: deployRun });
    await waitForPhase<DeployStatus>(c, deployId, 'the soak', (s) => s.phase === 'soak', opts.phaseTimeoutMs);
    await cam.shoot(
      'ns-deploy-soak',
      workflowUrl(deployId, deployRun, 'user-metadata'),
      ['Current Details', /Phase: (soak|drain)/],
      { bottom: metadataPanel },
    );
    await cam.shoot('ns-deploy-history', workflowUrl(deployId, deployRun, 'history'), ['Event History', /soak until/], {
      height: 1300,
    });
    await waitForResult(c, deployId, opts.phaseTimeoutMs);

    // (b) The LB replacement at the human step: glue instructions and every parent's state.
    const lbId = lbReplacementWorkflowId(FLEET);
    say(`LB replacement ${lbId}`);
    await run('npm', [
      'run',
      '-s',
      'nsdeploy',
      '--',
      'start-lb-replacement',
      '--config',
      CONFIG,
      '--strategy',
      'glue',
      '--detach',
    ]);
    const lbRun = await runId(c, lbId);
    ours.push({ id: lbId, runId: lbRun });
    const atGlue = await waitForPhase<LbReplacementStatus>(
      c,
      lbId,
      'the glue step with the parents checked',
      (s) => s.phase === 'glue' && !!s.glue?.checkedAt && (s.glue.parents.length ?? 0) > 0,
      opts.phaseTimeoutMs,
    );
    await cam.shoot(
      'lb-replacement-glue',
      workflowUrl(lbId, lbRun, 'user-metadata'),
      ['Your turn: change the glue at your registrar', 'Parents (checked 2'],
      { bottom: metadataPanel },
    );

    // Only now play the operator: the change at the registrar, which reaches the parents 15 s
    // apart, and the glueUpdated signal sent at once, while it is on its way. The signal must
    // arrive during the glue step: one that arrives once every parent serves the new glue finds
    // the workflow in its drain, is logged as ignored, and that event redraws the phase view over
    // the drain's own current details ("waiting until …", "Why this long") for the whole drain.
    const change = atGlue.glue!.change;
    say(`playing the operator: ${change.map((g) => `${g.name} → ${g.to.join(',')}`).join(', ')}`);
    const registrar = run('npm', [
      'run',
      '-s',
      'lab:registrar',
      '--',
      'set-glue',
      ...change.map((g) => `${g.name}=${g.to.join(',')}`),
      '--delay',
      '15s',
    ]);
    registrar.catch(() => undefined); // awaited below; this only keeps a failure from being unhandled meanwhile
    await run('npm', [
      'run',
      '-s',
      'glue-updated',
      '--',
      lbId,
      '--by',
      'screenshots',
      '--note',
      'changed at the lab registrar',
    ]);
    await registrar;

    // (c) The drain: its end, why this long, and (d) the list filtered by fleet meanwhile.
    await waitForPhase<LbReplacementStatus>(
      c,
      lbId,
      'the drain',
      (s) => s.phase === 'drain' && !!s.drain?.end,
      opts.phaseTimeoutMs,
    );
    await cam.shoot(
      'lb-replacement-drain',
      workflowUrl(lbId, lbRun, 'user-metadata'),
      ['waiting until', 'Why this long'],
      { bottom: metadataPanel },
    );
    // On a server of its own the list holds this run only; on one that was already up, earlier
    // runs are left out by their start time.
    const listQuery = `Fleet = "${FLEET}"${started.server ? '' : ` AND StartTime >= "${new Date(t0).toISOString()}"`}`;
    await cam.shoot(
      'workflow-list',
      `${UI}/namespaces/${NAMESPACE}/workflows?query=${encodeURIComponent(listQuery)}`,
      [/^drain$/],
      { before: configureListColumns, bottom: (page) => page.locator('table') },
    );
    await waitForResult(c, lbId, opts.phaseTimeoutMs);
    say(`done in ${Math.round((Date.now() - t0) / 1000)}s; images in ${path.relative(ROOT, opts.out) || '.'}`);
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    await cleanup();
  }
}

main().then(
  // Everything it started is stopped by now: exit at once rather than wait for a stray handle
  // (whoever runs it under the lab lock holds the lock until this process ends).
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`npm run screenshots failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
