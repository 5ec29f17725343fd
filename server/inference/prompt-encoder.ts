// From a request to the token ids the model is fed: exactly one of chat messages (through the
// model's chat template, or joined for a base model), untrusted raw text, or token ids as they are.

import { ChatTemplate, pickChatTemplate, plainPromptParts } from "./chat-template";
import { InvalidRequestError, ModelFolderError } from "./errors";
import type { GenerateRequest } from "./loaded-model";
import type { ModelFolder } from "./model-folder";
import type { LoomTokenizer } from "./tokenizer";

export type PromptEncoder = (request: GenerateRequest) => number[];

/** tokenizer_config.json's chat template, when the folder has one (a base model has none). */
export function loadChatTemplate(folder: ModelFolder): ChatTemplate | undefined {
  const source = pickChatTemplate(folder.tokenizerConfig.chat_template);
  if (!source) return undefined;
  try {
    return new ChatTemplate(source);
  } catch (e) {
    throw new ModelFolderError(
      folder.dir,
      "tokenizer_config.json",
      `chat_template does not parse (${(e as Error).message})`,
      "chat_template",
    );
  }
}

export function createPromptEncoder(
  tokenizer: LoomTokenizer,
  chatTemplate: ChatTemplate | undefined,
  vocabSize: number,
): PromptEncoder {
  return (request) => {
    const given = [request.messages, request.prompt, request.promptIds].filter((x) => x !== undefined).length;
    if (given !== 1) throw new InvalidRequestError("give exactly one of messages, prompt or promptIds");
    if (request.promptIds) {
      for (const t of request.promptIds)
        if (!Number.isInteger(t) || t < 0 || t >= vocabSize)
          throw new InvalidRequestError(`token id ${t} is outside the vocabulary (0..${vocabSize - 1})`);
      return request.promptIds.slice();
    }
    if (request.prompt !== undefined)
      return tokenizer.encodeUntrusted(request.prompt, { addSpecialTokens: request.addSpecialTokens ?? true });
    const messages = request.messages!;
    if (!chatTemplate) return tokenizer.encodeParts(plainPromptParts(messages), { addSpecialTokens: true });
    let parts;
    try {
      parts = chatTemplate.renderParts(messages, {
        addGenerationPrompt: true,
        bosToken: tokenizer.bosToken,
        eosToken: tokenizer.eosToken,
      });
    } catch (e) {
      // Templates reject some conversations themselves (roles out of order, a system message
      // they do not take): that is the request's fault, not the server's.
      throw new InvalidRequestError(`the model's chat template refused these messages: ${(e as Error).message}`);
    }
    // As transformers' apply_chat_template: the template places BOS itself when it wants one.
    return tokenizer.encodeParts(parts, { addSpecialTokens: false });
  };
}
