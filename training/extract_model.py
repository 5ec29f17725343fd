"""SentenceScorer: loom-extract's model. Scores every sentence of a document at once.

    input_ids, attention_mask  [batch, sentences, tokens] int64 (a sentence row of zeros = padding)
    scores                     [batch, sentences] float32 (a logit: higher = more summary-worthy)

A sentence vector (the mean of its token embeddings, or of a small Transformer's outputs over
them when sentence_layers > 0), then a Transformer encoder over the document's sentence vectors, which add the sentence's position (a learned
embedding of its index, clamped, and its relative position in the document): on news, position
alone is most of the signal (lead-3), and the document encoder sees what the other sentences say.
Masks follow EncoderClassifier's (model.py): additive float masks, -1e9, so padding never turns
into NaN and torch stays off the fused fast path that has no ONNX export.
"""
import torch
import torch.nn as nn

from model import MASK_VALUE


def _encoder(cfg, layers):
    layer = nn.TransformerEncoderLayer(
        cfg["hidden_size"], cfg["num_attention_heads"], cfg["intermediate_size"],
        dropout=cfg["hidden_dropout_prob"], activation="gelu", layer_norm_eps=cfg["layer_norm_eps"],
        batch_first=True, norm_first=True,
    )
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def _additive_mask(keep, heads):
    """[rows, len] 1/0 → [rows·heads, len, len] additive attention mask over the keys."""
    R, L = keep.shape
    return ((1.0 - keep) * MASK_VALUE)[:, None, None, :].expand(R, heads, L, L).reshape(R * heads, L, L)


class SentenceScorer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.config = cfg
        d = cfg["hidden_size"]
        self.embed_tokens = nn.Embedding(cfg["vocab_size"], d)
        # sentence_layers 0: a sentence is the mean of its token embeddings (a bag of words, what
        # the shipped model uses: ~10x faster to train than one token-level layer, on shared cores).
        if cfg["sentence_layers"] > 0:
            self.embed_token_positions = nn.Embedding(cfg["max_sentence_tokens"], d)
            self.sentence_encoder = _encoder(cfg, cfg["sentence_layers"])
        self.sentence_norm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.embed_sentence_positions = nn.Embedding(cfg["max_sentence_positions"], d)
        self.relative_position = nn.Linear(1, d)
        self.document_encoder = _encoder(cfg, cfg["document_layers"])
        self.norm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.score = nn.Linear(d, 1)

    def forward(self, input_ids, attention_mask):
        B, N, T = input_ids.shape
        H = self.config["num_attention_heads"]
        ids = input_ids.reshape(B * N, T)
        keep = attention_mask.reshape(B * N, T).to(torch.float32)
        x = self.embed_tokens(ids)
        if self.config["sentence_layers"] > 0:
            x = x + self.embed_token_positions(torch.arange(T, device=ids.device))[None]
            x = self.sentence_encoder(x, mask=_additive_mask(keep, H))
        sent = (x * keep[:, :, None]).sum(1) / keep.sum(1, keepdim=True).clamp(min=1.0)
        sent = self.sentence_norm(sent).reshape(B, N, -1)

        real = (attention_mask.sum(-1) > 0).to(torch.float32)  # [B, N]
        index = torch.arange(N, device=ids.device)
        positions = self.embed_sentence_positions(index.clamp(max=self.config["max_sentence_positions"] - 1))
        count = real.sum(1, keepdim=True)
        relative = index[None].to(torch.float32) / (count - 1.0).clamp(min=1.0)
        h = sent + positions[None] + self.relative_position(relative[:, :, None])
        h = self.norm(self.document_encoder(h, mask=_additive_mask(real, H)))
        return self.score(h).squeeze(-1)
