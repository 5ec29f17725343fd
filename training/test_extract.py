"""Fast checks of the extractive summariser's model and selection (no data sets needed)."""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extract_data import lead, select  # noqa: E402
from extract_model import SentenceScorer  # noqa: E402

CFG = {"vocab_size": 50, "hidden_size": 16, "intermediate_size": 32, "num_attention_heads": 2,
       "sentence_layers": 0, "document_layers": 1, "hidden_dropout_prob": 0.0, "layer_norm_eps": 1e-5,
       "max_sentence_tokens": 8, "max_sentence_positions": 4}


class ExtractTest(unittest.TestCase):
    def test_padding_sentences_and_tokens_do_not_change_real_scores(self):
        torch.manual_seed(0)
        m = SentenceScorer(CFG).eval()
        ids = torch.randint(0, 50, (1, 3, 5))
        mask = torch.ones(1, 3, 5, dtype=torch.long)
        with torch.no_grad():
            base = m(ids, mask)
            # one more (padding) sentence and two more padding tokens a sentence
            ids2 = torch.zeros(1, 4, 7, dtype=torch.long)
            mask2 = torch.zeros(1, 4, 7, dtype=torch.long)
            ids2[:, :3, :5], mask2[:, :3, :5] = ids, 1
            padded = m(ids2, mask2)
        self.assertEqual(tuple(padded.shape), (1, 4))
        self.assertTrue(torch.allclose(base, padded[:, :3], atol=1e-5))

    def test_positions_past_the_table_are_clamped(self):
        m = SentenceScorer(CFG).eval()
        with torch.no_grad():
            out = m(torch.randint(0, 50, (2, 9, 3)), torch.ones(2, 9, 3, dtype=torch.long))
        self.assertEqual(tuple(out.shape), (2, 9))
        self.assertTrue(torch.isfinite(out).all())

    def test_select_is_top_k_in_document_order_and_lead_skips_the_headline(self):
        self.assertEqual(select([0.1, 0.9, 0.5, 0.7], 2), [1, 3])
        self.assertEqual(select([1.0, 1.0, 0.0], 1), [0])
        doc = {"sentences": ["Headline", "a.", "b.", "c.", "d."], "body_start": 1}
        self.assertEqual(lead(doc, 3), [1, 2, 3])


if __name__ == "__main__":
    unittest.main()
