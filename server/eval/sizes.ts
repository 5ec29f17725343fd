// How many validation rows each evaluation scores. The counts follow training/evaluate.py:
// translation 150 per Tatoeba direction and 100 per Multi30k one, 100 BBC and 100 short
// summaries, 200 code cuts, 200 replies per task for perplexity (`quick` uses a few of each).
export interface EvalSize {
  translateTatoeba: number;
  translateOther: number;
  summaries: number;
  code: number;
  perplexity: number;
}

export const FULL: EvalSize = {
  translateTatoeba: 150,
  translateOther: 100,
  summaries: 100,
  code: 200,
  perplexity: 200,
};
export const QUICK: EvalSize = { translateTatoeba: 24, translateOther: 24, summaries: 20, code: 40, perplexity: 24 };
