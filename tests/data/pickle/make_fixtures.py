#!/usr/bin/python3
"""Writes the PyTorch pickle fixtures of tests/core/test_pytorch_pickle.cpp.

Run once with Debian's python3-torch (torch 1.13) from this folder:
    /usr/bin/python3 make_fixtures.py
Every checkpoint X/ gets a twin X_safetensors/ holding the same weights, bit
for bit, written by the small safetensors writer below (torch 1.13 has no
safetensors module): tensor bytes are taken from torch's own storage, so the
twin does not depend on ctscope's reader.

The model is Llama-shaped: d_model 16, 2 layers, 2 heads (head_dim 8), 1 kv
head, ffn 40, vocab 32.
"""
import collections
import json
import os
import shutil
import struct
import zipfile

import torch

D, LAYERS, HEADS, KV, FFN, VOCAB = 16, 2, 2, 1, 40, 32
HD = D // HEADS
HERE = os.path.dirname(os.path.abspath(__file__))
ST_DTYPE = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def config(tied):
    return {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
        "hidden_size": D, "intermediate_size": FFN, "num_hidden_layers": LAYERS,
        "num_attention_heads": HEADS, "num_key_value_heads": KV, "vocab_size": VOCAB,
        "max_position_embeddings": 64, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
        "tie_word_embeddings": tied, "bos_token_id": 1, "eos_token_id": 2,
    }


def matrix(gen, rows, cols):
    # Decaying column scale: anisotropic spectra, as in trained weights.
    scale = 0.02 * torch.exp(-2.0 * torch.arange(cols, dtype=torch.float32) / cols)
    return torch.randn(rows, cols, generator=gen) * scale


def weights(seed):
    """name -> float32 tensor, HF Llama names, in HF order."""
    g = torch.Generator().manual_seed(seed)
    w = collections.OrderedDict()
    w["model.embed_tokens.weight"] = matrix(g, VOCAB, D)
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = matrix(g, HEADS * HD, D)
        w[p + "self_attn.k_proj.weight"] = matrix(g, KV * HD, D)
        w[p + "self_attn.v_proj.weight"] = matrix(g, KV * HD, D)
        w[p + "self_attn.o_proj.weight"] = matrix(g, D, HEADS * HD)
        w[p + "mlp.gate_proj.weight"] = matrix(g, FFN, D)
        w[p + "mlp.up_proj.weight"] = matrix(g, FFN, D)
        w[p + "mlp.down_proj.weight"] = matrix(g, D, FFN)
        w[p + "input_layernorm.weight"] = 1.0 + 0.1 * torch.randn(D, generator=g)
        w[p + "post_attention_layernorm.weight"] = 1.0 + 0.1 * torch.randn(D, generator=g)
    w["model.norm.weight"] = 1.0 + 0.1 * torch.randn(D, generator=g)
    w["lm_head.weight"] = matrix(g, VOCAB, D)
    return w


def raw_bytes(t):
    t = t.contiguous()
    if t.dtype in (torch.bfloat16, torch.float16):
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def write_safetensors(path, tensors):
    header, blobs, pos = {}, [], 0
    for name, t in tensors.items():
        b = raw_bytes(t)
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def fresh(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write_pair(name, pickled, twin, tied=None, save=None):
    """X/ with the pickle (save(path) or pytorch_model.bin) and X_safetensors/ with the twin."""
    folder = fresh(name)
    twin_folder = fresh(name + "_safetensors")
    if tied is not None:
        for f in (folder, twin_folder):
            with open(os.path.join(f, "config.json"), "w") as out:
                json.dump(config(tied), out, indent=1)
    if save:
        save(folder)
    else:
        torch.save(pickled, os.path.join(folder, "pytorch_model.bin"))
    write_safetensors(os.path.join(twin_folder, "model.safetensors"), twin)


def bf16_tied():
    """BF16 state dict (an OrderedDict with _metadata, as state_dict() returns),
    lm_head sharing the embedding's storage. HF's safetensors twin omits the head."""
    w = {k: v.to(torch.bfloat16) for k, v in weights(1).items()}
    sd = collections.OrderedDict((k, v) for k, v in w.items() if k != "lm_head.weight")
    sd["lm_head.weight"] = sd["model.embed_tokens.weight"].view(VOCAB, D)  # another tensor, same storage
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("model", {"version": 1})])
    twin = collections.OrderedDict((k, v) for k, v in sd.items() if k != "lm_head.weight")
    write_pair("bf16_tied", sd, twin, tied=True)


def f16_views():
    """F16: q/k/v and gate/up are slices of fused storages (views at an offset),
    o_proj is a transposed view and down_proj a column slice (non-contiguous),
    plus an int64 position_ids buffer (skipped by the reader, as in safetensors)."""
    w = {k: v.to(torch.float16) for k, v in weights(2).items()}
    sd = collections.OrderedDict()
    for k, v in w.items():
        sd[k] = v
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        qkv = torch.cat([w[p + "self_attn.q_proj.weight"], w[p + "self_attn.k_proj.weight"],
                         w[p + "self_attn.v_proj.weight"]])
        sd[p + "self_attn.q_proj.weight"] = qkv[:HEADS * HD]
        sd[p + "self_attn.k_proj.weight"] = qkv[HEADS * HD:(HEADS + KV) * HD]
        sd[p + "self_attn.v_proj.weight"] = qkv[(HEADS + KV) * HD:]
        gate_up = torch.cat([w[p + "mlp.gate_proj.weight"], w[p + "mlp.up_proj.weight"]])
        sd[p + "mlp.gate_proj.weight"] = gate_up[:FFN]
        sd[p + "mlp.up_proj.weight"] = gate_up[FFN:]
        sd[p + "self_attn.o_proj.weight"] = w[p + "self_attn.o_proj.weight"].t().contiguous().t()
        wide = torch.cat([w[p + "mlp.down_proj.weight"], torch.zeros(D, 8, dtype=torch.float16)], dim=1)
        sd[p + "mlp.down_proj.weight"] = wide[:, :FFN]
    sd["model.position_ids"] = torch.arange(64, dtype=torch.int64).unsqueeze(0)
    assert sd["model.layers.0.self_attn.k_proj.weight"].storage_offset() == HEADS * HD * D
    assert not sd["model.layers.0.self_attn.o_proj.weight"].is_contiguous()
    assert not sd["model.layers.0.mlp.down_proj.weight"].is_contiguous()
    write_pair("f16_views", sd, sd, tied=False)


def f32_sharded():
    """F32 state dict in two pytorch_model-0000N-of-00002.bin shards with an index."""
    w = weights(3)
    names = list(w)
    half = len(names) // 2
    shards = [("pytorch_model-00001-of-00002.bin", names[:half]), ("pytorch_model-00002-of-00002.bin", names[half:])]

    def save(folder):
        weight_map = {}
        for file, part in shards:
            torch.save({n: w[n] for n in part}, os.path.join(folder, file))
            weight_map.update({n: file for n in part})
        total = sum(t.numel() * 4 for t in w.values())
        with open(os.path.join(folder, "pytorch_model.bin.index.json"), "w") as out:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, out, indent=1)

    write_pair("f32_sharded", None, w, tied=False, save=save)


def nested_pt():
    """A training checkpoint .pt: {"model": {name: Parameter}, "optimizer": ..., ...},
    no config.json. (torch 1.13 writes _rebuild_from_type_v2 only for tensor
    subclasses, whose class global is refused; the test pickles it by hand.)"""
    w = weights(4)
    model = collections.OrderedDict((k, torch.nn.Parameter(v)) for k, v in w.items())
    ckpt = {
        "epoch": 3, "step": 2 ** 40, "loss": -1.25, "done": True, "tag": None, "flags": [True, False],
        "model": model,
        "optimizer": {"state": {0: {"step": torch.tensor(3.0), "exp_avg": torch.zeros(4)}},
                      "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "params": [0]}]},
    }
    write_pair("nested", None, w, save=lambda folder: torch.save(ckpt, os.path.join(folder, "ckpt.pt")))


class CallsPrint:
    """Pickles as builtins.print("..."): a harmless global that must be refused, never run."""

    def __reduce__(self):
        return (print, ("this must never be printed by ctscope",))


def broken():
    folder = fresh("broken")
    small = {"model.embed_tokens.weight": weights(5)["model.embed_tokens.weight"]}
    torch.save(small, os.path.join(folder, "legacy.pt"), _use_new_zipfile_serialization=False)
    torch.save({"model.embed_tokens.weight": small["model.embed_tokens.weight"], "hook": CallsPrint()},
               os.path.join(folder, "forbidden_global.pt"))
    # The same archive as torch writes it, with every entry deflated.
    plain = os.path.join(folder, "plain.pt")
    torch.save(small, plain)
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(os.path.join(folder, "compressed.pt"), "w",
                                                        zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
    os.remove(plain)


if __name__ == "__main__":
    bf16_tied()
    f16_views()
    f32_sharded()
    nested_pt()
    broken()
