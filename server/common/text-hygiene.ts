// One rule for text that reaches the database. PostgreSQL refuses NUL (U+0000) in text and in
// jsonb, and jsonb refuses a lone surrogate's \u escape; JavaScript strings may hold both (a
// form field, a query string, a token the model decoded). User input with either is refused
// with a message naming the problem (textProblem); model output is cleaned (sanitizeForStorage),
// since what the model said is kept, not refused.

const NUL = "\u0000";
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
// Without the u flag, so that the pattern sees UTF-16 code units.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text with NUL characters removed and each lone surrogate replaced by U+FFFD. */
export function sanitizeForStorage(text: string): string {
  return text.replaceAll(NUL, "").replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * What makes this text unfit for storage, phrased to follow a field's name
 * ("Message contains a NUL character (U+0000)."), or undefined when it is fine.
 */
export function textProblem(text: string): string | undefined {
  if (text.includes(NUL)) return "contains a NUL character (U+0000)";
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(text)) return "contains an unpaired surrogate (text that is not valid Unicode)";
  return undefined;
}

/**
 * sanitizeForStorage for text that arrives in pieces (a model's deltas): a piece that ends with
 * the first half of a surrogate pair keeps it for the next piece, so a pair split across two
 * pieces survives. `end()` gives what is left (a half never completed becomes U+FFFD).
 */
export function createDeltaSanitizer() {
  let held = "";
  return {
    push(piece: string): string {
      const text = held + piece;
      const last = text.charCodeAt(text.length - 1);
      const split = last >= 0xd800 && last <= 0xdbff;
      held = split ? text.slice(-1) : "";
      return sanitizeForStorage(split ? text.slice(0, -1) : text);
    },
    end(): string {
      const rest = sanitizeForStorage(held);
      held = "";
      return rest;
    },
  };
}
