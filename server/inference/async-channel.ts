// A single-consumer async queue: the scheduler pushes events as tokens come, the caller pulls
// them with `for await`. The producer never waits for the consumer (text is small; a slow
// reader must not stall the whole decode batch). Leaving the loop early (break, return, throw)
// calls `onCancel`, which aborts the generation and frees its slot.

export class AsyncChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private closed = false;
  private error: unknown;
  private hasError = false;
  private iterated = false;

  constructor(private readonly onCancel?: () => void) {}

  push(item: T): void {
    if (this.closed) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: item, done: false });
    } else this.items.push(item);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.waiter && this.items.length === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      if (this.hasError) w.reject(this.error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** End the stream with an error (after the items already queued). */
  fail(error: unknown): void {
    if (this.closed) return;
    this.error = error;
    this.hasError = true;
    this.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new Error("a generation can be iterated only once");
    this.iterated = true;
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.closed) {
          if (this.hasError) {
            this.hasError = false; // report once
            return Promise.reject(this.error);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise<IteratorResult<T>>((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      return: () => {
        if (!this.closed) {
          this.closed = true;
          this.items.length = 0;
          this.onCancel?.();
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
