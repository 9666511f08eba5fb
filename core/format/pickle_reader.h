#pragma once
/// A restricted unpickler for PyTorch state dicts. It builds a tree of plain
/// values and never runs code: a global is accepted only from a short list of
/// names a state dict needs, and calling one is interpreted here (an empty
/// OrderedDict, a tensor description), never executed.
#include <cstdint>
#include <string>
#include <vector>

namespace ctscope {

struct PickleNode {
    enum class Kind : uint8_t { None, Bool, Int, Float, String, Bytes, Tuple, List, Dict, Global, Storage, Tensor };
    Kind kind = Kind::None;
    int64_t i = 0;      ///< Int, Bool (0/1); Storage: element count; Tensor: storage offset in elements
    double f = 0;       ///< Float
    std::string s;      ///< String, Bytes; Global: "module.name"; Storage: its key in the archive's data/ folder
    /// Tuple, List: the items' node ids. Dict: key, value, key, value… in
    /// insertion order. Storage: {storage-type Global}. Tensor: {Storage,
    /// size Tuple, stride Tuple}.
    std::vector<int> items;
};

class PickleReader {
public:
    /// Runs the pickle in [data, data + size) (protocols 2 to 5, as
    /// torch.save writes them) up to its STOP. Throws FormatError naming
    /// `file` for a global outside the allowed list (e.g. "global 'os.system'
    /// is not allowed in a checkpoint"), an unknown opcode, a truncated
    /// stream or a value of the wrong kind; stack, memo and node counts are
    /// bounded. Persistent ids must be ('storage', type, key, location, numel).
    PickleReader(const uint8_t* data, uint64_t size, std::string file);

    int root() const { return m_root; }
    const PickleNode& node(int id) const { return m_nodes.at(static_cast<size_t>(id)); }
    size_t nodeCount() const { return m_nodes.size(); }
    /// "FloatStorage" for the Global "torch.FloatStorage" of a Storage node.
    std::string storageType(const PickleNode& storage) const;

private:
    friend class PickleMachine;
    std::vector<PickleNode> m_nodes;
    int m_root = -1;
};

} // namespace ctscope
