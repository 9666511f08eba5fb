#include "core/spectral/analysis_cache.h"

#include "core/spectral/linalg.h"

#include "core/format/checkpoint.h"
#include "core/format/mapped_file.h"
#include "core/util/atomic_file.h"
#include "core/util/binary_io.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace ctscope {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kMagic = 0x43545350;  // "PSTC"

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

void writeStats(BinaryWriter& w, const SpectrumStats& s) { w.vec(s.eigenvalues); }
SpectrumStats readStats(BinaryReader& r) { return makeSpectrumStats(r.vec<double>()); }

void writeBasis(BinaryWriter& w, const std::shared_ptr<Basis>& b) {
    w.pod<int32_t>(b ? b->dim : 0);
    if (b)
        w.vec(b->rows);
    else
        w.vec(std::vector<float>{});
}
/// Null when not `wanted` (the rows are stepped over) or stored empty.
std::shared_ptr<Basis> readBasis(BinaryReader& r, bool wanted) {
    auto b = std::make_shared<Basis>();
    b->dim = r.pod<int32_t>();
    if (!wanted) {
        r.skipVec<float>();
        return nullptr;
    }
    b->rows = r.vec<float>();
    if (b->dim == 0) return nullptr;
    if (b->rows.size() != static_cast<size_t>(b->dim) * b->dim) throw std::runtime_error("bad basis");
    return b;
}

void writeConfig(BinaryWriter& w, const ModelConfig& c) {
    w.str(c.arch);
    for (int v : {c.dModel, c.nLayers, c.nHeads, c.nKvHeads, c.ffnDim, c.vocab, c.maxSeq, c.bosId, c.eosId})
        w.pod<int32_t>(v);
    w.pod(c.ropeTheta);
    w.pod(c.normEps);
    w.pod<int32_t>(static_cast<int32_t>(c.ropeLayout));
    w.pod<uint8_t>(c.tiedEmbeddings);
}
ModelConfig readConfig(BinaryReader& r) {
    ModelConfig c;
    c.arch = r.str();
    for (int* v : {&c.dModel, &c.nLayers, &c.nHeads, &c.nKvHeads, &c.ffnDim, &c.vocab, &c.maxSeq, &c.bosId, &c.eosId})
        *v = r.pod<int32_t>();
    c.ropeTheta = r.pod<double>();
    c.normEps = r.pod<double>();
    c.ropeLayout = static_cast<RopeLayout>(r.pod<int32_t>());
    c.tiedEmbeddings = r.pod<uint8_t>() != 0;
    return c;
}

} // namespace

std::string defaultCacheDir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/ctscope";
    if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/ctscope";
    return (fs::temp_directory_path() / "ctscope-cache").string();
}

std::string analysisCachePath(const Checkpoint& ckpt, const std::string& cacheDir, Precision precision) {
    const std::string dir = cacheDir.empty() ? defaultCacheDir() : cacheDir;
    char name[80];
    std::snprintf(name, sizeof name, "%016llx-v%u%s.ctspec",
                  static_cast<unsigned long long>(fnv1a(ckpt.identity())), kAnalysisCacheVersion,
                  precision == Precision::Auto ? "" : precision == Precision::Exact ? "-exact" : "-fast");
    return (fs::path(dir) / name).string();
}

std::string analysisCacheIdentity(const Checkpoint& ckpt, Precision precision) {
    if (precision == Precision::Auto) return ckpt.identity();
    return ckpt.identity() + "|precision=" + precisionName(precision);
}

std::optional<SpectralAnalysis> loadCachedAnalysis(const std::string& file, const std::string& identity, bool bases) {
    try {
        if (!fs::is_regular_file(file)) return std::nullopt;
        const MappedFile map(file);
        BinaryReader r(map.data(), map.size());
        if (r.pod<uint32_t>() != kMagic || r.pod<uint32_t>() != kAnalysisCacheVersion) return std::nullopt;
        if (r.str() != identity) return std::nullopt;
        SpectralAnalysis a;
        a.checkpointPath = r.str();
        a.checkpointFormat = r.str();
        a.config = readConfig(r);
        a.dModel = r.pod<int32_t>();
        a.tiedHead = r.pod<uint8_t>() != 0;
        const auto precision = r.pod<uint8_t>();
        if (precision > 1) return std::nullopt;
        a.precision = precision == 1 ? Precision::Exact : Precision::Fast;
        a.universal = readStats(r);
        a.universalBasis = readBasis(r, bases);
        const auto nTypes = r.pod<uint32_t>();
        for (uint32_t i = 0; i < nTypes; ++i) {
            TypeResult t;
            t.type = static_cast<MatrixType>(r.pod<int32_t>());
            t.matrices = r.pod<int32_t>();
            t.otherSideSum = r.pod<int64_t>();
            t.spectrum = readStats(r);
            t.r2Universal = r.vec<double>();
            t.r2Type = t.spectrum.energy;
            a.types.push_back(std::move(t));
            a.typeBases.push_back(readBasis(r, bases));
            if (!bases) {
                r.skipVec<float>();
                continue;
            }
            // On disk a pending Gram is the full d×d; in memory, its packed upper triangle.
            auto pending = r.vec<float>();
            const int64_t d = a.dModel;
            if (!pending.empty() && pending.size() != static_cast<size_t>(d) * static_cast<size_t>(d))
                throw std::runtime_error("bad pending Gram");
            std::shared_ptr<HugeVector<float>> packed;
            if (!pending.empty()) {
                packed = std::make_shared<HugeVector<float>>(linalg::packedSize(d));
                for (int64_t row = 0; row < d; ++row)
                    std::copy(pending.begin() + row * d + row, pending.begin() + (row + 1) * d,
                              packed->begin() + static_cast<std::ptrdiff_t>(linalg::packedRowStart(row, d)));
            }
            a.pendingTypeGrams.push_back(std::move(packed));
        }
        const auto nMat = r.pod<uint32_t>();
        for (uint32_t i = 0; i < nMat; ++i) {
            MatrixResult m;
            m.name = r.str();
            m.type = static_cast<MatrixType>(r.pod<int32_t>());
            m.layer = r.pod<int32_t>();
            m.rows = r.pod<int64_t>();
            m.cols = r.pod<int64_t>();
            m.singularValues = r.vec<double>();
            m.pr = r.pod<double>();
            m.sigmaMax = r.pod<double>();
            m.stableRank = r.pod<double>();
            m.k50 = r.pod<int32_t>();
            m.k90 = r.pod<int32_t>();
            m.lambdaFloor = r.pod<double>();
            a.matrices.push_back(std::move(m));
        }
        const auto nSkip = r.pod<uint32_t>();
        for (uint32_t i = 0; i < nSkip; ++i) {
            SkippedTensor s;
            s.name = r.str();
            s.reason = r.str();
            a.skipped.push_back(std::move(s));
        }
        if (!r.atEnd()) return std::nullopt;
        return a;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool saveCachedAnalysis(const std::string& file, const std::string& identity, const SpectralAnalysis& a) {
    const auto write = [&](std::ostream& out) {
        BinaryWriter w(out);
        w.pod(kMagic);
        w.pod(kAnalysisCacheVersion);
        w.str(identity);
        w.str(a.checkpointPath);
        w.str(a.checkpointFormat);
        writeConfig(w, a.config);
        w.pod<int32_t>(a.dModel);
        w.pod<uint8_t>(a.tiedHead);
        w.pod<uint8_t>(a.precision == Precision::Exact ? 1 : 0);
        writeStats(w, a.universal);
        writeBasis(w, a.universalBasis);
        w.pod<uint32_t>(static_cast<uint32_t>(a.types.size()));
        for (size_t i = 0; i < a.types.size(); ++i) {
            const TypeResult& t = a.types[i];
            w.pod<int32_t>(static_cast<int32_t>(t.type));
            w.pod<int32_t>(t.matrices);
            w.pod<int64_t>(t.otherSideSum);
            writeStats(w, t.spectrum);
            w.vec(t.r2Universal);
            writeBasis(w, i < a.typeBases.size() ? a.typeBases[i] : nullptr);
            const auto& pending = i < a.pendingTypeGrams.size() ? a.pendingTypeGrams[i] : nullptr;
            if (pending) {
                // The full symmetric d×d, a row at a time (the lower part gathered from the packed upper).
                const int64_t d = a.dModel;
                w.pod<uint64_t>(static_cast<uint64_t>(d) * static_cast<uint64_t>(d));
                std::vector<float> row(static_cast<size_t>(d));
                for (int64_t i = 0; i < d; ++i) {
                    for (int64_t j = 0; j < i; ++j) row[static_cast<size_t>(j)] = (*pending)[linalg::packedRowStart(j, d) + static_cast<size_t>(i - j)];
                    const float* upper = pending->data() + linalg::packedRowStart(i, d);
                    std::copy(upper, upper + (d - i), row.begin() + i);
                    w.raw(row.data(), row.size());
                }
            } else
                w.vec(std::vector<float>{});
        }
        w.pod<uint32_t>(static_cast<uint32_t>(a.matrices.size()));
        for (const MatrixResult& m : a.matrices) {
            w.str(m.name);
            w.pod<int32_t>(static_cast<int32_t>(m.type));
            w.pod<int32_t>(m.layer);
            w.pod<int64_t>(m.rows);
            w.pod<int64_t>(m.cols);
            w.vec(m.singularValues);
            w.pod(m.pr);
            w.pod(m.sigmaMax);
            w.pod(m.stableRank);
            w.pod<int32_t>(m.k50);
            w.pod<int32_t>(m.k90);
            w.pod(m.lambdaFloor);
        }
        w.pod<uint32_t>(static_cast<uint32_t>(a.skipped.size()));
        for (const SkippedTensor& s : a.skipped) {
            w.str(s.name);
            w.str(s.reason);
        }
    };
    std::error_code ec;
    fs::create_directories(fs::path(file).parent_path(), ec);
    try {
        // Temporary file in the same folder, fsync, rename: a kill leaves the
        // old cache file or the new one (and loadCachedAnalysis checks both).
        writeFileAtomically(file, write);
    } catch (const std::exception&) {
        return false;
    }
    return true;
}

} // namespace ctscope
