#include "pickle_writer.h"

#include <fstream>
#include <stdexcept>

namespace ctscope::test::pickle {

namespace {

void le(std::vector<uint8_t>& out, uint64_t v, int bytes) {
    for (int k = 0; k < bytes; ++k) out.push_back(static_cast<uint8_t>(v >> (8 * k)));
}

uint32_t crc32(const std::vector<uint8_t>& data) {
    uint32_t c = 0xFFFFFFFFu;
    for (uint8_t b : data) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

}  // namespace

PickleBytes& PickleBytes::proto(int version) {
    bytes.push_back(0x80);
    bytes.push_back(static_cast<uint8_t>(version));
    return *this;
}

PickleBytes& PickleBytes::op(uint8_t opcode) {
    bytes.push_back(opcode);
    return *this;
}

PickleBytes& PickleBytes::raw(const std::string& s) {
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
}

PickleBytes& PickleBytes::global(const std::string& module, const std::string& name) {
    return op('c').raw(module + "\n" + name + "\n");
}

PickleBytes& PickleBytes::str(const std::string& s) {
    op('X');
    le(bytes, s.size(), 4);
    return raw(s);
}

PickleBytes& PickleBytes::integer(int64_t v) {
    if (v >= 0 && v < 256) {
        op('K');
        le(bytes, static_cast<uint64_t>(v), 1);
    } else if (v >= 0 && v < 65536) {
        op('M');
        le(bytes, static_cast<uint64_t>(v), 2);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
        op('J');
        le(bytes, static_cast<uint64_t>(v), 4);
    } else {
        // LONG1: little-endian two's complement, as short as keeps the sign.
        std::vector<uint8_t> b;
        int64_t x = v;
        do {
            b.push_back(static_cast<uint8_t>(x & 0xff));
            x >>= 8;  // arithmetic shift on every supported compiler
        } while (!((x == 0 && !(b.back() & 0x80)) || (x == -1 && (b.back() & 0x80))));
        op(0x8a);
        bytes.push_back(static_cast<uint8_t>(b.size()));
        bytes.insert(bytes.end(), b.begin(), b.end());
    }
    return *this;
}

PickleBytes& PickleBytes::put(uint32_t key) {
    if (key < 256) {
        op('q');
        le(bytes, key, 1);
    } else {
        op('r');
        le(bytes, key, 4);
    }
    return *this;
}

PickleBytes& PickleBytes::get(uint32_t key) {
    if (key < 256) {
        op('h');
        le(bytes, key, 1);
    } else {
        op('j');
        le(bytes, key, 4);
    }
    return *this;
}

PickleBytes& PickleBytes::storage(const std::string& type, const std::string& key, int64_t numel) {
    return mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel).tuple().persid();
}

PickleBytes& PickleBytes::tensorV2(const std::string& type, const std::string& key, int64_t numel, int64_t offset,
                                   const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
    global("torch._utils", "_rebuild_tensor_v2").mark();
    storage(type, key, numel).integer(offset);
    mark();
    for (int64_t s : size) integer(s);
    tuple().mark();
    for (int64_t s : stride) integer(s);
    tuple().boolean(false).global("collections", "OrderedDict").emptyTuple().reduce();
    return tuple().reduce();
}

std::vector<uint8_t> stateDictPickle(const std::vector<PlainTensor>& tensors) {
    PickleBytes p;
    p.proto().emptyDict().put(0).mark();
    for (size_t i = 0; i < tensors.size(); ++i) {
        int64_t n = 1;
        for (int64_t d : tensors[i].shape) n *= d;
        std::vector<int64_t> stride(tensors[i].shape.size(), 1);
        for (size_t d = stride.size(); d-- > 1;) stride[d - 1] = stride[d] * tensors[i].shape[d];
        p.str(tensors[i].name).tensorV2("FloatStorage", std::to_string(i), n, 0, tensors[i].shape, stride);
    }
    p.setitems().stop();
    return p.bytes;
}

std::vector<uint8_t> zipBytes(const std::vector<ZipEntrySpec>& entries, bool zip64) {
    std::vector<uint8_t> out;
    std::vector<uint64_t> offsets;
    const uint16_t version = zip64 ? 45 : 20;
    for (const ZipEntrySpec& e : entries) {
        offsets.push_back(out.size());
        le(out, 0x04034b50, 4);
        le(out, version, 2);
        le(out, 0, 2);         // flags
        le(out, e.method, 2);  // method
        le(out, 0, 2);         // time
        le(out, 0x21, 2);      // date: 1980-01-01
        le(out, crc32(e.data), 4);
        le(out, zip64 ? 0xFFFFFFFFu : e.data.size(), 4);
        le(out, zip64 ? 0xFFFFFFFFu : e.data.size(), 4);
        le(out, e.name.size(), 2);
        le(out, zip64 ? 20 : 0, 2);
        out.insert(out.end(), e.name.begin(), e.name.end());
        if (zip64) {
            le(out, 0x0001, 2);
            le(out, 16, 2);
            le(out, e.data.size(), 8);
            le(out, e.data.size(), 8);
        }
        out.insert(out.end(), e.data.begin(), e.data.end());
    }
    const uint64_t cdOffset = out.size();
    for (size_t i = 0; i < entries.size(); ++i) {
        const ZipEntrySpec& e = entries[i];
        le(out, 0x02014b50, 4);
        le(out, version, 2);  // made by
        le(out, version, 2);  // needed
        le(out, 0, 2);
        le(out, e.method, 2);
        le(out, 0, 2);
        le(out, 0x21, 2);
        le(out, crc32(e.data), 4);
        le(out, zip64 ? 0xFFFFFFFFu : e.data.size(), 4);
        le(out, zip64 ? 0xFFFFFFFFu : e.data.size(), 4);
        le(out, e.name.size(), 2);
        le(out, zip64 ? 28 : 0, 2);
        le(out, 0, 2);  // comment
        le(out, 0, 2);  // disk
        le(out, 0, 2);  // internal attributes
        le(out, 0, 4);  // external attributes
        le(out, zip64 ? 0xFFFFFFFFu : offsets[i], 4);
        out.insert(out.end(), e.name.begin(), e.name.end());
        if (zip64) {
            le(out, 0x0001, 2);
            le(out, 24, 2);
            le(out, e.data.size(), 8);  // uncompressed
            le(out, e.data.size(), 8);  // compressed
            le(out, offsets[i], 8);     // local header
        }
    }
    const uint64_t cdSize = out.size() - cdOffset;
    if (zip64) {
        const uint64_t end64 = out.size();
        le(out, 0x06064b50, 4);
        le(out, 44, 8);
        le(out, 45, 2);
        le(out, 45, 2);
        le(out, 0, 4);
        le(out, 0, 4);
        le(out, entries.size(), 8);
        le(out, entries.size(), 8);
        le(out, cdSize, 8);
        le(out, cdOffset, 8);
        le(out, 0x07064b50, 4);
        le(out, 0, 4);
        le(out, end64, 8);
        le(out, 1, 4);
    }
    le(out, 0x06054b50, 4);
    le(out, 0, 2);
    le(out, 0, 2);
    le(out, zip64 ? 0xFFFF : entries.size(), 2);
    le(out, zip64 ? 0xFFFF : entries.size(), 2);
    le(out, zip64 ? 0xFFFFFFFFu : cdSize, 4);
    le(out, zip64 ? 0xFFFFFFFFu : cdOffset, 4);
    le(out, 0, 2);
    return out;
}

void writeFile(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<uint8_t> readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

}  // namespace ctscope::test::pickle
