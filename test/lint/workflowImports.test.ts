// ESLint keeps workflow code deterministic: Node built-ins and I/O modules are refused under
// src/workflows/. ESLint runs as its own process, as `npm run lint` runs it.
import execa from 'execa';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const eslintBin = path.join(root, 'node_modules/eslint/bin/eslint.js');

interface LintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string; line: number }[];
}

async function lint(...relPaths: string[]): Promise<LintResult[]> {
  // --no-ignore: the fixtures are ignored by the normal `npm run lint` on purpose.
  const run = await execa('node', [eslintBin, '--no-ignore', '--format', 'json', ...relPaths], {
    cwd: root,
    reject: false,
  });
  if (run.exitCode !== 0 && run.exitCode !== 1) throw new Error(`eslint crashed: ${run.stderr}`);
  return JSON.parse(run.stdout) as LintResult[];
}

const messagesOf = (results: LintResult[]) =>
  results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`));

test('a workflow that imports fs fails lint', async () => {
  const messages = messagesOf(await lint('test/fixtures/lint/workflows/importsFs.ts'));
  expect(messages).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^no-restricted-imports: 'fs' import is restricted .*deterministic/),
      expect.stringMatching(/^no-restricted-imports: 'node:child_process' import is restricted/),
      expect.stringMatching(/^no-restricted-imports: 'execa' import is restricted/),
    ]),
  );
});

test('a floating promise fails lint anywhere', async () => {
  expect(messagesOf(await lint('test/fixtures/lint/floatingPromise.ts'))).toEqual([
    expect.stringMatching(/^@typescript-eslint\/no-floating-promises/),
  ]);
});

test('the real workflow code passes lint', async () => {
  const results = await lint('src/workflows');
  expect(results.length).toBeGreaterThan(2);
  expect(messagesOf(results)).toEqual([]);
});
