// Renders tokenizer_config.json's chat_template (Jinja) with @huggingface/jinja, keeping track of
// which characters came from messages (untrusted) and which from the template (trusted), so the
// tokenizer can refuse to turn user-typed "<|im_end|>" into a control token.
//
// How: each message's content is wrapped in two Unicode noncharacters before rendering; after
// rendering, text between a pair is untrusted and everything else is the template's. The markers
// are stripped from user input first, so a user cannot forge them.

import { Template } from "@huggingface/jinja";
import type { TextPart } from "./tokenizer";

export type ChatRole = "system" | "user" | "assistant" | "tool";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

export interface ChatTemplateOptions {
  addGenerationPrompt?: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Extra variables some templates read (e.g. `tools`, `date_string`). */
  extra?: Record<string, unknown>;
}

const OPEN = "\uFDD0";
const CLOSE = "\uFDD1";
const MARKERS = /[\uFDD0\uFDD1]/g;

export class ChatTemplate {
  private readonly template: Template;

  constructor(readonly source: string) {
    this.template = new Template(source);
  }

  /** Render to parts: template text (trusted) and message contents (untrusted). */
  renderParts(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): TextPart[] {
    const marked = messages.map((m) => ({
      role: m.role,
      content: OPEN + m.content.replace(MARKERS, "") + CLOSE,
    }));
    const rendered = this.template.render({
      ...options.extra,
      messages: marked,
      add_generation_prompt: options.addGenerationPrompt ?? true,
      bos_token: options.bosToken ?? "",
      eos_token: options.eosToken ?? "",
      // (@huggingface/jinja defines raise_exception itself)
    });
    return splitMarkedText(rendered);
  }

  /** Render to a plain string (for display and debugging; encode `renderParts` instead). */
  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.renderParts(messages, options)
      .map((p) => p.text)
      .join("");
  }
}

/** Split rendered text at the markers; unmatched markers (a template that cut one off) are dropped. */
export function splitMarkedText(rendered: string): TextPart[] {
  const parts: TextPart[] = [];
  const push = (text: string, trusted: boolean) => {
    if (text.length === 0) return;
    const last = parts[parts.length - 1];
    if (last && last.trusted === trusted) last.text += text;
    else parts.push({ text, trusted });
  };
  let pos = 0;
  while (pos < rendered.length) {
    const open = rendered.indexOf(OPEN, pos);
    if (open === -1) {
      push(rendered.slice(pos).replace(MARKERS, ""), true);
      break;
    }
    push(rendered.slice(pos, open).replace(MARKERS, ""), true);
    const close = rendered.indexOf(CLOSE, open + 1);
    const end = close === -1 ? rendered.length : close;
    // Whatever the template did to the content (trim, upper-case …), it is still the user's text.
    push(rendered.slice(open + 1, end).replace(MARKERS, ""), false);
    pos = close === -1 ? rendered.length : close + 1;
  }
  return parts;
}

/**
 * A model without a chat template (a base model such as stories260K) continues text: the
 * messages' contents joined by blank lines, all of it untrusted.
 */
export function plainPromptParts(messages: readonly ChatMessage[]): TextPart[] {
  return [{ text: messages.map((m) => m.content).join("\n\n"), trusted: false }];
}

/** tokenizer_config.json's chat_template: a string, or a list of named templates ("default"). */
export function pickChatTemplate(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) {
    const named = value.filter(
      (t): t is { name: string; template: string } =>
        !!t && typeof t === "object" && typeof t.name === "string" && typeof t.template === "string",
    );
    return (named.find((t) => t.name === "default") ?? named[0])?.template;
  }
  return undefined;
}
