#!/usr/bin/python3
"""Tiny random Llama-family checkpoints and their logits, for
tests/train/test_forward_archs.cpp.

An independent reference forward pass in PyTorch, float64, written from the
Hugging Face modeling code's definitions (modeling_llama / mistral / qwen2 /
qwen3 and modeling_rope_utils._compute_llama3_parameters): RoPE as
cat(freqs, freqs) with rotate_half, repeat_kv for grouped-query attention, an
additive causal mask, SwiGLU. It shares nothing with ctscope's C++ forward.

Each fixture is a folder <name>/ with config.json (key names as in the real
configs of the model family), model.safetensors (F16, written here by hand:
8-byte header length, JSON header, data) and logits.f32 (little-endian
float32 [T, vocab] for the token ids in reference.json).

Run once with /usr/bin/python3 (torch 1.13): python3 reference_forward.py
"""
import json
import math
import os
import struct

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- reference forward ---------------------------------------------------------------------------

def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def inv_freq(cfg, head_dim):
    base = cfg["rope_theta"]
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    rs = cfg.get("rope_scaling")
    if rs is None:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":
        factor = rs["factor"]
        low, high = rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, inv_l)
    raise ValueError(kind)


def forward(cfg, w, ids):
    d = cfg["hidden_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or d // H
    eps = cfg["rms_norm_eps"]
    T = len(ids)
    pos = torch.arange(T, dtype=torch.float64)
    freqs = torch.outer(pos, inv_freq(cfg, hd))
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos(), emb.sin()  # [T, hd]
    mask = torch.full((T, T), float("-inf"), dtype=torch.float64).triu(1)
    window = cfg.get("sliding_window") if cfg.get("use_sliding_window", True) else None
    if window is not None:
        assert T <= window, "the reference does not model the window either"

    h = w["model.embed_tokens.weight"][torch.tensor(ids)]
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        lin = lambda x, n: x @ w[p + n + ".weight"].T + (w[p + n + ".bias"] if p + n + ".bias" in w else 0)
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = lin(x, "self_attn.q_proj").view(T, H, hd)
        k = lin(x, "self_attn.k_proj").view(T, KV, hd)
        v = lin(x, "self_attn.v_proj").view(T, KV, hd)
        if p + "self_attn.q_norm.weight" in w:
            q = rms_norm(q, w[p + "self_attn.q_norm.weight"], eps)
            k = rms_norm(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)  # [heads, T, hd]
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=0)  # repeat_kv
        v = v.repeat_interleave(H // KV, dim=0)
        att = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd) + mask, dim=-1) @ v
        h = h + lin(att.transpose(0, 1).reshape(T, H * hd), "self_attn.o_proj")
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        g = lin(x, "mlp.gate_proj")
        h = h + lin(torch.nn.functional.silu(g) * lin(x, "mlp.up_proj"), "mlp.down_proj")
    x = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return x @ head.T


# ---- fixtures ------------------------------------------------------------------------------------

def make_weights(cfg, gen, qkv_bias=False, qk_norm=False):
    d, f, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, KV = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = cfg.get("head_dim") or d // H
    out = {}

    def rnd(name, shape, scale, offset=0.0):
        t = torch.randn(shape, generator=gen, dtype=torch.float64) * scale + offset
        out[name] = t.to(torch.float16)  # stored as F16; the reference uses these values

    rnd("model.embed_tokens.weight", (V, d), 1.0)
    for l in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{l}."
        rnd(p + "input_layernorm.weight", (d,), 0.1, 1.0)
        rnd(p + "self_attn.q_proj.weight", (H * hd, d), d ** -0.5)
        rnd(p + "self_attn.k_proj.weight", (KV * hd, d), d ** -0.5)
        rnd(p + "self_attn.v_proj.weight", (KV * hd, d), d ** -0.5)
        if qkv_bias:
            rnd(p + "self_attn.q_proj.bias", (H * hd,), 0.3)
            rnd(p + "self_attn.k_proj.bias", (KV * hd,), 0.3)
            rnd(p + "self_attn.v_proj.bias", (KV * hd,), 0.3)
        rnd(p + "self_attn.o_proj.weight", (d, H * hd), (H * hd) ** -0.5)
        if qk_norm:
            rnd(p + "self_attn.q_norm.weight", (hd,), 0.2, 1.0)
            rnd(p + "self_attn.k_norm.weight", (hd,), 0.2, 1.0)
        rnd(p + "post_attention_layernorm.weight", (d,), 0.1, 1.0)
        rnd(p + "mlp.gate_proj.weight", (f, d), d ** -0.5)
        rnd(p + "mlp.up_proj.weight", (f, d), d ** -0.5)
        rnd(p + "mlp.down_proj.weight", (d, f), f ** -0.5)
    rnd("model.norm.weight", (d,), 0.1, 1.0)
    if not cfg["tie_word_embeddings"]:
        rnd("lm_head.weight", (V, d), d ** -0.5)
    return out


def write_safetensors(path, tensors):
    header, offset, blobs = {}, 0, []
    for name, t in tensors.items():
        b = t.numpy().astype("<f2").tobytes()
        header[name] = {"dtype": "F16", "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    header["__metadata__"] = {"format": "pt"}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def base_config(arch, model_type, **kw):
    c = {"architectures": [arch], "attention_dropout": 0.0, "bos_token_id": 1, "eos_token_id": 2,
         "hidden_act": "silu", "initializer_range": 0.02, "model_type": model_type, "torch_dtype": "float16",
         "transformers_version": "4.51.0", "use_cache": True}
    c.update(kw)
    return dict(sorted(c.items()))


FIXTURES = [
    # Llama with grouped-query attention and head_dim 12 != hidden_size / heads = 8.
    ("llama_head_dim", base_config("LlamaForCausalLM", "llama", hidden_size=32, intermediate_size=40,
                                   num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=12,
                                   vocab_size=64, max_position_embeddings=64, rms_norm_eps=1e-5, rope_theta=10000.0,
                                   rope_scaling=None, attention_bias=False, mlp_bias=False, pretraining_tp=1,
                                   tie_word_embeddings=False), {}, 16),
    # Qwen2: q/k/v biases, tied embedding, no sliding window in use.
    ("qwen2_bias", base_config("Qwen2ForCausalLM", "qwen2", hidden_size=32, intermediate_size=40,
                               num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                               max_position_embeddings=64, max_window_layers=2, rms_norm_eps=1e-6,
                               rope_theta=1000000.0, rope_scaling=None, sliding_window=32, use_sliding_window=False,
                               tie_word_embeddings=True), {"qkv_bias": True}, 16),
    # Qwen3: per-head q/k RMSNorm before RoPE, head_dim 16 != 32 / 4.
    ("qwen3_qk_norm", base_config("Qwen3ForCausalLM", "qwen3", hidden_size=32, intermediate_size=40,
                                  num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                                  vocab_size=64, max_position_embeddings=64, max_window_layers=2, rms_norm_eps=1e-6,
                                  rope_theta=1000000.0, rope_scaling=None, sliding_window=None,
                                  use_sliding_window=False, attention_bias=False, tie_word_embeddings=True),
     {"qk_norm": True}, 16),
    # Llama 3.1-style rope_scaling with a small original context, so that 64
    # tokens reach the interpolated and the divided frequencies.
    ("llama3_rope", base_config("LlamaForCausalLM", "llama", hidden_size=32, intermediate_size=32,
                                num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
                                vocab_size=64, max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=500000.0,
                                rope_scaling={"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                                              "original_max_position_embeddings": 16, "rope_type": "llama3"},
                                attention_bias=False, mlp_bias=False, tie_word_embeddings=True), {}, 64),
    # Llama with linear rope_scaling (position interpolation).
    ("llama_linear_rope", base_config("LlamaForCausalLM", "llama", hidden_size=32, intermediate_size=32,
                                      num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4,
                                      vocab_size=64, max_position_embeddings=64, rms_norm_eps=1e-5,
                                      rope_theta=10000.0, rope_scaling={"factor": 4.0, "type": "linear"},
                                      tie_word_embeddings=True), {}, 32),
    # Mistral with a sliding window longer than the sequence.
    ("mistral_window", base_config("MistralForCausalLM", "mistral", hidden_size=32, intermediate_size=40,
                                   num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2, vocab_size=64,
                                   max_position_embeddings=128, rms_norm_eps=1e-5, rope_theta=10000.0,
                                   sliding_window=32, tie_word_embeddings=False), {}, 24),
]


def main():
    summary = {}
    for i, (name, cfg, opts, T) in enumerate(FIXTURES):
        gen = torch.Generator().manual_seed(1000 + i)
        w16 = make_weights(cfg, gen, **opts)
        ids = torch.randint(0, cfg["vocab_size"], (T,), generator=gen).tolist()
        w = {k: v.to(torch.float64) for k, v in w16.items()}
        logits = forward(cfg, w, ids)
        folder = os.path.join(HERE, name)
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
            f.write("\n")
        write_safetensors(os.path.join(folder, "model.safetensors"), w16)
        logits.numpy().astype("<f4").tofile(os.path.join(folder, "logits.f32"))
        summary[name] = {"ids": ids, "vocab": cfg["vocab_size"],
                         "max_abs_logit": float(logits.abs().max()), "logit_sum": float(logits.sum())}
        print(name, T, "tokens, max |logit|", round(float(logits.abs().max()), 4))
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
