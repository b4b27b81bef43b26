/**
 * The monitor's thread runs at a lower CPU priority than the memcached
 * clients' thread. A Worker is a thread of its own, but when the process
 * has one core (a container's CPU limit, or taskset, as the benchmark pins
 * it) the kernel shares that core fairly between the threads, and a 5 ms
 * page render still delays gets. Measured with a TCP ping-pong on the main
 * thread while a worker burned 5 ms slices on the same core: p99 2.8 ms at
 * equal priority, 0.066 ms with the worker at nice 10 (0.089 ms with no
 * worker at all).
 *
 * Linux sets a nice value per thread: setpriority(PRIO_PROCESS, tid, n)
 * with the thread's id from gettid(), called here from inside the worker
 * through bun:ffi. Elsewhere, or if libc refuses, the monitor runs at
 * normal priority and says so in one log line.
 */
import { dlopen, FFIType } from "bun:ffi";
import { log } from "../log.ts";

/** The nice value of the monitor's thread (0 is normal, 19 the lowest). */
export const MONITOR_NICENESS = 10;
const PRIO_PROCESS = 0;

/** Lowers the priority of the calling thread; logs one line if it cannot. */
export function lowerThisThreadPriority(niceness = MONITOR_NICENESS): void {
  const unchanged = (reason: string): void =>
    log.warn("monitor_priority", `the monitor runs at normal CPU priority: ${reason}`, {
      reason,
    });
  if (process.platform !== "linux") {
    unchanged(`lowering a thread's priority is done on Linux only (this is ${process.platform})`);
    return;
  }
  try {
    const libc = dlopen("libc.so.6", {
      gettid: { args: [], returns: FFIType.i32 },
      setpriority: { args: [FFIType.i32, FFIType.u32, FFIType.i32], returns: FFIType.i32 },
    });
    try {
      const tid = libc.symbols.gettid();
      if (libc.symbols.setpriority(PRIO_PROCESS, tid, niceness) !== 0) {
        unchanged("setpriority failed");
      }
    } finally {
      libc.close();
    }
  } catch (error) {
    unchanged(error instanceof Error ? error.message : String(error));
  }
}
