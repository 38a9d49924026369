// Runs a system command and fails with its stderr in the message (ip, dpkg-query, …).
import execa from 'execa';

export async function run(
  command: string,
  args: string[],
  options: { allowFailure?: boolean } = {},
): Promise<execa.ExecaReturnValue> {
  const result = await execa(command, args, { reject: false, stdin: 'ignore' });
  if (result.exitCode !== 0 && !options.allowFailure) {
    throw new Error(
      `${command} ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
    );
  }
  return result;
}
