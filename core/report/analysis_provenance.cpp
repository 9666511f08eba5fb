#include "core/report/analysis_provenance.h"

#include "core/format/checkpoint.h"
#include "core/report/sweep_record.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <stdexcept>

namespace ctscope {

std::string withAnalysisProvenance(const std::string& json, const Checkpoint& ckpt, const AnalysisProvenance& p,
                                   int indent) {
    auto j = nlohmann::ordered_json::parse(json);
    if (!j.is_object()) throw std::runtime_error("analysis JSON is not an object");
    uint64_t bytes = 0;
    for (const TensorInfo& t : ckpt.tensors()) bytes += t.nbytes;
    nlohmann::ordered_json c{{"path", ckpt.path()},
                             {"format", ckpt.format()},
                             {"identity", ckpt.identity()},
                             {"tensor_bytes", bytes}};
    if (bytes <= kHashedTensorBytes) {
        c["tensor_hash"] = tensorDataHash(ckpt);
        c["hash"] = "xxh64 over names, dtypes, shapes, bytes";
    } else {
        c["tensor_hash"] = nullptr;  // identity + cache key identify it (see docs/sweeps.md)
    }
    nlohmann::ordered_json prov{{"ctscope_version", CTSCOPE_VERSION},
                                {"command_line", p.commandLine},
                                {"checkpoint", c},
                                {"cache_key", std::filesystem::path(p.cacheFile).stem().string()}};
    j["provenance"] = prov;
    return j.dump(indent);
}

} // namespace ctscope
