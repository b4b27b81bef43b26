/**
 * Real third-party clients (Dalli in Ruby, pymemcache in Python), driven
 * by the scripts in test/e2e/clients/: each prints one JSON line per check,
 * `["what it did", what it got]`, for the test to compare all at once.
 */
import { join } from "node:path";
import { runCommand } from "./command.ts";

const CLIENTS_FOLDER = join(import.meta.dir, "..", "e2e", "clients");
/** Debian's interpreters, by the script's extension. */
const INTERPRETERS: Readonly<Record<string, string>> = {
  ".rb": "/usr/bin/ruby",
  ".py": "/usr/bin/python3",
};

export interface ClientRun {
  exitCode: number;
  stderr: string;
  checks: Array<[string, unknown]>;
}

/** Runs test/e2e/clients/<script> with `args` and reads its checks. */
export async function runClientScript(script: string, args: readonly string[]): Promise<ClientRun> {
  const interpreter = INTERPRETERS[script.slice(script.lastIndexOf("."))];
  if (interpreter === undefined) throw new Error(`no interpreter for ${script}`);
  const { exitCode, stdout, stderr } = await runCommand([
    interpreter,
    join(CLIENTS_FOLDER, script),
    ...args,
  ]);
  const checks = stdout
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as [string, unknown]);
  return { exitCode, stderr, checks };
}
