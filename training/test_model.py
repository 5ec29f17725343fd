"""Fast checks of the reference models (a few seconds):  /usr/bin/python3 -m unittest discover training"""

import math
import os
import sys
import tempfile
import unittest

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert_llama2c import permute_rotary  # noqa: E402
from decoder_job import lm_loss  # noqa: E402
from model import EncoderClassifier, LlamaForCausalLM, empty_past, encoder_config, llama_config  # noqa: E402
from tokenizer import ByteLevelBPE, train_bpe  # noqa: E402
from train import autocast, bf16_cpu_supported  # noqa: E402

torch.set_num_threads(min(2, os.cpu_count() or 1))

CFG = dict(vocab_size=97, hidden_size=32, intermediate_size=48, num_hidden_layers=2,
           num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64)


def tiny(**over):
    g = torch.Generator().manual_seed(0)
    return LlamaForCausalLM({**CFG, **over}).init_weights(std=0.1, generator=g).eval()


def reference_forward(m, ids):
    """Independent per-head LLaMA forward (HF-style repeat_kv), no cache, no padding."""
    c = m.config
    S, H, KV, D = ids.shape[1], c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    sd = m.state_dict()

    def norm(x, w):
        return x / torch.sqrt((x * x).mean(-1, keepdim=True) + c["rms_norm_eps"]) * w

    pos = torch.arange(S).float()
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, D, 2).float() / D))
    ang = torch.cat([pos[:, None] * inv, pos[:, None] * inv], -1)

    def rope(t):  # t [S, D]
        return t * ang.cos() + torch.cat([-t[:, D // 2:], t[:, : D // 2]], -1) * ang.sin()

    x = sd["model.embed_tokens.weight"][ids[0]]
    for i in range(c["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = norm(x, sd[p + "input_layernorm.weight"])
        q, k, v = (h @ sd[p + f"self_attn.{n}_proj.weight"].T for n in "qkv")
        heads = []
        for hd in range(H):
            kv = hd // (H // KV)
            qh, kh, vh = rope(q[:, hd * D:(hd + 1) * D]), rope(k[:, kv * D:(kv + 1) * D]), v[:, kv * D:(kv + 1) * D]
            s = qh @ kh.T / math.sqrt(D) + torch.triu(torch.full((S, S), float("-inf")), 1)
            heads.append(F.softmax(s, -1) @ vh)
        x = x + torch.cat(heads, -1) @ sd[p + "self_attn.o_proj.weight"].T
        h = norm(x, sd[p + "post_attention_layernorm.weight"])
        g, u = h @ sd[p + "mlp.gate_proj.weight"].T, h @ sd[p + "mlp.up_proj.weight"].T
        x = x + (F.silu(g) * u) @ sd[p + "mlp.down_proj.weight"].T
    return norm(x, sd["model.norm.weight"]) @ sd["lm_head.weight"].T


class TestLlama(unittest.TestCase):
    def test_hf_state_dict_names(self):
        names = set(tiny().state_dict())
        expected = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
        for i in range(2):
            p = f"model.layers.{i}."
            expected |= {p + f"self_attn.{n}_proj.weight" for n in "qkvo"}
            expected |= {p + f"mlp.{n}_proj.weight" for n in ("gate", "up", "down")}
            expected |= {p + "input_layernorm.weight", p + "post_attention_layernorm.weight"}
        self.assertEqual(names, expected)
        sd = tiny().state_dict()
        self.assertEqual(tuple(sd["model.layers.0.self_attn.k_proj.weight"].shape), (16, 32))  # 2 kv heads × 8

    def test_tied_embeddings(self):
        m = tiny(tie_word_embeddings=True)
        self.assertIs(m.lm_head.weight, m.model.embed_tokens.weight)

    @torch.no_grad()
    def test_matches_independent_reference(self):
        m = tiny()
        ids = torch.randint(0, 97, (1, 9), generator=torch.Generator().manual_seed(1))
        logits, _ = m(ids)
        self.assertLess((logits[0] - reference_forward(m, ids)).abs().max().item(), 1e-5)

    @torch.no_grad()
    def test_cached_decoding_equals_uncached_forward(self):
        m = tiny()
        ids = torch.randint(0, 97, (2, 12), generator=torch.Generator().manual_seed(2))
        full, presents = m(ids)
        logits, past = m(ids[:, :5], past_key_values=empty_past(m.config, 2))  # prefill, zero-length past
        rows = [logits]
        for t in range(5, 12):
            step, past = m(ids[:, t:t + 1], torch.ones(2, t + 1, dtype=torch.long), torch.full((2, 1), t), past)
            rows.append(step)
        self.assertLess((torch.cat(rows, 1) - full).abs().max().item(), 1e-5)
        # the cache keeps kv heads unrepeated: [batch, kv_heads, len, head_dim]
        self.assertEqual(tuple(past[0][0].shape), (2, 2, 12, 8))
        self.assertLess((past[1][1] - presents[1][1]).abs().max().item(), 1e-5)

    @torch.no_grad()
    def test_left_padding_matches_unpadded(self):
        m = tiny()
        ids = torch.randint(0, 97, (1, 6), generator=torch.Generator().manual_seed(3))
        alone, _ = m(ids)
        padded = torch.cat([torch.zeros(1, 3, dtype=torch.long), ids], 1)
        mask = torch.tensor([[0, 0, 0, 1, 1, 1, 1, 1, 1]])
        pos = torch.tensor([[1, 1, 1, 0, 1, 2, 3, 4, 5]])
        out, _ = m(padded, mask, pos)
        self.assertFalse(torch.isnan(out).any())  # padded query rows see nothing: finite, not NaN
        self.assertLess((out[:, 3:] - alone).abs().max().item(), 1e-5)

    def test_rotary_permutation_matches_interleaved_rope(self):
        """llama2.c rotates pairs (2i, 2i+1); after permute_rotary, rotate_half gives the same scores."""
        torch.manual_seed(4)
        H, D, d = 2, 8, 16
        wq, wk, x = torch.randn(H * D, d), torch.randn(H * D, d), torch.randn(5, d)
        pos = torch.arange(5).float()[:, None]
        inv = 1.0 / (10000 ** (torch.arange(0, D, 2).float() / D))

        def interleaved(t):  # t [S, D]
            c = torch.view_as_complex(t.view(5, D // 2, 2).contiguous()) * torch.polar(torch.ones(5, D // 2), pos * inv)
            return torch.view_as_real(c).reshape(5, D)

        def half(t):
            ang = torch.cat([pos * inv, pos * inv], -1)
            return t * ang.cos() + torch.cat([-t[:, D // 2:], t[:, : D // 2]], -1) * ang.sin()

        q0, k0 = (x @ wq.T).view(5, H, D), (x @ wk.T).view(5, H, D)
        q1, k1 = (x @ permute_rotary(wq, H).T).view(5, H, D), (x @ permute_rotary(wk, H).T).view(5, H, D)
        for h in range(H):
            s0 = interleaved(q0[:, h]) @ interleaved(k0[:, h]).T
            s1 = half(q1[:, h]) @ half(k1[:, h]).T
            self.assertLess((s0 - s1).abs().max().item(), 1e-4)

    def test_onnx_export_io_names(self):
        import onnx

        from export_onnx import export_decoder_onnx

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.onnx")
            export_decoder_onnx(tiny(), path)
            g = onnx.load(path).graph
        self.assertEqual([i.name for i in g.input], ["input_ids", "attention_mask", "position_ids",
                         "past_key_values.0.key", "past_key_values.0.value", "past_key_values.1.key", "past_key_values.1.value"])
        self.assertEqual([o.name for o in g.output], ["logits", "present.0.key", "present.0.value", "present.1.key", "present.1.value"])
        dims = [d.dim_param or d.dim_value for d in g.input[3].type.tensor_type.shape.dim]
        self.assertEqual(dims, ["batch_size", 2, "past_sequence_length", 8])

    def test_fp32_export_has_no_casts_around_softmax(self):
        """The softmax kept in fp32 under bf16 autocast is a no-op in an fp32 export."""
        import onnx

        from export_onnx import export_decoder_onnx

        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.onnx")
            export_decoder_onnx(tiny(), path)
            nodes = onnx.load(path).graph.node
        producer = {out: n for n in nodes for out in n.output}
        softmaxes = [n for n in nodes if n.op_type == "Softmax"]
        self.assertEqual(len(softmaxes), CFG["num_hidden_layers"])
        for sm in softmaxes:
            self.assertNotEqual(producer[sm.input[0]].op_type, "Cast")
            consumers = [n for n in nodes if sm.output[0] in n.input]
            self.assertNotIn("Cast", [n.op_type for n in consumers])

    @unittest.skipUnless(bf16_cpu_supported(), "this CPU has no native bf16 matmuls (training falls back to fp32)")
    def test_bf16_autocast_loss_matches_fp32(self):
        m = tiny().train()
        g = torch.Generator().manual_seed(1)
        ids = torch.randint(0, CFG["vocab_size"], (3, 40), generator=g)
        w = torch.ones(3, 40)
        fp32 = float(lm_loss(m, ids, w))
        bf16 = float(lm_loss(m, ids, w, autocast(torch.device("cpu"), "bf16")))
        self.assertNotEqual(fp32, bf16, "autocast took effect")
        self.assertAlmostEqual(fp32, bf16, delta=0.01 * fp32)


class TestClassifier(unittest.TestCase):
    @torch.no_grad()
    def test_padding_does_not_change_logits(self):
        torch.manual_seed(0)
        m = EncoderClassifier(encoder_config(["negative", "positive"], vocab_size=50)).eval()
        ids = torch.randint(0, 50, (1, 5))
        alone = m(ids)
        padded = m(torch.cat([ids, torch.zeros(1, 3, dtype=torch.long)], 1), torch.tensor([[1] * 5 + [0] * 3]))
        self.assertEqual(tuple(alone.shape), (1, 2))
        self.assertLess((alone - padded).abs().max().item(), 1e-5)
        self.assertFalse(torch.isnan(m(ids, torch.zeros_like(ids))).any())


class TestTokenizer(unittest.TestCase):
    def test_bpe_round_trip_and_specials(self):
        texts = ["the cat sat on the mat", "the dog sat on the log", "你好，世界。你好！", "def f(x): return x"] * 3
        vocab, merges = train_bpe(texts, 300)
        tok = ByteLevelBPE(vocab, merges)
        self.assertEqual(sorted(vocab.values()), list(range(len(vocab))))
        for t in texts + ["unseen wörds 🎉", "<|im_start|>user\nhi<|im_end|>\n"]:
            self.assertEqual(tok.decode(tok.encode(t)), t)
        self.assertEqual(tok.encode("<|im_end|>"), [vocab["<|im_end|>"]])
        self.assertLess(len(tok.encode("the cat sat")), len("the cat sat"))
        self.assertEqual(ByteLevelBPE.from_json(tok.to_json()).encode("the mat"), tok.encode("the mat"))


if __name__ == "__main__":
    unittest.main()
