// Every nsdeploy command shown in README.md and docs/*.md must exist, with every long flag it
// uses, and every `npm run <script>` must be a script in package.json. The commands and flags
// come from the commander program itself (buildProgram(), which parses nothing), not from
// scraped help text.
//
// Recognised, in fenced code blocks and inline code spans (comments inside code included):
//   npm run <script> [-- args]     scripts that run src/client.ts [<command>] are checked as CLI calls
//   nsdeploy <command> [args]
//   [npx] ts-node [opts] src/client.ts <command> [args],  node dist/src/client.js <command> [args]
// A call ends at a shell operator or comment (| || && ; & > < # `) or the end of the line
// (a trailing backslash continues it). Placeholders such as <command> are not checked.
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { buildProgram } from '../../src/cli/program';

const ROOT = path.resolve(__dirname, '..', '..');

interface Invocation {
  file: string;
  line: number;
  text: string;
  /** `npm run <script>`, if it was one. */
  script?: string;
  /** True when this runs the nsdeploy CLI (then command and args are checked). */
  cli: boolean;
  args: string[];
}

type Scripts = Record<string, string>;

/** Shell-like words of `s` up to the first operator or comment (quotes kept out of the words), and where they end. */
function words(s: string): { words: string[]; end: number } {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && /\s/.test(s[i])) i++;
    if (i >= s.length || /[|&;#`)]/.test(s[i])) break;
    const placeholder = /^<[^<>\s]+>[^\s|&;`()<>]*/.exec(s.slice(i)); // <workflow-id>, <fleet>/deploy: not a redirection
    if (placeholder) {
      out.push(placeholder[0]);
      i += placeholder[0].length;
      continue;
    }
    if (/[<>]/.test(s[i])) break;
    let word = '';
    while (i < s.length && !/[\s&;`()<>]/.test(s[i])) {
      const c = s[i];
      if (c === '|') {
        if (!(/^[a-z][a-z0-9-]*$/.test(word) && /[a-z]/.test(s[i + 1] ?? ''))) break; // a pipe, unless approve|reject
        word += c;
        i++;
      } else if (c === '"' || c === "'") {
        const close = s.indexOf(c, i + 1);
        const stop = close === -1 ? s.length : close;
        word += s.slice(i + 1, stop);
        i = stop + 1;
      } else {
        word += c;
        i++;
      }
    }
    if (!word) break;
    out.push(word);
  }
  return { words: out, end: i };
}

/** The CLI subcommand a package.json script runs, '' for the bare CLI, undefined if it is not the CLI. */
export function cliScript(scripts: Scripts, name: string): string | undefined {
  const m =
    /(?:^|\s)(?:ts-node|node)(?:\s+--?\S+)*\s+(?:\.\/)?(?:src\/client\.ts|dist\/(?:src\/)?client\.js)(?:\s+([a-z][a-z0-9-]*))?\s*$/.exec(
      scripts[name] ?? '',
    );
  return m ? (m[1] ?? '') : undefined;
}

const PATTERNS: { re: RegExp; kind: 'npm' | 'nsdeploy' | 'entry' }[] = [
  { re: /\bnpm run(?:-script)?\s+([A-Za-z0-9:_.-]+)/g, kind: 'npm' },
  { re: /\b(?:ts-node|node)(?:\s+--?[\w-]+)*\s+(?:[\w./-]*\/)?(?:src\/client\.ts|client\.js)(?=\s|$)/g, kind: 'entry' },
  { re: /(?:^|[\s(`])nsdeploy(?=\s+(?:--|[a-z]))/g, kind: 'nsdeploy' },
];

/** Finds the invocations in one Markdown text. */
export function findInvocations(markdown: string, file: string, scripts: Scripts): Invocation[] {
  const found: Invocation[] = [];
  const lines = markdown.split('\n');
  const codeSnippets: { line: number; text: string }[] = [];
  let fence: string | undefined;
  let pending: { line: number; text: string } | undefined;
  lines.forEach((raw, idx) => {
    const fenceMatch = /^\s*(```+|~~~+)/.exec(raw);
    if (fenceMatch) {
      if (!fence) fence = fenceMatch[1][0];
      else if (fenceMatch[1][0] === fence) fence = undefined;
      return;
    }
    if (fence) {
      const text = pending ? `${pending.text} ${raw.trim()}` : raw;
      if (/\\\s*$/.test(text)) pending = { line: pending?.line ?? idx + 1, text: text.replace(/\\\s*$/, '') };
      else {
        codeSnippets.push({ line: pending?.line ?? idx + 1, text });
        pending = undefined;
      }
      return;
    }
    for (const m of raw.matchAll(/(`+)([^`]+?)\1/g)) codeSnippets.push({ line: idx + 1, text: m[2] });
  });

  for (const { line, text } of codeSnippets) {
    const taken: [number, number][] = [];
    for (const { re, kind } of PATTERNS) {
      for (const m of text.matchAll(re)) {
        const start = m.index ?? 0;
        if (taken.some(([a, b]) => start >= a && start < b)) continue;
        const after = text.slice(start + m[0].length);
        const { words: rest, end: consumed } = words(after);
        // `sudo -u nsdeploy …`, `install -o nsdeploy -g nsdeploy …`: the user, not the CLI.
        if (kind === 'nsdeploy' && /(?:^|\s)-[A-Za-z-]*\s*$/.test(text.slice(0, start + m[0].indexOf('nsdeploy'))))
          continue;
        const end = start + m[0].length + consumed;
        taken.push([start, end]);
        const snippet = text.slice(start, end).trim();
        if (kind === 'npm') {
          const script = m[1];
          const sub = cliScript(scripts, script);
          const dashes = rest.indexOf('--');
          const passed = dashes === -1 ? [] : rest.slice(dashes + 1);
          found.push({
            file,
            line,
            text: snippet,
            script,
            cli: sub !== undefined,
            args: sub ? [sub, ...passed] : passed,
          });
        } else {
          found.push({ file, line, text: snippet, cli: true, args: rest });
        }
      }
    }
  }
  return found;
}

const isPlaceholder = (w: string) => /^[<[{]|^\.\.\.|^…|^\$/.test(w);

function longFlags(cmd: Command): Set<string> {
  const flags = new Set<string>(['--help']);
  for (const o of cmd.options) if (o.long) flags.add(o.long);
  return flags;
}

/** `nsdeploy monitor create`, from the command up to the program. */
function commandName(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.parent ? c.name() : 'nsdeploy');
  return names.join(' ');
}

/** What is wrong with one invocation; empty when it is fine. */
export function checkInvocation(inv: Invocation, program: Command, scripts: Scripts): string[] {
  const where = `${inv.file}:${inv.line}: \`${inv.text}\``;
  const problems: string[] = [];
  if (inv.script !== undefined && !(inv.script in scripts)) {
    problems.push(`${where}: no npm script "${inv.script}" in package.json`);
    return problems;
  }
  if (!inv.cli) return problems;
  // Walk down the command tree (`nsdeploy monitor create …`) while the words name subcommands.
  let cmds: Command[] = [program];
  let args = inv.args;
  while (args.length > 0 && !args[0].startsWith('-') && cmds.length > 0 && cmds.every((c) => c.commands.length > 0)) {
    const first = args[0];
    args = args.slice(1);
    if (isPlaceholder(first)) {
      cmds = [];
      break;
    }
    const next: Command[] = [];
    for (const parent of cmds) {
      for (const name of first.split('|')) {
        const cmd = parent.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (cmd) next.push(cmd);
        else if (name !== 'help')
          problems.push(
            `${where}: ${commandName(parent)} has no command "${name}" (commands: ${parent.commands.map((c) => c.name()).join(', ')})`,
          );
      }
    }
    cmds = next;
  }
  for (const arg of args) {
    if (arg === '--') break;
    if (!arg.startsWith('--')) continue;
    const flag = arg.split('=')[0];
    for (const cmd of cmds) {
      if (!longFlags(cmd).has(flag)) {
        const known = [...longFlags(cmd)].join(', ');
        problems.push(`${where}: ${commandName(cmd)} has no flag ${flag} (it has: ${known})`);
      }
    }
  }
  return problems;
}

const scripts: Scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
const program = buildProgram();
const docs = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const check = (markdown: string, file = 'made-up.md') =>
  findInvocations(markdown, file, scripts).flatMap((inv) => checkInvocation(inv, program, scripts));

describe('commands and flags in the docs exist', () => {
  test.each(docs)('%s', (file) => {
    const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
    const problems = findInvocations(text, file, scripts).flatMap((inv) => checkInvocation(inv, program, scripts));
    expect(problems).toEqual([]);
  });

  test('the docs are really scanned: README and the production guide call the CLI many times', () => {
    const count = (file: string) =>
      findInvocations(fs.readFileSync(path.join(ROOT, file), 'utf8'), file, scripts).filter((i) => i.cli).length;
    expect(count('README.md')).toBeGreaterThanOrEqual(10);
    if (fs.existsSync(path.join(ROOT, 'docs/production.md')))
      expect(count('docs/production.md')).toBeGreaterThanOrEqual(10);
  });

  test('the package.json scripts that run the CLI are known, and their subcommands exist', () => {
    const cli = Object.keys(scripts).filter((s) => cliScript(scripts, s) !== undefined);
    expect(cli).toEqual(
      expect.arrayContaining([
        'nsdeploy',
        'start-deploy',
        'glue-updated',
        'update-lbs',
        'extend-drain',
        'codec-server',
        'start-lb-replacement',
      ]),
    );
    for (const s of cli) {
      const sub = cliScript(scripts, s)!;
      if (sub) expect(program.commands.map((c) => c.name())).toContain(sub);
    }
    expect(cliScript(scripts, 'worker')).toBeUndefined();
    expect(cliScript(scripts, 'demo')).toBeUndefined();
  });
});

describe('the check itself', () => {
  test('finds a flag that does not exist, in every form of call', () => {
    const doc = [
      '```sh',
      'npm run start-deploy -- --config config/lab.yaml --dryrun      # typo',
      'npm run nsdeploy -- approve lab/deploy --by alice --resaon "looks good"',
      'npx ts-node --transpile-only src/client.ts status lab/deploy --verbose',
      'LINODE_TOKEN=x node dist/src/client.js extend-drain lab/lb-replacement \\',
      '  --by 12h --forced',
      '```',
      'Then run `nsdeploy follow lab/deploy --watch` and `nsdeploy glue-updated x --check`.',
    ].join('\n');
    const problems = check(doc);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/made-up\.md:2: .*nsdeploy start-deploy has no flag --dryrun/);
    expect(problems[1]).toMatch(/made-up\.md:3: .*nsdeploy approve has no flag --resaon/);
    expect(problems[2]).toMatch(/made-up\.md:4: .*nsdeploy status has no flag --verbose/);
    expect(problems[3]).toMatch(/made-up\.md:5: .*nsdeploy extend-drain has no flag --forced/);
    expect(problems[4]).toMatch(/made-up\.md:8: .*nsdeploy follow has no flag --watch/);
  });

  test('finds unknown commands and npm scripts', () => {
    expect(check('`nsdeploy retire lab/deploy`')).toEqual([expect.stringMatching(/nsdeploy has no command "retire"/)]);
    expect(check('`npm run start-deploys -- --config x`')).toEqual([
      expect.stringMatching(/no npm script "start-deploys"/),
    ]);
    expect(check('`nsdeploy approve|rejekt <id>`')).toEqual([expect.stringMatching(/no command "rejekt"/)]);
    expect(check('`sudo -u nsdeploy nsdeploy stauts lab/deploy`')).toEqual([
      expect.stringMatching(/no command "stauts"/),
    ]);
    expect(check('`nsdeploy extend-drain <fleet>/lb-replacement --bye 12h`')).toEqual([
      expect.stringMatching(/nsdeploy extend-drain has no flag --bye/),
    ]);
  });

  test('walks into nested commands (nsdeploy <group> <command> --flags)', () => {
    const nested = new Command('nsdeploy');
    const group = nested.command('group');
    group.command('create').option('--every <duration>');
    group.command('delete');
    const invs = findInvocations(
      '`nsdeploy group create --every 1m` `nsdeploy group create --evry 1m` `nsdeploy group creat` `nsdeploy group delete --every 1m`',
      'n.md',
      scripts,
    );
    expect(invs.flatMap((i) => checkInvocation(i, nested, scripts))).toEqual([
      expect.stringMatching(/nsdeploy group create has no flag --evry/),
      expect.stringMatching(/nsdeploy group has no command "creat" \(commands: create, delete\)/),
      expect.stringMatching(/nsdeploy group delete has no flag --every/),
    ]);
  });

  test('accepts real flags, flag=value, placeholders, comments and other programs', () => {
    const doc = [
      '```sh',
      'npm run nsdeploy -- --help',
      'npm run nsdeploy -- <command> --help',
      'npm run start-deploy -- --config=config/lab.yaml --dry-run --approve-before-cutover --address 127.0.0.1:7233 --namespace default',
      'npm run worker &                       # worker on task queue "nsdeploy" --not-a-flag',
      'npm run worker & nsdeploy follow lab/deploy',
      'npm run demo -- --down',
      'npm run codec-server -- --port 8081 --ui-origin http://127.0.0.1:8233',
      'temporal workflow signal --workflow-id lab/lb-replacement --name glueUpdated',
      'sudo install -d -m 750 -o root -g nsdeploy /etc/nsdeploy',
      'sudo -u nsdeploy ssh-keygen -t ed25519 -f /var/lib/nsdeploy/ssh/id_ed25519',
      'sudo -u nsdeploy nsdeploy status lab/deploy',
      '#   then: nsdeploy glue-updated lab/lb-replacement',
      '```',
      '`nsdeploy approve|reject <id>` and `nsdeploy extend-drain <id> --by 12h` and `nsdeploy`.',
    ].join('\n');
    expect(check(doc)).toEqual([]);
    const invs = findInvocations(doc, 'x.md', scripts);
    expect(invs.filter((i) => i.cli).map((i) => i.args[0])).toEqual([
      '--help',
      '<command>',
      'start-deploy',
      'follow',
      'codec-server',
      'status',
      'glue-updated',
      'approve|reject',
      'extend-drain',
    ]);
  });
});
