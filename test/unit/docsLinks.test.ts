// Every link in the repository's Markdown files must work in a fresh clone: a relative link
// names a file or directory of the repository (tracked, or new and not ignored) and never
// leaves the repository root; a `#fragment` names a heading of the Markdown file it points
// into; a web link goes to loopback, a reserved example domain, or one of the few outside
// sites allowed below. Code blocks and code spans are not links and are skipped.
//
// Recognised: [text](target), ![alt](target), [id]: target, <https://…>, bare http(s) URLs in
// prose (GitHub links them), and <a href> / <img src>.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/** Outside sites a doc may link to, and why. Everything else must be local or an example. */
const ALLOWED_SITES: Record<string, string> = {
  'temporal.io': 'Temporal itself (docs, Temporal Cloud)',
  'linode.com': 'the Linode API and its documentation',
};

/** Hosts that are not outside sites: this machine, and names reserved for examples (RFC 2606, RFC 6761). */
const isLocalOrExample = (host: string) =>
  /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/.test(host) ||
  /(?:^|\.)(?:example(?:\.(?:com|net|org))?|test|invalid|localhost)$/.test(host);

export interface Link {
  file: string;
  line: number;
  target: string;
}

/** The repository's files (relative, '/'-separated): tracked or new-and-not-ignored, and present. */
export function repositoryFiles(root = ROOT): Set<string> {
  let listed: string[];
  try {
    listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    }).split('\0');
  } catch {
    // No git (an exported tree): every file except what .gitignore names.
    listed = [];
    const skip = new Set(['.git', 'node_modules', 'dist', '.tools', '.temporal', '.lab', 'coverage']);
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        if (skip.has(e.name)) continue;
        const rel = dir ? `${dir}/${e.name}` : e.name;
        if (e.isDirectory()) walk(rel);
        else listed.push(rel);
      }
    };
    walk('');
  }
  return new Set(listed.filter((f) => f && fs.existsSync(path.join(root, f))));
}

/** Blanks out code (fenced blocks and code spans), keeping every line break so line numbers stay. */
export function withoutCode(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: { char: string; len: number } | undefined;
  const kept = lines.map((line) => {
    const m = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (m && (!fence || (m[1][0] === fence.char && m[1].length >= fence.len && /^ {0,3}[`~]+\s*$/.test(line)))) {
      fence = fence ? undefined : { char: m[1][0], len: m[1].length };
      return '';
    }
    return fence ? '' : line;
  });
  return kept.join('\n').replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (span) => span.replace(/[^\n]/g, ' '));
}

/** The anchors GitHub gives the headings of a Markdown text (plus explicit id/name anchors). */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.split('\n');
  const code = withoutCode(markdown).split('\n');
  text.forEach((line, i) => {
    if (code[i] === '' && line !== '') return; // inside a fenced block
    const h = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) return;
    const plain = h[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
      .replace(/`/g, '')
      .replace(/<[^>]+>/g, '');
    const slug = plain
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  });
  for (const m of markdown.matchAll(/<[a-z]+\b[^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(m[1]);
  return anchors;
}

/** Every link of one Markdown text, with its line. */
export function linksIn(markdown: string, file: string): Link[] {
  const text = withoutCode(markdown);
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  const found: { at: number; target: string }[] = [];
  const add = (at: number, target: string) => found.push({ at, target: target.replace(/^<|>$/g, '') });
  // [text](target "title") and ![alt](target): the destination after "](".
  for (const m of text.matchAll(/\]\(\s*(<[^>\n]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g)) add(m.index! + 2, m[1]);
  // [id]: target
  for (const m of text.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*(<[^>\n]*>|\S+)/gm)) add(m.index!, m[1]);
  // <a href="…">, <img src="…">
  for (const m of text.matchAll(/<(?:a|img)\b[^>]*?\s(?:href|src)\s*=\s*["']([^"']+)["']/gi)) add(m.index!, m[1]);
  // <https://…> and bare URLs in prose (not the ones already inside a link's destination).
  const taken = found.map((f) => f.at);
  for (const m of text.matchAll(/<?(https?:\/\/[^\s<>)\]]+)/g)) {
    if (taken.some((t) => m.index! >= t && m.index! <= t + 2)) continue;
    if (text[m.index! - 1] === '(' && text[m.index! - 2] === ']') continue;
    add(m.index!, m[1].replace(/[.,;:!?'"*_]+$/, ''));
  }
  return found.sort((a, b) => a.at - b.at).map(({ at, target }) => ({ file, line: lineAt(at), target }));
}

/** What is wrong with one link; undefined when it works. */
export function checkLink(
  link: Link,
  files: Set<string>,
  readMarkdown: (file: string) => string | undefined,
): string | undefined {
  const where = `${link.file}:${link.line}: (${link.target})`;
  const { target } = link;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1]?.toLowerCase();
  if (scheme) {
    if (scheme === 'mailto') return undefined;
    if (scheme !== 'http' && scheme !== 'https')
      return `${where}: ${scheme}: links do not work in a clone of the repository`;
    let host: string;
    try {
      host = new URL(target).hostname.toLowerCase();
    } catch {
      return `${where}: not a valid URL`;
    }
    if (isLocalOrExample(host)) return undefined;
    if (Object.keys(ALLOWED_SITES).some((site) => host === site || host.endsWith(`.${site}`))) return undefined;
    return `${where}: links to an outside site (${host}); link a file of the repository, or add the site to ALLOWED_SITES in test/unit/docsLinks.test.ts with the reason`;
  }
  if (target.startsWith('//')) return `${where}: a protocol-relative URL leaves the repository`;
  if (target.startsWith('/')) return `${where}: an absolute path; use a path relative to ${link.file}`;

  const hash = target.indexOf('#');
  const rawPath = (hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
  const fragment = hash === -1 ? undefined : target.slice(hash + 1);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return `${where}: badly escaped path`;
  }
  // `#anchor` alone points into the file itself.
  const resolved =
    decoded === '' ? link.file : path.posix.normalize(path.posix.join(path.posix.dirname(link.file), decoded));
  if (resolved === '..' || resolved.startsWith('../'))
    return `${where}: points outside the repository (${resolved}); a clone has only the repository`;
  const rel = resolved === '.' ? '' : resolved.replace(/\/$/, '');
  const isFile = rel === link.file || files.has(rel);
  const isDir = !isFile && [...files].some((f) => rel === '' || f.startsWith(`${rel}/`));
  if (!isFile && !isDir) return `${where}: no such file or directory in the repository (${rel})`;
  if (fragment && isFile && rel.endsWith('.md') && !/^L\d+/.test(fragment)) {
    const anchors = anchorsOf(readMarkdown(rel) ?? '');
    if (!anchors.has(decodeURIComponent(fragment).toLowerCase()))
      return `${where}: ${rel} has no heading with the anchor #${fragment}`;
  }
  return undefined;
}

const files = repositoryFiles();
const read = (rel: string) => (files.has(rel) ? fs.readFileSync(path.join(ROOT, rel), 'utf8') : undefined);
const markdownFiles = [...files].filter((f) => f.endsWith('.md')).sort();
const problemsIn = (markdown: string, file: string) =>
  linksIn(markdown, file)
    .map((l) => checkLink(l, files, (f) => (f === file ? markdown : read(f))))
    .filter((p): p is string => p !== undefined);

describe('links in the Markdown files work in a clone of the repository', () => {
  test('the files are found (README, the docs, READMEs beside the code)', () => {
    expect(markdownFiles).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/production.md',
        'bench/README.md',
        'ansible/README.md',
        'src/dns/README.md',
      ]),
    );
    expect(markdownFiles.some((f) => f.startsWith('node_modules/') || f.startsWith('.tools/'))).toBe(false);
  });

  test.each(markdownFiles)('%s', (file) => {
    expect(problemsIn(read(file)!, file)).toEqual([]);
  });

  test('the links are really read: README links the docs and shows a picture', () => {
    const targets = linksIn(read('README.md')!, 'README.md').map((l) => l.target);
    expect(targets.filter((t) => t.startsWith('docs/')).length).toBeGreaterThanOrEqual(4);
    expect(targets.some((t) => t.endsWith('.png'))).toBe(true);
  });
});

describe('the check itself', () => {
  const check = (markdown: string, file = 'docs/made-up.md') => problemsIn(markdown, file);

  test('reports a link outside the repository with the file and line', () => {
    expect(check('# Title\n\nSee [the design](../shared/DESIGN.md).', 'README.md')).toEqual([
      'README.md:3: (../shared/DESIGN.md): points outside the repository (../shared/DESIGN.md); a clone has only the repository',
    ]);
    expect(check('[x](../../etc/passwd)')).toEqual([
      expect.stringMatching(/^docs\/made-up\.md:1: .*points outside the repository/),
    ]);
    expect(check('[x](/etc/passwd)')).toEqual([expect.stringMatching(/an absolute path/)]);
    expect(check('[x](file:///etc/passwd)')).toEqual([expect.stringMatching(/file: links do not work/)]);
  });

  test('reports missing files, directories and anchors', () => {
    expect(check('a\n\n![pic](images/nope.png)')).toEqual([
      'docs/made-up.md:3: (images/nope.png): no such file or directory in the repository (docs/images/nope.png)',
    ]);
    expect(check('[x](../src/nowhere/)')).toEqual([
      expect.stringMatching(/no such file or directory in the repository \(src\/nowhere\)/),
    ]);
    expect(check('[x][ref]\n\n[ref]: ../missing.md')).toEqual([
      expect.stringMatching(/^docs\/made-up\.md:3: \(\.\.\/missing\.md\): no such file/),
    ]);
    expect(check('<a href="../nope.html">x</a>')).toEqual([expect.stringMatching(/no such file/)]);
    expect(check('# One\n\n[x](#two)')).toEqual([
      'docs/made-up.md:3: (#two): docs/made-up.md has no heading with the anchor #two',
    ]);
    expect(check('[x](production.md#no-such-section)')).toEqual([
      expect.stringMatching(/docs\/production\.md has no heading with the anchor #no-such-section/),
    ]);
  });

  test('reports outside sites that are not allowed, in every form', () => {
    expect(check('[x](https://evil.example.org.attacker.net/)')).toEqual([
      expect.stringMatching(/outside site \(evil\.example\.org\.attacker\.net\)/),
    ]);
    expect(check('see <https://stackoverflow.com/q/1> and https://gist.github.com/x.')).toEqual([
      expect.stringMatching(/\(https:\/\/stackoverflow\.com\/q\/1\): links to an outside site/),
      expect.stringMatching(/\(https:\/\/gist\.github\.com\/x\): links to an outside site/),
    ]);
  });

  test('accepts real files, directories, anchors, allowed sites, local addresses, and ignores code', () => {
    const doc = [
      '# Made up: a `title` — with punctuation',
      '',
      '## Setup',
      '',
      '## Setup',
      '',
      '[readme](../README.md) [dir](../src/dns/) [pic](images/ns-deploy-soak.png "title") [code](../src/worker.ts#L10)',
      '[anchor](#made-up-a-title--with-punctuation) [dup](#setup-1) [other](production.md#the-fleet-config) [esc](<web-ui.md>)',
      '[Temporal](https://temporal.io) <https://docs.temporal.io/> http://127.0.0.1:8233 and https://hooks.example.com/x',
      '`[not a link](../shared/DESIGN.md)` and ``https://stackoverflow.com``',
      '```sh',
      'cat ../shared/DESIGN.md  # [x](../shared/DESIGN.md) https://stackoverflow.com',
      '```',
    ].join('\n');
    expect(check(doc)).toEqual([]);
    expect(linksIn(doc, 'docs/made-up.md').map((l) => l.line)).toEqual([7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 9]);
  });
});
