"""Checks of training/families.py and the variant rewrites of make_family_fixtures.py (a few seconds):
    /usr/bin/python3 -m unittest training.test_families   (or discover training)"""

import os
import sys
import unittest

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from families import build_model, empty_past, family_config, init_random  # noqa: E402
from make_family_fixtures import q4_quantize, q4_reference  # noqa: E402
from model import LlamaForCausalLM  # noqa: E402

torch.set_num_threads(1)
FAMILIES = ["llama", "mistral", "qwen2", "phi3", "gemma", "gemma2", "gpt2"]


def tiny(family, seed=0):
    cfg = family_config(family, 61, 1, 2, 0)
    return init_random(build_model(cfg), torch.Generator().manual_seed(seed)).eval()


def full(model, ids):
    S = ids.shape[1]
    return model(ids, torch.ones_like(ids), torch.arange(S)[None], empty_past(model.config))[0]


class FamilyTests(unittest.TestCase):
    def test_llama_family_is_the_reference_llama(self):
        """Same state dict → same logits as training/model.py's LlamaForCausalLM (HF names match)."""
        m = tiny("llama")
        ref = LlamaForCausalLM({k: v for k, v in m.config.items()}).eval()
        missing, unexpected = ref.load_state_dict(m.state_dict(), strict=False)
        self.assertEqual((missing, unexpected), ([], []))
        ids = torch.tensor([[3, 7, 11, 5, 9]])
        with torch.no_grad():
            self.assertLess((full(m, ids) - ref(ids)[0]).abs().max().item(), 1e-5)

    def test_cached_steps_equal_the_full_forward(self):
        ids = torch.tensor([[3, 7, 11, 5, 9, 13, 4]])
        for family in FAMILIES:
            with self.subTest(family=family), torch.no_grad():
                m = tiny(family)
                want = full(m, ids)
                logits, past = m(ids[:, :4], torch.ones(1, 4, dtype=torch.long), torch.arange(4)[None], empty_past(m.config))
                rows = [logits[0, -1]]
                for p in range(4, 7):
                    logits, past = m(ids[:, p : p + 1], torch.ones(1, p + 1, dtype=torch.long), torch.tensor([[p]]), past)
                    rows.append(logits[0, -1])
                got = torch.stack(rows)
                self.assertLess((got - want[0, 3:]).abs().max().item(), 1e-5)

    def test_hf_names_and_quirks(self):
        names = {f: set(tiny(f).state_dict()) for f in FAMILIES}
        self.assertIn("model.layers.0.self_attn.qkv_proj.weight", names["phi3"])
        self.assertIn("model.layers.0.mlp.gate_up_proj.weight", names["phi3"])
        self.assertIn("model.layers.0.self_attn.q_proj.bias", names["qwen2"])
        self.assertNotIn("model.layers.0.self_attn.o_proj.bias", names["qwen2"])
        self.assertIn("model.layers.0.pre_feedforward_layernorm.weight", names["gemma2"])
        self.assertIn("model.layers.0.post_feedforward_layernorm.weight", names["gemma2"])
        for n in ("transformer.wte.weight", "transformer.wpe.weight", "transformer.h.0.attn.c_attn.weight",
                  "transformer.h.0.mlp.c_fc.bias", "transformer.ln_f.bias"):
            self.assertIn(n, names["gpt2"])
        g2 = tiny("gpt2")
        self.assertEqual(tuple(g2.transformer.h[0].attn.c_attn.weight.shape), (32, 96))  # Conv1D: [in, out]
        for f in ("qwen2", "gemma2", "gpt2"):
            m = tiny(f)
            self.assertIs(m.lm_head.weight, (m.transformer.wte if f == "gpt2" else m.model.embed_tokens).weight)
        gemma = tiny("gemma2")
        cfg = gemma.config
        self.assertNotEqual(cfg["head_dim"] * cfg["num_attention_heads"], cfg["hidden_size"])

    def test_gemma2_soft_caps_and_scales(self):
        """Final logits never leave ±final_logit_softcapping, however large the head's weights."""
        m = tiny("gemma2")
        with torch.no_grad():
            m.lm_head.weight.mul_(1000.0)  # tied: the embedding grows too
            logits = full(m, torch.tensor([[3, 7, 11]]))
        self.assertLessEqual(logits.abs().max().item(), m.config["final_logit_softcapping"] + 1e-4)
        self.assertGreater(logits.abs().max().item(), 0.9 * m.config["final_logit_softcapping"])

    def test_gpt2_positions_are_learned(self):
        """GPT-2 reads positions from position_ids (wpe): the same ids at other positions give other logits."""
        m = tiny("gpt2")
        ids = torch.tensor([[3, 7, 11]])
        with torch.no_grad():
            a = m(ids, torch.ones_like(ids), torch.tensor([[0, 1, 2]]), empty_past(m.config))[0]
            b = m(ids, torch.ones_like(ids), torch.tensor([[5, 6, 7]]), empty_past(m.config))[0]
        self.assertGreater((a - b).abs().max().item(), 1e-3)

    def test_q4_packing_round_trip(self):
        """Packed nibbles unpack to the quantised values; dequantised weights are within half a step."""
        rng = np.random.default_rng(0)
        w = rng.normal(size=(32, 5)).astype(np.float32)
        packed, scales, deq = q4_quantize(w)
        self.assertEqual(packed.shape, (5, 2, 8))
        low, high = packed & 0x0F, packed >> 4
        q = np.empty((5, 2, 16), dtype=np.int32)
        q[:, :, 0::2], q[:, :, 1::2] = low, high
        rebuilt = ((q - 8) * scales.reshape(5, 2)[:, :, None]).reshape(5, 32).T
        np.testing.assert_allclose(rebuilt, deq, atol=1e-7)
        step = np.repeat(scales.reshape(5, 2), 16, axis=1).T
        self.assertTrue(np.all(np.abs(w - deq) <= step / 2 + 1e-6))

    def test_q4_reference_keeps_the_embedding_exact(self):
        m = tiny("qwen2")
        ref = q4_reference(m)
        self.assertTrue(torch.equal(ref.model.embed_tokens.weight, m.model.embed_tokens.weight))
        self.assertFalse(torch.equal(ref.lm_head.weight, m.lm_head.weight))
        self.assertIs(m.lm_head.weight, m.model.embed_tokens.weight, "the original stays tied")


if __name__ == "__main__":
    unittest.main()
