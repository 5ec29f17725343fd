// How an application decodes: the sampling settings each task picks per mode (chat, code inline
// or block, summary lengths), handed to streamText as they are.
export interface Decoding {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  seed?: number;
}
