#!/usr/bin/env python3
"""Writes mp_reference.json: inputs and expected outputs of WeightWatcher's
Marchenko-Pastur fit (analyze(mp_fit=True), WeightWatcher 0.7.5.5), computed
independently of ctscope with the libraries WeightWatcher itself calls:
sklearn.neighbors.KernelDensity for the density and scipy.optimize.brute
(whose default finish is scipy.optimize.fmin) for sigma.

Run once with Debian's python3-numpy, python3-scipy, python3-sklearn:
    /usr/bin/python3 tests/data/ww/make_mp_reference.py
"""
import json
import os
import struct

import numpy as np
from scipy import optimize
from sklearn.neighbors import KernelDensity

HERE = os.path.dirname(os.path.abspath(__file__))


def density_residual(sigma, x_fit, q, bw=0.1):
    """Sum of squared residuals between the MP (or quarter-circle) law and a
    linear-kernel density estimate, on the grid points where the estimate
    exceeds 0.01; a penalty of 1000 per point when the MP edges do not
    bracket the density's peak and stay inside the grid."""
    sigma = float(np.asarray(sigma).ravel()[0])
    kde = KernelDensity(kernel="linear", bandwidth=bw).fit(x_fit.reshape(-1, 1))
    grid = np.linspace(0, np.max(x_fit) + 0.5, 1000)
    dens = np.exp(kde.score_samples(grid[:, None]))
    keep = dens > 0.01
    grid, dens = grid[keep], dens[keep]
    with np.errstate(all="ignore"):
        if q == 1:
            law = np.nan_to_num(1 / (np.pi * sigma**2) * np.sqrt(4 - grid**2))
        else:
            lo = (sigma * (1 - np.sqrt(1 / q))) ** 2
            hi = (sigma * (1 + np.sqrt(1 / q))) ** 2
            peak = grid[np.argmax(dens)]
            if hi < peak or hi > grid.max() or lo > peak:
                return 1e6 * len(dens)
            law = np.nan_to_num(1 / (2 * np.pi * sigma**2 * grid / q) * np.sqrt((hi - grid) * (grid - lo)))
    return float(np.sum((law - dens) ** 2))


def mp_fit(evals, n, m):
    evals = np.sort(np.asarray(evals, dtype=np.float64))
    q = n / m
    scale = np.sqrt(len(evals)) / np.sqrt(np.sum(evals))
    x = scale * scale * evals
    lam_max = np.max(x)
    s = np.sqrt(lam_max / (1 + 1 / np.sqrt(q)) ** 2)
    x_fit = np.sqrt(x) if q == 1 else x
    sigma = optimize.brute(density_residual, (slice(0.05 * s, 2.0 * s, 0.01 * s),), args=(x_fit, q), full_output=True)[0][0]
    hi = (sigma * (1 + 1 / np.sqrt(q))) ** 2
    lo = (sigma * (1 - 1 / np.sqrt(q))) ** 2
    tw = 1 / np.sqrt(q) * hi ** (2 / 3) * m ** (-2 / 3)
    spikes = int(np.sum(x > hi + np.sqrt(tw)))
    return {"sigma_mp": float(sigma), "lambda_plus": float(hi), "num_spikes": spikes,
            "mp_softrank": float(hi / lam_max), "bulk_max": float(hi / scale**2), "bulk_min": float(lo / scale**2)}


def llama2c_matrix(path, name):
    """One matrix of the shipped stories260K.bin (llama2.c: 7 int32 header)."""
    with open(path, "rb") as f:
        dim, hidden, layers, heads, kv, vocab, seq = struct.unpack("<7i", f.read(28))
        data = np.frombuffer(f.read(), dtype=np.float32)
    vocab = abs(vocab)
    kvd = dim // heads * kv
    sizes = [("emb", vocab * dim), ("rms_att", layers * dim), ("wq", layers * dim * dim), ("wk", layers * kvd * dim),
             ("wv", layers * kvd * dim), ("wo", layers * dim * dim), ("rms_ffn", layers * dim),
             ("w1", layers * hidden * dim), ("w2", layers * dim * hidden), ("w3", layers * hidden * dim)]
    off = 0
    shapes = {"emb": (vocab, dim), "wq": (dim, dim), "wo": (dim, dim), "w1": (hidden, dim), "w2": (dim, hidden)}
    for key, size in sizes:
        if key == name:
            r, c = shapes[key]
            return data[off:off + r * c].astype(np.float64).reshape(r, c)  # layer 0
        off += size
    raise KeyError(name)


def main():
    rng = np.random.default_rng(12)
    cases = []
    w = rng.standard_normal((400, 100)) / 20.0
    u, v = rng.standard_normal(400), rng.standard_normal(100)
    w += 0.6 * np.outer(u, v) / np.sqrt(400 * 100) * 20  # a planted spike
    cases.append(("gaussian 400x100 with a spike", 400, 100, w))
    cases.append(("gaussian 150x150", 150, 150, rng.standard_normal((150, 150))))
    binpath = os.path.join(HERE, "..", "..", "..", "resources", "examples", "stories260K", "stories260K.bin")
    for key, label in [("w1", "stories260K layers.0.w1"), ("wo", "stories260K layers.0.wo"), ("emb", "stories260K embedding")]:
        mat = llama2c_matrix(binpath, key)
        cases.append((label, max(mat.shape), min(mat.shape), mat))
    out = {"source": "tests/data/ww/make_mp_reference.py (numpy %s, scipy.optimize.brute + fmin, sklearn KernelDensity linear kernel)"
           % np.__version__, "cases": []}
    for label, n, m, mat in cases:
        sv = np.linalg.svd(mat, compute_uv=False)
        evals = np.sort(sv * sv)
        case = {"label": label, "N": n, "M": m, "evals": [float(e) for e in evals]}
        case.update(mp_fit(evals, n, m))
        out["cases"].append(case)
        print(label, {k: case[k] for k in ("sigma_mp", "num_spikes", "mp_softrank")})
    with open(os.path.join(HERE, "mp_reference.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
