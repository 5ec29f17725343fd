// Which applications each kind of model can serve: the registry checks assignments against it, a
// folder's declared tasks are filtered by it, and the admin page greys out what it refuses. Pure
// data (the browser imports it): the kinds are db/schema.ts's MODEL_KINDS.
import { APPS, APP_TITLES, type AppName } from "./index";

const APPS_BY_KIND: Record<string, readonly AppName[]> = {
  "causal-lm": APPS,
  // A classifier labels texts; a language model can do sentiment too, by zero-shot scoring.
  classifier: ["sentiment"],
  // Picks sentences of the text: a summary, nothing else (models/loom-extract).
  "extractive-summarizer": ["summarize"],
  // An encoder-decoder (Marian, BART, T5) maps a text to a text: a translation or a summary.
  seq2seq: ["translate", "summarize"],
};

export function kindServes(kind: string, app: AppName): boolean {
  return APPS_BY_KIND[kind]?.includes(app) ?? false;
}

/** Kinds made for fewer applications than a language model serves: on a fresh model store they
 *  are registered first, so they become those applications' defaults before a general LLM does. */
export function isDedicatedKind(kind: string): boolean {
  return kind !== "causal-lm" && kind in APPS_BY_KIND;
}

/** Why `app` cannot use a model of this kind (for the admin page and the 409 message). */
export function kindRefusal(kind: string, app: AppName): string | undefined {
  if (kindServes(kind, app)) return undefined;
  if (app === "summarize")
    return `${APP_TITLES[app]} needs a language model, an encoder-decoder or an extractive summariser.`;
  if (app === "translate") return `${APP_TITLES[app]} needs a language model or an encoder-decoder.`;
  return `${APP_TITLES[app]} needs a language model.`;
}
