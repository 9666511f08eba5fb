#pragma once
/// Helpers shared by the checkpoint loaders. Internal to core/format: not part
/// of the public API, may change with the loaders.
#include "core/format/checkpoint.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ctscope::detail {

/// a × b, or nullopt when it does not fit in 64 bits.
std::optional<uint64_t> mulChecked(uint64_t a, uint64_t b);
/// a + b, or nullopt when it does not fit in 64 bits.
std::optional<uint64_t> addChecked(uint64_t a, uint64_t b);
/// Product of the dims; nullopt when a dim is negative or the product
/// exceeds int64. An empty shape (a scalar) has one element.
std::optional<int64_t> numelChecked(const std::vector<int64_t>& shape);
/// "[512, 64]"
std::string shapeString(const std::vector<int64_t>& shape);
/// Quotes a name for messages, cutting absurdly long ones.
std::string quoted(const std::string& name);

/// The file that holds `t`, or the checkpoint's own path for in-memory tensors.
std::string tensorFile(const Checkpoint& ck, const TensorInfo& t);

/// Throws FormatError when two tensors of the same file share bytes.
void checkNoOverlap(const Checkpoint& ck);

/// First fills the config fields the source left unknown (0) from the
/// shapes, with notes (config_from_shapes.h; FormatError listing tensor names
/// when none follows a known naming scheme). Then throws FormatError when a
/// tensor's shape contradicts the config: embed and head [vocab, d_model],
/// q/k/v/o, gate/up/down (and fused, expert forms), norms [d_model], layer
/// index within n_layers, duplicate names. `strict` = false, or a field taken
/// from the shapes, checks only the d_model side.
void checkShapesAgainstConfig(Checkpoint& ck, bool strict);

/// Sets TensorInfo::transposed on GPT-2 Conv1D weights (stored [in, out]).
void markConv1D(Checkpoint& ck);

/// Reads and parses a JSON file of at most `maxBytes`; FormatError naming
/// the file when it is missing, too large or not valid JSON.
nlohmann::json readJsonFile(const std::string& file, uint64_t maxBytes);

/// Parses a Hugging Face config.json of any model_type that gives a width
/// (hidden_size, n_embd or d_model); other fields may be 0 (unknown).
ModelConfig parseHfConfig(const std::string& file);

/// Fills ck.m_config from tensor shapes alone (heads = d_model / 64) and adds
/// a note saying so. Throws FormatError when there is no embedding to go by.
void inferConfigFromShapes(Checkpoint& ck);

/// Appends the tensors of the safetensors file ck.m_files[fileIndex],
/// validating its header against the file.
void readSafetensorsHeader(Checkpoint& ck, int fileIndex);

/// The steps every Hugging Face-style checkpoint shares once its tensors are
/// read: file order, config.json from `dir` (or inferred from the shapes),
/// shape checks, tokenizer lookup. `sharedStorage`: the tensors come from
/// PyTorch pickles, where views may share bytes; exact aliases (tied
/// weights) are listed once (dropAliasedTensors) instead of refused as overlaps.
void finishHfCheckpoint(Checkpoint& ck, const std::string& dir, bool sharedStorage);

/// True when the file starts like a torch.save file (zip, or the legacy pickle).
bool isPytorchFile(const std::string& path);
/// Maps a torch.save archive as ck.m_files.back() and appends its tensors;
/// returns its file index.
int mapPytorchFile(Checkpoint& ck, const std::string& file);
/// Removes tensors that are the same bytes, shape and dtype as an earlier one
/// (tied weights saved twice), with a note; a head aliasing the embedding
/// marks the config tied.
void dropAliasedTensors(Checkpoint& ck);

}  // namespace ctscope::detail
