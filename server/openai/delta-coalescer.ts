// Text deltas of one stream, written at most once per interval: the first delta after a quiet
// interval goes out at once (time to first token is unchanged); those that follow within the
// interval are joined into one write. Each SSE write is a syscall on this side and a read, a JSON
// parse and a validation on the client's: at 8 streams those per-token costs were a quarter of
// the /v1 server's busy time (decision 039, docs/performance.md).
export interface DeltaCoalescer {
  push(text: string): void;
  /** Writes what is held now (before a finish or an error chunk). */
  drain(): void;
  /** Drops the timer; what is held is lost (the stream is over). */
  close(): void;
}

export function createDeltaCoalescer(intervalMs: number, write: (text: string) => void): DeltaCoalescer {
  let held = "";
  let lastWrite = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  function drain() {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!held) return;
    const text = held;
    held = "";
    lastWrite = Date.now();
    write(text);
  }
  return {
    push(text) {
      held += text;
      if (timer) return;
      const wait = lastWrite + intervalMs - Date.now();
      if (wait <= 0) drain();
      else timer = setTimeout(drain, wait);
    },
    drain,
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      held = "";
    },
  };
}
