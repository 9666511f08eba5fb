#include "core/format/checkpoint.h"

#include "core/format/demo_checkpoint.h"
#include "core/format/loader_internal.h"
#include "core/format/mapped_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ctscope {

namespace fs = std::filesystem;

int64_t TensorInfo::numel() const { return detail::numelChecked(shape).value_or(-1); }

const TensorInfo* Checkpoint::find(const std::string& name) const {
    for (const TensorInfo& t : m_tensors)
        if (t.name == name) return &t;
    return nullptr;
}

const TensorInfo& Checkpoint::require(const std::string& name) const {
    if (const TensorInfo* t = find(name)) return *t;
    for (const UnsupportedTensor& u : m_unsupported)
        if (u.name == name) throw FormatError(m_path, "tensor " + detail::quoted(name) + ": " + u.reason);
    throw FormatError(m_path, "tensor " + detail::quoted(name) + ": not in this checkpoint");
}

std::string Checkpoint::identity() const {
    std::ostringstream out;
    out << m_format;
    if (m_files.empty()) out << '|' << m_path;
    for (const auto& f : m_files) {
        std::error_code ec;
        const fs::path canon = fs::weakly_canonical(f->path(), ec);
        out << '|' << (ec ? f->path() : canon.string()) << ':' << f->size() << ':' << f->mtimeNs();
    }
    // config.json is not among the mapped files but decides how tensors are read.
    const ModelConfig& c = m_config;
    out << "|cfg:" << c.arch << ',' << c.dModel << ',' << c.nLayers << ',' << c.nHeads << ',' << c.nKvHeads << ','
        << c.ffnDim << ',' << c.vocab << ',' << c.tiedEmbeddings << ',' << c.headDim();
    return out.str();
}

namespace {

void checkFiniteValues(const Checkpoint& ck, const TensorInfo& t, const float* v, size_t count, int64_t firstIndex) {
    for (size_t i = 0; i < count; ++i) {
        if (std::isfinite(v[i])) continue;
        throw FormatError(detail::tensorFile(ck, t), "tensor " + detail::quoted(t.name) + ": element " +
                                                         std::to_string(firstIndex + static_cast<int64_t>(i)) + " is " +
                                                         (std::isnan(v[i]) ? "NaN" : "Inf") +
                                                         ", expected finite weights");
    }
}

}  // namespace

std::vector<float> Checkpoint::readFloat(const TensorInfo& t, bool checkFinite) const {
    const int64_t n = t.numel();
    const auto bytes = n >= 0 ? dtypeBytes(t.dtype, static_cast<uint64_t>(n)) : std::nullopt;
    if (!bytes || *bytes != t.nbytes || (t.data == nullptr && n > 0))
        throw FormatError(detail::tensorFile(*this, t), "tensor " + detail::quoted(t.name) +
                                                            ": no readable data for shape " +
                                                            detail::shapeString(t.shape) + " of " + dtypeName(t.dtype));
    std::vector<float> out(static_cast<size_t>(n));
    if (n > 0) convertToFloat(t.dtype, t.data, static_cast<uint64_t>(n), out.data());
    if (checkFinite) checkFiniteValues(*this, t, out.data(), out.size(), 0);
    return out;
}

std::vector<float> Checkpoint::readRows(const TensorInfo& t, int64_t rowBegin, int64_t rows, bool checkFinite) const {
    // Sized only for a range inside the tensor; readRowsInto rejects any other.
    const bool inside = t.shape.size() == 2 && rowBegin >= 0 && rows > 0 && rowBegin <= t.shape[0] &&
                        rows <= t.shape[0] - rowBegin && t.shape[1] > 0;
    std::vector<float> out(inside ? static_cast<size_t>(rows) * static_cast<size_t>(t.shape[1]) : 0);
    readRowsInto(t, rowBegin, rows, out.data(), checkFinite);
    return out;
}

void Checkpoint::readRowsInto(const TensorInfo& t, int64_t rowBegin, int64_t rows, float* dst, bool checkFinite) const {
    const std::string file = detail::tensorFile(*this, t);
    const std::string what = "tensor " + detail::quoted(t.name) + ": ";
    if (t.shape.size() != 2)
        throw FormatError(file, what + "shape " + detail::shapeString(t.shape) + " is not a matrix, cannot read rows");
    const int64_t total = t.shape[0];
    const int64_t cols = t.shape[1];
    if (rowBegin < 0 || rows < 0 || rowBegin > total || rows > total - rowBegin)
        throw FormatError(file, what + "rows [" + std::to_string(rowBegin) + ", " + std::to_string(rowBegin + rows) +
                                    ") outside its " + std::to_string(total) + " rows");
    const auto skip = dtypeBytes(t.dtype, static_cast<uint64_t>(rowBegin) * static_cast<uint64_t>(cols));
    const auto count = static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols);
    const auto len = dtypeBytes(t.dtype, count);
    if (!skip || !len || *skip + *len > t.nbytes || (t.data == nullptr && count > 0))
        throw FormatError(file, what + "cannot read rows of a " + dtypeName(t.dtype) + " tensor of shape " +
                                    detail::shapeString(t.shape));
    if (count > 0) convertToFloat(t.dtype, t.data + *skip, count, dst);
    if (checkFinite) checkFiniteValues(*this, t, dst, static_cast<size_t>(count), rowBegin * cols);
}

void Checkpoint::release(const TensorInfo& t) const {
    if (t.fileIndex < 0 || static_cast<size_t>(t.fileIndex) >= m_files.size()) return;
    m_files[static_cast<size_t>(t.fileIndex)]->release(t.offset, t.nbytes);
}

void Checkpoint::releaseRows(const TensorInfo& t, int64_t rowBegin, int64_t rows) const {
    if (t.fileIndex < 0 || static_cast<size_t>(t.fileIndex) >= m_files.size() || t.shape.size() != 2) return;
    const auto skip = dtypeBytes(t.dtype, static_cast<uint64_t>(rowBegin) * static_cast<uint64_t>(t.shape[1]));
    const auto len = dtypeBytes(t.dtype, static_cast<uint64_t>(rows) * static_cast<uint64_t>(t.shape[1]));
    if (!skip || !len || *skip >= t.nbytes) return;
    m_files[static_cast<size_t>(t.fileIndex)]->release(t.offset + *skip, std::min(*len, t.nbytes - *skip));
}

bool Checkpoint::columnsReadable(const TensorInfo& t, int64_t blockCols) const {
    if (t.shape.size() != 2 || t.data == nullptr || t.shape[1] <= 0 || blockCols <= 0) return false;
    const auto cols = static_cast<uint64_t>(t.shape[1]);
    const auto block = static_cast<uint64_t>(blockCols);
    return dtypeBytes(t.dtype, cols) && dtypeBytes(t.dtype, block) && (cols % block == 0 || dtypeBytes(t.dtype, cols % block));
}

void Checkpoint::readColumnsInto(const TensorInfo& t, int64_t rowBegin, int64_t rows, int64_t colBegin, int64_t cols,
                                 float* dst, bool checkFinite) const {
    const std::string file = detail::tensorFile(*this, t);
    const std::string what = "tensor " + detail::quoted(t.name) + ": ";
    if (t.shape.size() != 2)
        throw FormatError(file, what + "shape " + detail::shapeString(t.shape) + " is not a matrix, cannot read columns");
    const int64_t totalRows = t.shape[0];
    const int64_t totalCols = t.shape[1];
    if (rowBegin < 0 || rows < 0 || rowBegin > totalRows || rows > totalRows - rowBegin || colBegin < 0 || cols < 0 ||
        colBegin > totalCols || cols > totalCols - colBegin)
        throw FormatError(file, what + "block of rows [" + std::to_string(rowBegin) + ", " +
                                    std::to_string(rowBegin + rows) + ") and columns [" + std::to_string(colBegin) +
                                    ", " + std::to_string(colBegin + cols) + ") outside its shape " +
                                    detail::shapeString(t.shape));
    const auto rowBytes = dtypeBytes(t.dtype, static_cast<uint64_t>(totalCols));
    const auto skip = dtypeBytes(t.dtype, static_cast<uint64_t>(colBegin));
    const auto len = dtypeBytes(t.dtype, static_cast<uint64_t>(cols));
    if (!rowBytes || !skip || !len || (t.data == nullptr && rows > 0 && cols > 0) ||
        static_cast<uint64_t>(totalRows) * *rowBytes > t.nbytes)
        throw FormatError(file, what + "cannot read columns [" + std::to_string(colBegin) + ", " +
                                    std::to_string(colBegin + cols) + ") of a " + dtypeName(t.dtype) +
                                    " tensor of shape " + detail::shapeString(t.shape));
    if (rows == 0 || cols == 0) return;
    for (int64_t r = 0; r < rows; ++r) {
        const uint8_t* src = t.data + static_cast<uint64_t>(rowBegin + r) * *rowBytes + *skip;
        float* out = dst + r * cols;
        convertToFloat(t.dtype, src, static_cast<uint64_t>(cols), out);
        if (checkFinite)
            checkFiniteValues(*this, t, out, static_cast<size_t>(cols), (rowBegin + r) * totalCols + colBegin);
    }
}

namespace {

std::string lowerExtension(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return ext;
}

/// Decides the format of a file without a telling extension from its first bytes.
std::unique_ptr<Checkpoint> openByMagic(const std::string& path) {
    unsigned char head[28] = {};
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError(path, "cannot read the file");
    in.read(reinterpret_cast<char*>(head), sizeof head);
    const auto got = static_cast<size_t>(in.gcount());

    if (got >= 4 && std::memcmp(head, "GGUF", 4) == 0) return loadGguf(path);
    // safetensors: an 8-byte little-endian header length, then a JSON object.
    if (got >= 9 && head[8] == '{' && head[6] == 0 && head[7] == 0) return loadSafetensorsFile(path);
    // torch.save's zip archive.
    if (got >= 4 && std::memcmp(head, "PK\x03\x04", 4) == 0) return loadPytorchFile(path);
    // llama2.c: seven int32; take it when they look like model dimensions.
    if (got == sizeof head) {
        int32_t h[7];
        std::memcpy(h, head, sizeof h);
        const bool plausible = h[0] > 0 && h[1] > 0 && h[2] > 0 && h[3] > 0 && h[4] > 0 && h[5] != 0 && h[6] > 0 &&
                               h[0] % h[3] == 0 && h[0] <= (1 << 20) && h[2] <= (1 << 12) && h[3] <= h[0];
        if (plausible) return loadLlama2c(path);
    }
    // A protocol-2 pickle: torch.save's legacy format, refused with advice. After
    // llama2.c, whose dim 640 also starts with the bytes 80 02.
    if (got >= 2 && head[0] == 0x80 && head[1] == 0x02) return loadPytorchFile(path);
    throw FormatError(path,
                      "unrecognised format: expected a Hugging Face folder, a .safetensors, "
                      ".gguf, llama2.c .bin or PyTorch .pt/.bin file, or \"demo\"");
}

}  // namespace

std::unique_ptr<Checkpoint> openCheckpoint(const std::string& path) {
    if (path == "demo") return makeDemoCheckpoint();
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw FormatError(path, "no such file or folder");
    if (fs::is_directory(st)) return loadHfFolder(path);

    const std::string ext = lowerExtension(path);
    if (ext == ".safetensors") return loadSafetensorsFile(path);
    if (ext == ".gguf") return loadGguf(path);
    if (ext == ".pt" || ext == ".pth") return loadPytorchFile(path);
    // llama2.c and PyTorch both use .bin: a zip (or legacy torch) header decides.
    if (ext == ".bin") return detail::isPytorchFile(path) ? loadPytorchFile(path) : loadLlama2c(path);
    return openByMagic(path);
}

}  // namespace ctscope
