#include "core/train/torch_spectra.h"

#include "core/format/checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/format/weight_inventory.h"
#include "core/train/llama_model.h"
#include "core/util/error.h"

#include <cstring>
#include <map>

namespace ctscope {
namespace {

std::vector<double> toVector(const torch::Tensor& t) {
    auto c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous();
    return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

/// The matrix [rows, cols] on the device in the accumulation type. Plain
/// float types go up as stored (half the bytes for BF16/F16) and are
/// converted there; everything else is decoded on the host.
torch::Tensor uploadMatrix(const Checkpoint& ckpt, const WeightMatrix& m, torch::Device dev, torch::ScalarType acc) {
    const TensorInfo& t = ckpt.require(m.tensor);
    const bool plain = t.dtype == DType::F32 || t.dtype == DType::F16 || t.dtype == DType::BF16;
    const size_t elem = t.dtype == DType::F32 ? 4 : 2;
    const bool rowMajor = !t.transposed && (t.shape.size() == 2 || t.shape.size() == 3) && t.shape.back() == m.cols;
    const uint64_t begin = static_cast<uint64_t>(m.rowBegin) * static_cast<uint64_t>(m.cols) * elem;
    const uint64_t bytes = static_cast<uint64_t>(m.rows) * static_cast<uint64_t>(m.cols) * elem;
    torch::Tensor w;
    if (plain && rowMajor && t.data && m.rowBegin >= 0 && begin + bytes <= t.nbytes &&
        reinterpret_cast<uintptr_t>(t.data + begin) % elem == 0) {
        const auto stored = t.dtype == DType::F32 ? torch::kFloat32 : t.dtype == DType::F16 ? torch::kFloat16
                                                                                              : torch::kBFloat16;
        // from_blob wraps the mapped bytes (read-only; never written); .to copies.
        auto host = torch::from_blob(const_cast<uint8_t*>(t.data + begin), {m.rows, m.cols},
                                     torch::TensorOptions().dtype(stored));
        w = host.to(dev, acc);
        if (!torch::isfinite(w).all().item<bool>())
            throw FormatError(detail::tensorFile(ckpt, t),
                              "tensor " + detail::quoted(t.name) + " holds NaN or Inf values");
    } else {
        std::vector<float> host = readMatrix(ckpt, m);  // checks finiteness
        w = torch::from_blob(host.data(), {m.rows, m.cols}, torch::kFloat32).to(dev, acc);
    }
    ckpt.release(t);
    return w;
}

MatrixResult matrixResult(const WeightMatrix& m, const torch::Tensor& w, const torch::Tensor& dSideGram, int64_t d) {
    MatrixResult r;
    r.name = m.name;
    r.type = m.type;
    r.layer = m.layer;
    r.rows = m.rows;
    r.cols = m.cols;
    // The smaller Gram has the same non-zero eigenvalues: λ = σ².
    torch::Tensor lambda;
    if (m.otherSide() >= d) lambda = torch::linalg_eigvalsh(dSideGram);
    else lambda = torch::linalg_eigvalsh(m.inputSide ? torch::matmul(w, w.t()) : torch::matmul(w.t(), w));
    std::vector<double> l = toVector(lambda);
    std::vector<double> top(l.rbegin(), l.rend());  // eigvalsh is ascending
    top.resize(static_cast<size_t>(std::min(m.rows, m.cols)));
    setMatrixSpectrum(r, std::move(top));
    return r;
}

/// Eigenvectors as rows by descending eigenvalue, and those eigenvalues.
std::pair<torch::Tensor, std::vector<double>> eigenRows(const torch::Tensor& g) {
    auto [vals, vecs] = torch::linalg_eigh(g);
    std::vector<double> v = toVector(vals.flip(0));
    return {vecs.flip(1).t().contiguous(), v};
}

std::shared_ptr<Basis> toBasis(const torch::Tensor& rows) {
    auto b = std::make_shared<Basis>();
    b->dim = static_cast<int>(rows.size(0));
    auto c = rows.to(torch::kCPU, torch::kFloat32).contiguous();
    b->rows.assign(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    return b;
}

} // namespace

SpectralAnalysis analyzeCheckpointTorch(const Checkpoint& ckpt, const TorchSpectraOptions& opts,
                                        const ProgressFn& progress) {
    auto report = [&](double f, const std::string& stage, const std::string& item) {
        return !progress || progress(Progress{f, stage, item});
    };
    const torch::Device dev = torchDevice(resolveDevice(opts.device));
    const torch::ScalarType acc = opts.fp64 ? torch::kFloat64 : torch::kFloat32;
    torch::NoGradGuard noGrad;

    WeightInventory inv = buildInventory(ckpt);
    SpectralAnalysis out = analysisShell(ckpt, inv);
    const int d = out.dModel;
    out.matrices.clear();
    out.matrices.reserve(inv.matrices.size());

    struct TypeSum {
        torch::Tensor gram;
        int matrices = 0;
        int64_t otherSide = 0;
    };
    std::map<MatrixType, TypeSum> sums;  // Role order, as the BLAS path
    int64_t totalElems = 0, doneElems = 0;
    for (const auto& m : inv.matrices) totalElems += m.rows * m.cols;
    for (const WeightMatrix& m : inv.matrices) {
        if (!report(0.8 * static_cast<double>(doneElems) / static_cast<double>(std::max<int64_t>(1, totalElems)),
                    "reading", m.name))
            throw Cancelled();
        const torch::Tensor w = uploadMatrix(ckpt, m, dev, acc);
        auto g = m.inputSide ? torch::matmul(w.t(), w) : torch::matmul(w, w.t());
        g = (g + g.t()) * 0.5;  // exactly symmetric, as linalg::symmetrize
        out.matrices.push_back(matrixResult(m, w, g, d));
        TypeSum& s = sums[m.type];
        s.gram = s.gram.defined() ? s.gram + g : g;
        s.matrices += 1;
        s.otherSide += m.otherSide();
        doneElems += m.rows * m.cols;
    }

    torch::Tensor universal;
    for (auto& [t, s] : sums) universal = universal.defined() ? universal + s.gram : s.gram;
    auto [uRows, uVals] = eigenRows(universal);
    out.universal = makeSpectrumStats(uVals);
    if (!report(0.85, "eigen", "universal")) throw Cancelled();

    for (auto& [t, s] : sums) {
        TypeResult r;
        r.type = t;
        r.matrices = s.matrices;
        r.otherSideSum = s.otherSide;
        const double trace = s.gram.diagonal().sum().item<double>();
        // c_i = u_iᵀ G u_i for every universal basis row u_i.
        const auto c = (torch::matmul(uRows, s.gram) * uRows).sum(1);
        r.r2Universal = captureCurve(toVector(c), trace);
        auto [rows, vals] = eigenRows(s.gram);
        r.spectrum = makeSpectrumStats(vals);
        r.r2Type = r.spectrum.energy;
        out.types.push_back(std::move(r));
        out.typeBases.push_back(opts.keepBases ? toBasis(rows) : nullptr);
        s.gram = torch::Tensor();
        if (!report(0.85 + 0.15 * static_cast<double>(out.types.size()) / static_cast<double>(sums.size()), "eigen",
                    "types"))
            throw Cancelled();
    }
    if (opts.keepBases) out.universalBasis = toBasis(uRows);
    else out.typeBases.clear();
    report(1.0, "done", "");
    return out;
}

} // namespace ctscope
