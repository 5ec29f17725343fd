// Incremental detokenisation for streaming. Decoding token by token breaks in two ways: byte-level
// tokens can split one UTF-8 character (CJK, emoji) so a lone token decodes to U+FFFD, and
// SentencePiece-style decoders strip the leading space of whatever comes first, so "▁world"
// alone loses its space. Both are solved by decoding a short window that starts one clean
// boundary back and emitting only what the new token added (the approach of HF's TextStreamer
// and vLLM), and by holding text back while it ends in U+FFFD.
//
// Invariant (tested): the deltas concatenate exactly to `decode(allIds)`. `finish()` re-checks it
// against one full decode and emits whatever is left.

export interface TokenTextDecoder {
  /** Decode ids to text, skipping special tokens; must accept an empty list. */
  decode(ids: readonly number[]): string;
}

const REPLACEMENT_CHAR = "\uFFFD";

export class IncrementalDetokenizer {
  private readonly ids: number[] = [];
  /** Start of the decode window: a token boundary that is also a character boundary. */
  private prefixOffset = 0;
  /** Tokens before this index have been emitted as text. */
  private readOffset = 0;
  private emitted = "";

  constructor(private readonly decoder: TokenTextDecoder) {}

  /** All token ids pushed so far. */
  get tokenIds(): readonly number[] {
    return this.ids;
  }

  /** The text emitted so far (the concatenation of all deltas). */
  get text(): string {
    return this.emitted;
  }

  /** Add one token; returns the new text it completes ("" while a character is still partial). */
  push(id: number): string {
    this.ids.push(id);
    const window = this.ids.slice(this.prefixOffset);
    const prefixText = this.decoder.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const newText = this.decoder.decode(window);
    if (newText.length <= prefixText.length || newText.endsWith(REPLACEMENT_CHAR)) return "";
    if (!newText.startsWith(prefixText)) {
      // A decoder that rewrites earlier text (e.g. clean-up rules) — wait; finish() reconciles.
      return "";
    }
    const delta = newText.slice(prefixText.length);
    this.prefixOffset = this.readOffset;
    this.readOffset = this.ids.length;
    this.emitted += delta;
    return delta;
  }

  /** End of generation: emit whatever is still held back, reconciled against a full decode. */
  finish(): string {
    const full = this.decoder.decode(this.ids);
    if (full.startsWith(this.emitted)) {
      const delta = full.slice(this.emitted.length);
      this.emitted = full;
      this.prefixOffset = this.readOffset = this.ids.length;
      return delta;
    }
    // Should not happen with the decoders in use; never re-emit text the client already has.
    const prefixText = this.decoder.decode(this.ids.slice(this.prefixOffset, this.readOffset));
    const windowText = this.decoder.decode(this.ids.slice(this.prefixOffset));
    const delta = windowText.startsWith(prefixText) ? windowText.slice(prefixText.length) : "";
    this.emitted += delta;
    this.prefixOffset = this.readOffset = this.ids.length;
    return delta;
  }
}
