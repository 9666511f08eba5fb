#include "core/report/bases_export.h"

#include "core/format/safetensors_writer.h"
#include "core/spectral/spectral_analysis.h"

#include <stdexcept>

namespace ctscope {

void writeBasesSafetensors(const SpectralAnalysis& a, const std::string& file, int k) {
    const int d = a.dModel;
    if (!a.universalBasis || a.universalBasis->dim != d || a.typeBases.size() != a.types.size())
        throw std::invalid_argument("writeBasesSafetensors: the analysis was run without keeping its bases");
    if (k <= 0 || k > d) k = d;

    std::vector<SafetensorsEntry> entries;
    std::string typeList;
    auto add = [&](const std::string& prefix, const Basis& b, const std::vector<double>& eig) {
        if (b.dim != d || static_cast<int>(eig.size()) != d)
            throw std::invalid_argument("writeBasesSafetensors: " + prefix + " has the wrong size");
        entries.push_back({prefix + ".basis", "F32", {k, d}, b.rows.data()});
        entries.push_back({prefix + ".eigenvalues", "F64", {d}, eig.data()});
    };
    add("universal", *a.universalBasis, a.universal.eigenvalues);
    for (size_t i = 0; i < a.types.size(); ++i) {
        if (!a.typeBases[i]) throw std::invalid_argument("writeBasesSafetensors: a per-type basis is missing");
        const std::string name = roleName(a.types[i].type);
        add("types." + name, *a.typeBases[i], a.types[i].spectrum.eigenvalues);
        typeList += (typeList.empty() ? "" : ",") + name;
    }
    writeSafetensors(file, entries,
                     {{"written_by", "ctscope " CTSCOPE_VERSION},
                      {"checkpoint", a.checkpointPath},
                      {"format", a.checkpointFormat},
                      {"synthetic", a.synthetic ? "true" : "false"},
                      {"d_model", std::to_string(d)},
                      {"k", std::to_string(k)},
                      {"types", typeList},
                      {"tied_head", a.tiedHead ? "true" : "false"},
                      {"layout", "rows are orthonormal eigenvectors of the d_model-side Gram, descending eigenvalue"}});
}

} // namespace ctscope
