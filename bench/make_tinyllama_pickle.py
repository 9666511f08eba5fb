#!/usr/bin/python3
"""Writes a TinyLlama-1.1B-shaped BF16 checkpoint twice, for
bench/pickle_vs_safetensors.sh: OUT/safetensors/model.safetensors and
OUT/pytorch/pytorch_model.bin (torch.save, zip format), the same weights in
both, each with the same config.json.

Shapes as bench/tinyllama_shaped.h: d_model 2048, 22 layers, 32 heads, 4 kv
heads, ffn 5632, vocab 32000, untied head. Weights are normal * 0.02 with a
decaying column scale (anisotropic spectra). About 2.2 GB per form.

usage: /usr/bin/python3 make_tinyllama_pickle.py OUT [--layers N]
"""
import argparse
import collections
import json
import os
import struct

import torch

D, HEADS, KV, FFN, VOCAB = 2048, 32, 4, 5632, 32000
HD = D // HEADS


def shapes(layers):
    s = collections.OrderedDict()
    s["model.embed_tokens.weight"] = (VOCAB, D)
    for i in range(layers):
        p = f"model.layers.{i}."
        s[p + "self_attn.q_proj.weight"] = (HEADS * HD, D)
        s[p + "self_attn.k_proj.weight"] = (KV * HD, D)
        s[p + "self_attn.v_proj.weight"] = (KV * HD, D)
        s[p + "self_attn.o_proj.weight"] = (D, HEADS * HD)
        s[p + "mlp.gate_proj.weight"] = (FFN, D)
        s[p + "mlp.up_proj.weight"] = (FFN, D)
        s[p + "mlp.down_proj.weight"] = (D, FFN)
        s[p + "input_layernorm.weight"] = (D,)
        s[p + "post_attention_layernorm.weight"] = (D,)
    s["model.norm.weight"] = (D,)
    s["lm_head.weight"] = (VOCAB, D)
    return s


def tensor(gen, shape):
    if len(shape) == 1:
        return torch.ones(shape, dtype=torch.bfloat16)
    cols = shape[1]
    scale = 0.02 * torch.exp(-3.0 * torch.arange(cols, dtype=torch.float32) / cols)
    return (torch.randn(shape, generator=gen) * scale).to(torch.bfloat16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=22)
    args = ap.parse_args()
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
           "hidden_size": D, "intermediate_size": FFN, "num_hidden_layers": args.layers,
           "num_attention_heads": HEADS, "num_key_value_heads": KV, "vocab_size": VOCAB,
           "max_position_embeddings": 2048, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
           "tie_word_embeddings": False, "torch_dtype": "bfloat16"}
    st_dir = os.path.join(args.out, "safetensors")
    pt_dir = os.path.join(args.out, "pytorch")
    for d in (st_dir, pt_dir):
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)

    sh = shapes(args.layers)
    header, pos = {}, 0
    for name, shape in sh.items():
        n = 2
        for x in shape:
            n *= x
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [pos, pos + n]}
        pos += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    gen = torch.Generator().manual_seed(0)
    state = collections.OrderedDict()
    with open(os.path.join(st_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for name, shape in sh.items():
            t = tensor(gen, shape)
            f.write(t.view(torch.int16).numpy().tobytes())
            state[name] = t
    torch.save(state, os.path.join(pt_dir, "pytorch_model.bin"))


if __name__ == "__main__":
    main()
