// Continuous batching for one causal LM.
//
// Every live sequence shares each decode step (one session.run for the whole batch). A new
// request waits in a bounded queue, is prefilled on its own (batch 1, so its prompt numerics are
// exactly those of a solo run) and joins the decode batch at the next step. A sequence leaves the
// moment it finishes, is aborted or times out: its slot is free at once and its cache is dropped
// before the next step (the KV pack is rebuilt without it).
//
// Admission is fair between groups (the server's apps): a free slot goes to the waiting request
// whose group holds the fewest slots, so a translation is not queued behind every chat that
// arrived before it (decision 034). Within a group, and between groups holding as many, first
// come first served; with one group (or none) that is plain arrival order.
//
// session.run is asynchronous (onnxruntime-node runs it from setImmediate) but the computation
// itself holds its thread for the step's duration, so the loop works one step at a time and
// yields to the event loop between steps: aborts and new requests are handled in between. In the
// server that thread is the model's worker (model-worker.ts), so HTTP never waits behind a step.

import { BusyError, InvalidRequestError, ModelDisposedError, RequestAbortedError, RequestTimeoutError } from "./errors";
import type { DecoderRunner } from "./decoder-runner";
import type { KvBatch } from "./kv-layout";
import type { FinishReason } from "./stopping";

export interface SchedulerOptions {
  /** Sequences decoded together (the batch size cap). */
  maxConcurrent: number;
  /** Requests allowed to wait for a slot; beyond that, submit throws BusyError. */
  maxWaiting: number;
  /** Default time limit per request, from submit to last token (0 = none). */
  requestTimeoutMs: number;
  /** Prompt tokens prefilled between two decode steps (at least one prompt always goes). */
  prefillTokensPerStep: number;
  /** Longest sequence the model supports (prompt + output). */
  maxPositions: number;
}

export interface SequenceJob {
  readonly promptIds: readonly number[];
  /**
   * Who the job is for (the server passes the app): a free slot goes to the waiting job whose
   * group holds the fewest slots, first come first served within a group and between equals.
   * Jobs without a group form one group of their own.
   */
  readonly group?: string;
  readonly signal?: AbortSignal;
  /** Overrides SchedulerOptions.requestTimeoutMs. */
  readonly timeoutMs?: number;
  /** Prefill is starting (the request left the queue). */
  started?(): void;
  /** Choose the next token from this sequence's logits, and say whether it is the last. */
  next(logits: Float32Array): { token: number; finish?: FinishReason };
  /** Called exactly once when the sequence leaves; `error` for abort, timeout and failures. */
  end(outcome: { reason: FinishReason; error?: Error }): void;
}

export interface SchedulerStats {
  /** Sequences holding a decode slot. */
  active: number;
  /** Requests queued for a slot. */
  waiting: number;
  completed: number;
  aborted: number;
  timedOut: number;
  failed: number;
  rejected: number;
  promptTokens: number;
  generatedTokens: number;
  prefills: number;
  decodeSteps: number;
  /** Sequences whose KV cache is held right now (drops as soon as a leaver's cache is freed). */
  cachedSequences: number;
  /** Bytes of KV cache held (including left padding). */
  cacheBytes: number;
  /** Largest decode batch so far. */
  maxBatchSize: number;
}

/** Stats before anything has run (a fresh model, or a worker not yet reporting). */
export function zeroStats(): SchedulerStats {
  return {
    active: 0,
    waiting: 0,
    completed: 0,
    aborted: 0,
    timedOut: 0,
    failed: 0,
    rejected: 0,
    promptTokens: 0,
    generatedTokens: 0,
    prefills: 0,
    decodeSteps: 0,
    cachedSequences: 0,
    cacheBytes: 0,
    maxBatchSize: 0,
  };
}

interface Entry {
  id: number;
  job: SequenceJob;
  state: "waiting" | "active" | "done";
  lastToken: number;
  submittedAt: number;
  timer?: ReturnType<typeof setTimeout>;
  removeAbortListener?: () => void;
}

/** Throws InvalidRequestError for a prompt that is empty or leaves no room for a token. */
export function checkPromptLength(promptTokens: number, maxPositions: number): void {
  if (promptTokens === 0) throw new InvalidRequestError("the prompt is empty");
  if (promptTokens >= maxPositions)
    throw new InvalidRequestError(
      `the prompt has ${promptTokens} tokens; this model handles at most ${maxPositions} in all`,
      413,
    );
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class Scheduler {
  private nextId = 1;
  private readonly waiting: Entry[] = [];
  /** Entries with a slot (prefilled or being prefilled), by sequence id. */
  private readonly active = new Map<number, Entry>();
  /** Ended entries whose rows are still in the batch, removed before the next step. */
  private readonly leaving = new Set<number>();
  /** End callbacks of sequences that finished in a step, run once their cache is dropped. */
  private readonly endsAfterDrop: Array<() => void> = [];
  private batch: KvBatch | undefined;
  /** The batch a decode step is running on (for stats while `batch` is between owners). */
  private stepping: KvBatch | undefined;
  private running = false;
  private disposed = false;
  private idle: Promise<void> = Promise.resolve();
  private averageRequestMs = 5000;
  private readonly counters = {
    completed: 0,
    aborted: 0,
    timedOut: 0,
    failed: 0,
    rejected: 0,
    promptTokens: 0,
    generatedTokens: 0,
    prefills: 0,
    decodeSteps: 0,
    maxBatchSize: 0,
  };

  constructor(
    private readonly runner: DecoderRunner,
    readonly options: SchedulerOptions,
    private readonly modelId = "model",
  ) {}

  stats(): SchedulerStats {
    let active = 0;
    for (const e of this.active.values()) if (e.state === "active") active++;
    return {
      active,
      waiting: this.waiting.length,
      ...this.counters,
      cachedSequences: (this.batch ?? this.stepping)?.batchSize ?? 0,
      cacheBytes: (this.batch ?? this.stepping)?.bytes.allocated ?? 0,
    };
  }

  /**
   * Queue a sequence. Throws BusyError at once when the queue is full (so an HTTP route can
   * answer 429 before it starts streaming) and InvalidRequestError for a prompt that cannot fit.
   */
  submit(job: SequenceJob): void {
    if (this.disposed) throw new ModelDisposedError(this.modelId);
    checkPromptLength(job.promptIds.length, this.options.maxPositions);
    const s = this.stats();
    if (s.active + s.waiting >= this.options.maxConcurrent + this.options.maxWaiting) {
      this.counters.rejected++;
      const perSlot = this.averageRequestMs / 1000 / Math.max(1, this.options.maxConcurrent);
      const retry = Math.min(60, Math.max(1, Math.ceil(perSlot * (s.waiting + 1))));
      throw new BusyError(retry, s.active, s.waiting);
    }
    if (job.signal?.aborted) throw new RequestAbortedError(job.signal.reason);

    const entry: Entry = { id: this.nextId++, job, state: "waiting", lastToken: -1, submittedAt: performance.now() };
    const timeoutMs = job.timeoutMs ?? this.options.requestTimeoutMs;
    if (timeoutMs > 0) {
      entry.timer = setTimeout(() => {
        const phase = entry.state === "waiting" ? "queued" : "generating";
        this.cancel(entry, "timeout", new RequestTimeoutError(timeoutMs, phase));
      }, timeoutMs);
      entry.timer.unref?.();
    }
    if (job.signal) {
      const signal = job.signal;
      const onAbort = () => this.cancel(entry, "abort", new RequestAbortedError(signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
      entry.removeAbortListener = () => signal.removeEventListener("abort", onAbort);
    }
    this.waiting.push(entry);
    this.kick();
  }

  /** Abort one job (e.g. its consumer stopped reading). */
  abort(job: SequenceJob): void {
    const entry = this.waiting.find((e) => e.job === job) ?? [...this.active.values()].find((e) => e.job === job);
    if (entry) this.cancel(entry, "abort", new RequestAbortedError());
  }

  /** Stop everything: queued and running requests end with ModelDisposedError. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const error = new ModelDisposedError(this.modelId);
    for (const entry of [...this.waiting, ...this.active.values()]) this.leave(entry, "error", error);
    this.waiting.length = 0;
    await this.idle;
    for (const end of this.endsAfterDrop.splice(0)) end();
    this.batch?.dispose();
    this.batch = undefined;
  }

  private kick(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    this.idle = this.loop();
  }

  private async loop(): Promise<void> {
    try {
      while (!this.disposed && (this.waiting.length > 0 || this.active.size > 0)) {
        try {
          await this.dropLeavers();
          await this.admit();
          await this.dropLeavers();
          if (this.batch && this.batch.batchSize > 0) await this.decodeStep();
          // Finished sequences give their cache back before their consumers hear "finish".
          await this.dropLeavers();
        } catch (error) {
          this.failActive(error as Error);
        }
        await yieldToEventLoop();
      }
    } finally {
      this.running = false;
    }
    // Work may have arrived while the last step was finishing.
    if (!this.disposed && (this.waiting.length > 0 || this.active.size > 0)) this.kick();
  }

  /** Rebuild the batch without sequences that ended; their cache goes with the old pack. */
  private async dropLeavers(): Promise<void> {
    if (this.leaving.size > 0) {
      const ids = new Set(this.leaving);
      this.leaving.clear();
      for (const id of ids) this.active.delete(id);
      if (this.batch) this.batch = await this.batch.without(ids);
    }
    for (const end of this.endsAfterDrop.splice(0)) end();
  }

  private async admit(): Promise<void> {
    let budget = this.options.prefillTokensPerStep;
    const joining: KvBatch[] = [];
    while (this.waiting.length > 0 && this.active.size < this.options.maxConcurrent) {
      const index = this.nextToAdmit();
      const entry = this.waiting[index]!;
      const length = entry.job.promptIds.length;
      if (joining.length > 0 && length > budget) break;
      this.waiting.splice(index, 1);
      budget -= length;
      entry.state = "active";
      this.active.set(entry.id, entry);
      entry.job.started?.();
      const { logits, kv } = await this.runner.prefill(entry.id, entry.job.promptIds);
      this.counters.prefills++;
      this.counters.promptTokens += length;
      if (entry.state !== "active") {
        // Aborted or timed out during its own prefill.
        kv.dispose();
        this.active.delete(entry.id);
        this.leaving.delete(entry.id);
        continue;
      }
      if (this.acceptToken(entry, logits, kv.rows[0]!.length)) {
        kv.dispose();
        this.active.delete(entry.id);
        this.leaving.delete(entry.id);
        for (const end of this.endsAfterDrop.splice(0)) end();
        continue;
      }
      joining.push(kv);
    }
    if (joining.length === 0) return;
    const parts = [...(this.batch ? [{ kv: this.batch }] : []), ...joining.map((kv) => ({ kv }))];
    const merged = await this.runner.merge(parts);
    this.batch?.dispose();
    for (const kv of joining) kv.dispose();
    this.batch = merged;
  }

  /**
   * Where in `waiting` the next job to admit is: the oldest of the group holding the fewest
   * slots (ties: the group whose oldest job arrived first). O(waiting + active) per admission,
   * which the queue limit keeps small.
   */
  private nextToAdmit(): number {
    const held = new Map<string | undefined, number>();
    for (const e of this.active.values()) held.set(e.job.group, (held.get(e.job.group) ?? 0) + 1);
    let best = 0;
    let bestHeld = Infinity;
    const seen = new Set<string | undefined>();
    this.waiting.forEach((e, i) => {
      const group = e.job.group;
      if (seen.has(group)) return; // only each group's oldest is a candidate
      seen.add(group);
      const h = held.get(group) ?? 0;
      if (h < bestHeld) {
        best = i;
        bestHeld = h;
      }
    });
    return best;
  }

  private async decodeStep(): Promise<void> {
    const batch = this.batch!;
    const tokens = batch.rows.map((r) => this.active.get(r.id)!.lastToken);
    this.counters.maxBatchSize = Math.max(this.counters.maxBatchSize, batch.batchSize);
    this.batch = undefined; // the runner releases the old pack; never reuse it after an error
    this.stepping = batch;
    let step;
    try {
      step = await this.runner.decode(batch, tokens);
    } finally {
      this.stepping = undefined;
    }
    const { logits, kv } = step;
    this.batch = kv;
    this.counters.decodeSteps++;
    kv.rows.forEach((row, i) => {
      const entry = this.active.get(row.id);
      if (!entry || entry.state !== "active") return; // left during the step; dropped next
      this.acceptToken(entry, logits[i]!, row.length);
    });
  }

  /** Let the job pick a token; returns true when the sequence ended with it. */
  private acceptToken(entry: Entry, logits: Float32Array, cachedLength: number): boolean {
    let choice: ReturnType<SequenceJob["next"]>;
    try {
      choice = entry.job.next(logits);
    } catch (error) {
      // One request's failure (a bad sampling setting, a throwing callback) ends only that request.
      this.leave(entry, "error", error as Error, true);
      return true;
    }
    const { token, finish } = choice;
    entry.lastToken = token;
    this.counters.generatedTokens++;
    // The next step would put this token at position `cachedLength`: past the model's reach?
    const reason = finish ?? (cachedLength >= this.options.maxPositions ? "length" : undefined);
    if (reason) {
      this.leave(entry, reason, undefined, true);
      return true;
    }
    return false;
  }

  private cancel(entry: Entry, reason: "abort" | "timeout", error: Error): void {
    if (entry.state === "done") return;
    this.leave(entry, reason, error);
  }

  /** The one exit for every entry: counters, timers, slot, cache, and the job's end callback. */
  private leave(entry: Entry, reason: FinishReason, error?: Error, afterDrop = false): void {
    if (entry.state === "done") return;
    const wasWaiting = entry.state === "waiting";
    entry.state = "done";
    if (entry.timer) clearTimeout(entry.timer);
    entry.removeAbortListener?.();
    if (wasWaiting) {
      const i = this.waiting.indexOf(entry);
      if (i !== -1) this.waiting.splice(i, 1);
    } else {
      // The loop (always running while a slot is held) drops its cache before the next step.
      this.leaving.add(entry.id);
    }
    if (reason === "abort") this.counters.aborted++;
    else if (reason === "timeout") this.counters.timedOut++;
    else if (reason === "error") this.counters.failed++;
    else {
      this.counters.completed++;
      const ms = performance.now() - entry.submittedAt;
      this.averageRequestMs = this.averageRequestMs * 0.8 + ms * 0.2;
    }
    const end = () => {
      try {
        entry.job.end({ reason, error });
      } catch {
        // a job's callback must not take the scheduler down
      }
    };
    if (afterDrop) this.endsAfterDrop.push(end);
    else end();
  }

  private failActive(error: Error): void {
    for (const end of this.endsAfterDrop.splice(0)) end();
    for (const entry of this.active.values()) this.leave(entry, "error", error);
    this.batch?.dispose();
    this.batch = undefined;
    this.active.clear();
    this.leaving.clear();
  }
}
