// When a generation ends: an end-of-sequence token, a stop sequence in the text, or the token
// budget. Stop sequences are matched on text (they may span tokens), so the filter holds back
// any tail that could still become a stop sequence and never shows the user part of one.

export type FinishReason = "eos" | "stop-sequence" | "length" | "abort" | "timeout" | "error";

export class StopSequenceFilter {
  private held = "";
  private readonly stops: string[];

  constructor(stopSequences: readonly string[] = []) {
    this.stops = stopSequences.filter((s) => s.length > 0);
  }

  get active(): boolean {
    return this.stops.length > 0;
  }

  /**
   * Feed the next text delta. Returns the text that is safe to show now and whether a stop
   * sequence was completed (the stop sequence itself and anything after it are dropped).
   */
  push(delta: string): { text: string; stopped: boolean } {
    if (this.stops.length === 0) return { text: delta, stopped: false };
    const pending = this.held + delta;
    let first = -1;
    for (const stop of this.stops) {
      const at = pending.indexOf(stop);
      if (at !== -1 && (first === -1 || at < first)) first = at;
    }
    if (first !== -1) {
      this.held = "";
      return { text: pending.slice(0, first), stopped: true };
    }
    const keep = this.longestStopPrefixSuffix(pending);
    this.held = pending.slice(pending.length - keep);
    return { text: pending.slice(0, pending.length - keep), stopped: false };
  }

  /** At the end of generation the held-back tail turned out not to be a stop sequence: release it. */
  flush(): string {
    const rest = this.held;
    this.held = "";
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop sequence. */
  private longestStopPrefixSuffix(text: string): number {
    let best = 0;
    for (const stop of this.stops) {
      const max = Math.min(stop.length - 1, text.length);
      for (let n = max; n > best; n--) {
        if (text.endsWith(stop.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}

/** End-of-sequence token ids, from every place a HF folder may declare them. */
export function collectEosTokenIds(...sources: Array<number | readonly number[] | null | undefined>): Set<number> {
  const ids = new Set<number>();
  for (const source of sources) {
    if (source === null || source === undefined) continue;
    if (typeof source === "number") ids.add(source);
    else for (const id of source) ids.add(id);
  }
  return ids;
}
