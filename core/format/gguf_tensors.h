#pragma once
/// The tensor-info section of one GGUF file (a whole file or one shard of a
/// split GGUF). Internal to the GGUF loader.
#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {
class Checkpoint;
}

namespace ctscope::detail {

class GgufReader;

/// Reads `count` tensor-info entries at the reader's position (just after the
/// metadata of ck.m_files[fileIndex]) and validates each against that file:
/// dimensions, whole blocks per row, alignment and data inside the data
/// section. Tensors of a type ctscope decodes go to ck.m_tensors; tensors of a
/// GGML type it cannot decode (IQ*, TQ*, …) go to ck.m_unsupported with the
/// reason, their byte size still checked when the type is known. Throws
/// FormatError naming the file and the tensor.
void readGgufTensorInfos(GgufReader& r, uint64_t count, uint64_t alignment, Checkpoint& ck, int fileIndex);

/// The shape of a tensor the file holds, decodable or not; nullptr when absent.
const std::vector<int64_t>* ggufTensorShape(const Checkpoint& ck, const std::string& name);

/// Adds a note saying how many tensors of which GGML types were left out.
void noteUnsupportedTensors(Checkpoint& ck);

}  // namespace ctscope::detail
