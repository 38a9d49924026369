// Runs a system command and fails with its stderr in the message (ip, dpkg-query, …).
import execa from 'execa';

export async function run(
  command: string,
  args: string[],
  options: { allowFailure?: boolean; input?: string } = {},
): Promise<execa.ExecaReturnValue> {
  const result = await execa(command, args, {
    reject: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  if (result.exitCode !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}
