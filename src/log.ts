/**
 * The operator's log: one line per event worth knowing about (start with
 * its settings, stop, connections refused at --max-conns, storage failures,
 * slow commits), each with a UTC timestamp. Text for people, or JSON lines
 * (--log-format json) for log collectors; --quiet keeps only warnings and
 * errors. Informational lines go to stdout, warnings and errors to stderr.
 *
 * One process-wide logger, configured once by main.ts, so that any layer can
 * log without a logger being threaded through every constructor.
 */

export const LOG_FORMATS = ["text", "json"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export const LogLevel = { info: "info", warn: "warn", error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Extra facts of an event: shown in JSON lines; the text line says them in its message. */
export type LogFields = Record<string, string | number | boolean>;

export interface LoggerOptions {
  format: LogFormat;
  quiet: boolean;
}

/** Where lines go; each line comes without its newline. */
export interface LogOutput {
  write(line: string): void;
}

/** console.log and console.error write at once, so a line logged just before process.exit is kept. */
const standardOutput: LogOutput = { write: (line) => console.log(line) };
const standardError: LogOutput = { write: (line) => console.error(line) };

export class Logger {
  private options: LoggerOptions = { format: "text", quiet: false };

  constructor(
    private readonly out: LogOutput = standardOutput,
    private readonly err: LogOutput = standardError,
    private readonly now: () => Date = () => new Date(),
  ) {}

  configure(options: LoggerOptions): void {
    this.options = options;
  }

  info(event: string, message: string, fields: LogFields = {}): void {
    this.write(LogLevel.info, event, message, fields);
  }

  warn(event: string, message: string, fields: LogFields = {}): void {
    this.write(LogLevel.warn, event, message, fields);
  }

  error(event: string, message: string, fields: LogFields = {}): void {
    this.write(LogLevel.error, event, message, fields);
  }

  /** The line an event becomes (without writing it); exported for tests. */
  format(level: LogLevel, event: string, message: string, fields: LogFields): string {
    const time = this.now().toISOString();
    if (this.options.format === "json") {
      return JSON.stringify({ time, level, event, message, ...fields });
    }
    return `${time} litecached: ${message}`;
  }

  private write(level: LogLevel, event: string, message: string, fields: LogFields): void {
    if (level === LogLevel.info && this.options.quiet) return;
    const output = level === LogLevel.info ? this.out : this.err;
    output.write(this.format(level, event, message, fields));
  }
}

/** The process's logger. */
export const log = new Logger();
