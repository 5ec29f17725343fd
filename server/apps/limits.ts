// Input size limits per application, in characters. Routes answer 413 with these numbers; pages
// show them. Summaries take long inputs (they are chunked); the others must fit the model's context.
export const INPUT_LIMITS = {
  chatMessage: 8_000,
  summarizeText: 100_000,
  translateText: 5_000,
  codeContext: 20_000,
  sentimentTexts: 200,
  sentimentTextChars: 5_000,
  sentimentTotalChars: 200_000,
} as const;
