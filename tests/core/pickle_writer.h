#pragma once
/// Hand-written pickles and zip archives for the PyTorch checkpoint tests,
/// written from the pickle opcode descriptions (CPython's pickletools) and
/// PKWARE's APPNOTE, sharing no code with ctscope's readers. They produce
/// what torch.save writes and deliberately broken variants of it.
#include <cstdint>
#include <string>
#include <vector>

namespace ctscope::test::pickle {

/// Appends pickle opcodes; every method returns *this for chaining.
class PickleBytes {
public:
    PickleBytes& proto(int version = 2);
    PickleBytes& op(uint8_t opcode);            ///< any single opcode byte
    PickleBytes& raw(const std::string& bytes);  ///< arbitrary bytes
    PickleBytes& mark() { return op('('); }
    PickleBytes& stop() { return op('.'); }
    PickleBytes& tuple() { return op('t'); }    ///< TUPLE from the last MARK
    PickleBytes& emptyTuple() { return op(')'); }
    PickleBytes& emptyDict() { return op('}'); }
    PickleBytes& emptyList() { return op(']'); }
    PickleBytes& reduce() { return op('R'); }
    PickleBytes& setitem() { return op('s'); }
    PickleBytes& setitems() { return op('u'); }
    PickleBytes& append() { return op('a'); }
    PickleBytes& persid() { return op('Q'); }
    PickleBytes& none() { return op('N'); }
    PickleBytes& boolean(bool b) { return op(b ? 0x88 : 0x89); }
    PickleBytes& global(const std::string& module, const std::string& name);  ///< GLOBAL
    PickleBytes& str(const std::string& s);                                   ///< BINUNICODE
    PickleBytes& integer(int64_t v);  ///< BININT1 / BININT2 / BININT / LONG1
    PickleBytes& put(uint32_t key);   ///< BINPUT or LONG_BINPUT
    PickleBytes& get(uint32_t key);   ///< BINGET or LONG_BINGET
    /// ('storage', torch.<type>, key, 'cpu', numel), then BINPERSID.
    PickleBytes& storage(const std::string& type, const std::string& key, int64_t numel);
    /// torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()).
    PickleBytes& tensorV2(const std::string& type, const std::string& key, int64_t numel, int64_t offset,
                          const std::vector<int64_t>& size, const std::vector<int64_t>& stride);
    std::vector<uint8_t> bytes;
};

struct ZipEntrySpec {
    std::string name;
    std::vector<uint8_t> data;  ///< written as given (method is only recorded)
    uint16_t method = 0;
};

/// A zip archive of the entries (CRC-32 computed); `zip64` writes ZIP64 extra
/// fields and end records even for small entries, as writers do above 4 GB.
std::vector<uint8_t> zipBytes(const std::vector<ZipEntrySpec>& entries, bool zip64 = false);

/// {name: tensor} state-dict pickle of float32 tensors of `shapes`, each
/// contiguous in its own storage "0", "1", … (the layout torch.save writes).
struct PlainTensor {
    std::string name;
    std::vector<int64_t> shape;
};
std::vector<uint8_t> stateDictPickle(const std::vector<PlainTensor>& tensors);

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes);
std::vector<uint8_t> readFile(const std::string& path);

}  // namespace ctscope::test::pickle
