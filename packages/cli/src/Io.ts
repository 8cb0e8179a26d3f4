/** Where a command writes: the process's streams, or buffers in tests. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** Present when `out` is a terminal: its width. Commands colour and fit their tables only then. */
  readonly tty?: { columns: number } | undefined;
}

/** The process's own streams and environment. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  get tty() {
    return process.stdout.isTTY ? { columns: process.stdout.columns } : undefined;
  },
};
