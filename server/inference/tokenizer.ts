// The model's tokenizer (tokenizer.json + tokenizer_config.json) via @huggingface/tokenizers,
// with the two things a chat server needs on top:
//  - text that came from a user is "untrusted": special-token text in it (say "<|im_end|>")
//    must encode as ordinary characters, never as the control token, or a user could close
//    their own turn and write the assistant's. tokenizers.js matches added tokens anywhere in
//    the string, so untrusted text is encoded by a second tokenizer instance that has no
//    special added tokens, and special tokens are only recognised in trusted (template) text;
//  - decode([]) throws in tokenizers.js; here it is "".

import { Tokenizer } from "@huggingface/tokenizers";

export interface TextPart {
  text: string;
  /** Trusted text (a chat template's own markup) may contain special tokens; user text may not. */
  trusted: boolean;
}

export interface EncodeOptions {
  /** Add the tokenizer's own special tokens (BOS, CLS/SEP …) as the post-processor says. */
  addSpecialTokens?: boolean;
}

interface AddedTokenJson {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
  normalized?: boolean;
}

type JsonObject = Record<string, unknown>;

/** tokenizer_config.json keeps special tokens either as strings or as {content: "..."} objects. */
function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as JsonObject).content === "string")
    return (value as { content: string }).content;
  return undefined;
}

export class LoomTokenizer {
  private readonly full: Tokenizer;
  /** Same vocabulary and pipeline without special added tokens: encodes untrusted text literally. */
  private readonly plain: Tokenizer;
  /** For Metaspace "first" pre-tokenizers: encodes a section that is not the first one. */
  private readonly plainNotFirst: Tokenizer;
  private readonly specialTokens: AddedTokenJson[];
  private readonly specialIds: Set<number>;
  private readonly prefixIds: number[];
  private readonly suffixIds: number[];

  readonly bosToken: string | undefined;
  readonly eosToken: string | undefined;
  readonly padToken: string | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  /** Size of the id space (base vocabulary plus added tokens). */
  readonly vocabSize: number;

  constructor(
    tokenizerJson: JsonObject,
    readonly config: JsonObject,
  ) {
    // Round trips break with clean-up on (" ." → "."), and streamed deltas would not add up.
    const cfg = { ...config, clean_up_tokenization_spaces: false };
    this.full = new Tokenizer(tokenizerJson, cfg);
    const added = ((tokenizerJson.added_tokens as AddedTokenJson[] | undefined) ?? []).slice();
    this.specialTokens = added
      .filter((t) => t.special)
      // Longest first, so "<|im_start|>" wins over a hypothetical "<|im".
      .sort((a, b) => b.content.length - a.content.length);
    this.specialIds = new Set(this.specialTokens.map((t) => t.id));
    const plainJson = { ...tokenizerJson, added_tokens: added.filter((t) => !t.special) };
    this.plain = new Tokenizer(plainJson, cfg);
    this.plainNotFirst = hasFirstOnlyPrefixSpace(tokenizerJson)
      ? new Tokenizer({ ...plainJson, pre_tokenizer: withoutFirstPrefix(tokenizerJson.pre_tokenizer) }, cfg)
      : this.plain;

    // What the post-processor wraps around a sequence (BOS …, … EOS/SEP), learnt from one probe.
    const probe = "a";
    const bare = this.full.encode(probe, { add_special_tokens: false }).ids;
    const wrapped = this.full.encode(probe, { add_special_tokens: true }).ids;
    const at = indexOfSequence(wrapped, bare);
    this.prefixIds = at >= 0 ? wrapped.slice(0, at) : [];
    this.suffixIds = at >= 0 ? wrapped.slice(at + bare.length) : [];

    this.bosToken = tokenText(config.bos_token);
    this.eosToken = tokenText(config.eos_token);
    this.padToken = tokenText(config.pad_token);
    this.bosTokenId = this.bosToken !== undefined ? this.full.token_to_id(this.bosToken) : undefined;
    this.eosTokenId = this.eosToken !== undefined ? this.full.token_to_id(this.eosToken) : undefined;
    this.padTokenId = this.padToken !== undefined ? this.full.token_to_id(this.padToken) : undefined;
    let maxId = 0;
    for (const id of this.full.get_vocab(true).values()) if (id > maxId) maxId = id;
    this.vocabSize = maxId + 1;
  }

  /** Encode trusted text: special-token text in it becomes the special token. */
  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.encodeParts([{ text, trusted: true }], options);
  }

  /** Encode text from a user: nothing in it can become a control token. */
  encodeUntrusted(text: string, options: EncodeOptions = {}): number[] {
    return this.encodeParts([{ text, trusted: false }], options);
  }

  /**
   * Encode a sequence of parts as one text. Special tokens are only recognised inside trusted
   * parts; everything else — including untrusted parts and the text between special tokens —
   * goes through the normal pipeline (normaliser, pre-tokeniser, BPE) as tokenizers.js does.
   */
  encodeParts(parts: readonly TextPart[], options: EncodeOptions = {}): number[] {
    // Split into sections: special tokens found in trusted text, and plain runs between them.
    type Section = { special: AddedTokenJson } | { text: string };
    const sections: Section[] = [];
    let run = "";
    const flushRun = () => {
      if (run.length > 0) sections.push({ text: run });
      run = "";
    };
    for (const part of parts) {
      if (!part.trusted || this.specialTokens.length === 0) {
        run += part.text;
        continue;
      }
      let rest = part.text;
      while (rest.length > 0) {
        const found = this.findSpecial(rest);
        if (!found) {
          run += rest;
          break;
        }
        run += rest.slice(0, found.at);
        if (found.token.lstrip) run = run.trimEnd();
        flushRun();
        sections.push({ special: found.token });
        rest = rest.slice(found.at + found.token.content.length);
        if (found.token.rstrip) rest = rest.trimStart();
      }
    }
    flushRun();

    const ids: number[] = [];
    if (options.addSpecialTokens) ids.push(...this.prefixIds);
    sections.forEach((section, index) => {
      if ("special" in section) {
        ids.push(section.special.id);
        return;
      }
      // tokenizers.js numbers sections (special tokens included) for "prefix space on the first
      // section only" pre-tokenisers; mirror that.
      const tokenizer = index === 0 ? this.plain : this.plainNotFirst;
      ids.push(...tokenizer.encode(section.text, { add_special_tokens: false }).ids);
    });
    if (options.addSpecialTokens) ids.push(...this.suffixIds);
    return ids;
  }

  private findSpecial(text: string): { at: number; token: AddedTokenJson } | undefined {
    let best: { at: number; token: AddedTokenJson } | undefined;
    for (const token of this.specialTokens) {
      const at = text.indexOf(token.content);
      // Earliest match wins; at equal positions the longer token (sorted first) wins.
      if (at !== -1 && (best === undefined || at < best.at)) best = { at, token };
    }
    return best;
  }

  /** Decode to text. Special tokens are skipped unless asked for; [] is "". */
  decode(ids: readonly number[], options: { skipSpecialTokens?: boolean } = {}): string {
    const skip = options.skipSpecialTokens ?? true;
    const kept = skip ? ids.filter((id) => !this.specialIds.has(id)) : ids;
    if (kept.length === 0) return "";
    return this.full.decode(kept as number[], {
      skip_special_tokens: skip,
      clean_up_tokenization_spaces: false,
    });
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }

  tokenToId(token: string): number | undefined {
    return this.full.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.full.id_to_token(id);
  }
}

function indexOfSequence(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function hasFirstOnlyPrefixSpace(tokenizerJson: JsonObject): boolean {
  return JSON.stringify(tokenizerJson.pre_tokenizer ?? null).includes('"prepend_scheme":"first"');
}

/** A copy of a pre-tokenizer config with Metaspace's "first" prefix scheme turned to "never". */
function withoutFirstPrefix(preTokenizer: unknown): unknown {
  return JSON.parse(JSON.stringify(preTokenizer).replaceAll('"prepend_scheme":"first"', '"prepend_scheme":"never"'));
}
