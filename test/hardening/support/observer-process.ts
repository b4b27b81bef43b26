/**
 * Runs support/observer.ts in its own process beside a test's load, and
 * collects what it saw: rounds, latencies, the first wrong reply if any.
 */
import { join } from "node:path";

export interface ObserverReport {
  rounds: number;
  worstMs: number;
  medianMs: number;
  error: string | null;
}

export interface RunningObserver {
  /** Tells the observer to stop and returns its report. */
  stop(): Promise<ObserverReport>;
}

export function startObserver(port: number, seed: number): RunningObserver {
  const child = Bun.spawn(
    [process.execPath, join(import.meta.dir, "observer.ts"), String(port), String(seed)],
    {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  return {
    async stop() {
      child.stdin.write("stop\n");
      await child.stdin.end();
      const output = await new Response(child.stdout).text();
      await child.exited;
      const line = output.trim().split("\n").pop() ?? "";
      try {
        return JSON.parse(line) as ObserverReport;
      } catch {
        throw new Error(`the observer printed no report: ${JSON.stringify(output)}`);
      }
    },
  };
}
