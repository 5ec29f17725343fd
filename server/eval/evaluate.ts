// Scores loaded models on the validation split through the engine, with the prompts the apps
// send (the app modules and the model's loom-prompts.json), greedy decoding, and the metric
// definitions of training/evaluate.py, so both report comparable numbers for the same rows. The
// chat probes are also decoded as the chat app samples, since that is what users read.
//
// One module per evaluated skill; this one is what scripts/eval.ts, report.ts and the tests import.
export { FULL, QUICK, type EvalSize } from "./sizes";
export { greedyReply, type Sample } from "./replies";
export { evaluateSentiment, type SentimentEval } from "./sentiment";
export { evaluateTranslation, type TranslationEval } from "./translation";
export { evaluateSummaries, type SummaryEval } from "./summaries";
export { evaluateCode, type CodeEval } from "./code";
export { evaluatePerplexity, type PerplexityEval } from "./perplexity";
export {
  CHAT_PROBES,
  evaluateChatLanguage,
  mentions,
  PROBE_SEEDS,
  replyLanguage,
  type ChatLanguageEval,
  type ProbeDecoding,
} from "./chat-probes";
