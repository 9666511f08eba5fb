#!/usr/bin/python3
"""Independent float64 spectral figures of the shipped stories260K.bin.

Reads resources/examples/stories260K/stories260K.bin with numpy alone (the
llama2.c "version 0" layout), and writes stories260K_bin_spectra.json in the
format of ../shared/models/stories260K-hf/reference_spectra.json:
  * each 2-D weight is taken on its d_model side (q, k, v, gate, up, embed:
    W^T W; also o, square here; down: W W^T), eigenvalues of that Gram = squared singular values;
  * type Grams are summed over layers, the universal Gram over all types;
  * PR = (sum l)^2 / sum l^2, K50/K90 = smallest K whose cumulative energy
    reaches 0.5/0.9, E(K) and R^2 of each type under the universal and its own
    basis, K in {1, 2, 4, 8, 16, 32, 64};
  * per-matrix PR, K50, K90 and sigma_max from its own singular values.
Usage: make_reference.py [--check ../shared/models/stories260K-hf/reference_spectra.json]
"""
import json, os, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(HERE, "..", "..", "..", "resources", "examples", "stories260K", "stories260K.bin")
KS = [1, 2, 4, 8, 16, 32, 64]


def read_llama2c(path):
    raw = open(path, "rb").read()
    dim, hidden, layers, heads, kv_heads, vocab, seq = np.frombuffer(raw[:28], dtype="<i4")
    vocab = abs(int(vocab))
    f = np.frombuffer(raw[28:], dtype="<f4").astype(np.float64)
    kv_dim = dim * kv_heads // heads
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        out = f[pos:pos + n].reshape(shape)
        pos += n
        return out

    w = {"embed": take(vocab, dim)}
    take(layers, dim)  # rms_att
    w["q"] = take(layers, dim, dim)
    w["k"] = take(layers, kv_dim, dim)
    w["v"] = take(layers, kv_dim, dim)
    w["o"] = take(layers, dim, dim)
    take(layers, dim)  # rms_ffn
    w["gate"] = take(layers, hidden, dim)
    w["down"] = take(layers, dim, hidden)
    w["up"] = take(layers, hidden, dim)
    return int(dim), int(layers), w


def gram(t, m):
    # o is square here (d = heads x head_dim): taken on its input side, as the
    # engine and ../shared's reference do; down has d_model only as its rows.
    return m @ m.T if t == "down" else m.T @ m


def figures(eig):
    eig = np.clip(np.sort(eig)[::-1], 0, None)
    energy = np.cumsum(eig) / eig.sum()
    k = lambda tau: int(np.searchsorted(energy, tau - 1e-12) + 1)
    return {"pr": float(eig.sum() ** 2 / (eig ** 2).sum()), "k50": k(0.5), "k90": k(0.9)}, energy


def main():
    d, layers, w = read_llama2c(SRC)
    hf = {"q": "self_attn.q_proj", "k": "self_attn.k_proj", "v": "self_attn.v_proj", "o": "self_attn.o_proj",
          "gate": "mlp.gate_proj", "down": "mlp.down_proj", "up": "mlp.up_proj"}
    mats, grams = {}, {}
    grams["embed"] = gram("embed", w["embed"])
    s = np.linalg.svd(w["embed"], compute_uv=False)
    fig, _ = figures(s ** 2)
    mats["model.embed_tokens.weight"] = dict(fig, type="embed", shape=list(w["embed"].shape), sigma_max=float(s[0]))
    for l in range(layers):
        for t, name in hf.items():
            m = w[t][l]
            grams[t] = grams.get(t, 0) + gram(t, m)
            s = np.linalg.svd(m, compute_uv=False)
            fig, _ = figures(s ** 2)
            mats[f"model.layers.{l}.{name}.weight"] = dict(fig, type=t, shape=list(m.shape), sigma_max=float(s[0]))
    universal = sum(grams.values())
    ue, uv = np.linalg.eigh(universal)
    uv = uv[:, ::-1]
    ufig, uenergy = figures(ue)
    out = {"d_model": d, "universal": dict(ufig, energy={str(k): float(uenergy[k - 1]) for k in KS}), "types": {},
           "matrices": mats}
    for t, g in grams.items():
        te, tv = np.linalg.eigh(g)
        tv = tv[:, ::-1]
        tfig, _ = figures(te)
        r2 = lambda basis, k: float(np.trace(basis[:, :k].T @ g @ basis[:, :k]) / np.trace(g))
        out["types"][t] = dict(tfig, r2_universal={str(k): r2(uv, k) for k in KS},
                               r2_type={str(k): r2(tv, k) for k in KS})
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        ref = json.load(open(sys.argv[2]))
        worst = 0.0

        def cmp(a, b, where):
            nonlocal worst
            if isinstance(a, dict):
                for key in b:
                    cmp(a[key], b[key], where + "/" + key)
            elif isinstance(a, (int, float)) and not isinstance(a, bool):
                diff = abs(a - b) / max(abs(b), 1e-3)
                if diff > 1e-9:
                    print("differs", where, a, b)
                worst = max(worst, diff)
        cmp(out, ref, "")
        print("largest relative difference from", sys.argv[2], ":", worst)
        return
    with open(os.path.join(HERE, "stories260K_bin_spectra.json"), "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
