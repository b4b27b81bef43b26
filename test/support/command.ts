/**
 * Runs a program to its end and collects what it printed: for the tests
 * that drive real tools (sqlite3, memcapable, `litecached import`, the
 * client scripts, the bench seeders). Its standard input is empty.
 */

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(
  command: readonly string[],
  options: { cwd?: string } = {},
): Promise<CommandResult> {
  const child = Bun.spawn([...command], {
    cwd: options.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}
