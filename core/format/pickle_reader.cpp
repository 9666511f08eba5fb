// The opcodes of pickle protocols 2 to 5 that plain data and torch.save use,
// interpreted on a value tree. Calls of the allowed globals are interpreted
// below (reduce()); nothing else can be called, so no code ever runs.
#include "core/format/pickle_reader.h"

#include "core/util/error.h"

#include <cstring>
#include <set>
#include <unordered_map>

namespace ctscope {

namespace {

constexpr size_t kMaxStack = size_t{1} << 20;
constexpr size_t kMaxMarks = size_t{1} << 16;
constexpr size_t kMaxMemo = size_t{1} << 22;
constexpr size_t kMaxNodes = size_t{1} << 22;
/// Container items in all (a memo reference can be appended again and again).
constexpr size_t kMaxItems = size_t{1} << 24;

const char* const kOrderedDict = "collections.OrderedDict";
const char* const kRebuildTensor = "torch._utils._rebuild_tensor";
const char* const kRebuildTensorV2 = "torch._utils._rebuild_tensor_v2";
const char* const kRebuildParameter = "torch._utils._rebuild_parameter";
const char* const kRebuildParameterState = "torch._utils._rebuild_parameter_with_state";
const char* const kRebuildFromType = "torch._tensor._rebuild_from_type_v2";
const char* const kSize = "torch.Size";

bool isStorageType(const std::string& g) {
    static const std::set<std::string> kStorages{
        "torch.FloatStorage",  "torch.HalfStorage",         "torch.BFloat16Storage",      "torch.DoubleStorage",
        "torch.LongStorage",   "torch.IntStorage",          "torch.ShortStorage",         "torch.CharStorage",
        "torch.ByteStorage",   "torch.BoolStorage",         "torch.ComplexFloatStorage",  "torch.ComplexDoubleStorage",
        "torch.QInt8Storage",  "torch.QUInt8Storage",       "torch.QInt32Storage",        "torch.QUInt4x2Storage",
        "torch.QUInt2x4Storage"};
    return kStorages.count(g) > 0;
}

bool isAllowedGlobal(const std::string& g) {
    static const std::set<std::string> kAllowed{kOrderedDict,      kRebuildTensor,         kRebuildTensorV2,
                                                kRebuildParameter, kRebuildParameterState, kRebuildFromType,
                                                kSize,             "torch.Tensor",         "torch.nn.parameter.Parameter"};
    return kAllowed.count(g) > 0 || isStorageType(g);
}

}  // namespace

/// The unpickling machine: a stack, marks and a memo of node ids.
class PickleMachine {
public:
    PickleMachine(PickleReader& out, const uint8_t* data, uint64_t size, const std::string& file)
        : m_out(out), m_data(data), m_size(size), m_file(file) {}
    int run();

private:
    using Kind = PickleNode::Kind;

    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError(m_file, "pickle byte " + std::to_string(m_op) + ": " + what);
    }
    const uint8_t* take(uint64_t n) {
        if (n > m_size - m_pos) fail("the pickle stream ends in the middle of an opcode (truncated?)");
        const uint8_t* p = m_data + m_pos;
        m_pos += n;
        return p;
    }
    uint64_t readLe(unsigned n) {
        const uint8_t* p = take(n);
        uint64_t v = 0;
        for (unsigned k = 0; k < n; ++k) v |= static_cast<uint64_t>(p[k]) << (8 * k);
        return v;
    }
    std::string readString(uint64_t n) {
        const uint8_t* p = take(n);
        return std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    }
    std::string readLine() {
        const uint64_t start = m_pos;
        while (m_pos < m_size && m_data[m_pos] != '\n') ++m_pos;
        if (m_pos >= m_size) fail("GLOBAL name without its newline (truncated?)");
        return std::string(reinterpret_cast<const char*>(m_data + start), static_cast<size_t>(m_pos++ - start));
    }
    const PickleNode& at(int id) const { return m_out.m_nodes[static_cast<size_t>(id)]; }
    int make(Kind k, int64_t i = 0, std::string s = {}, std::vector<int> items = {}) {
        if (m_out.m_nodes.size() >= kMaxNodes) fail("more than " + std::to_string(kMaxNodes) + " values");
        PickleNode n;
        n.kind = k;
        n.i = i;
        n.s = std::move(s);
        n.items = std::move(items);
        m_out.m_nodes.push_back(std::move(n));
        return static_cast<int>(m_out.m_nodes.size() - 1);
    }
    void push(int id) {
        if (m_stack.size() >= kMaxStack) fail("stack deeper than " + std::to_string(kMaxStack));
        m_stack.push_back(id);
    }
    int pop() {
        if (m_stack.size() <= (m_marks.empty() ? 0 : m_marks.back())) fail("pop from an empty stack");
        const int id = m_stack.back();
        m_stack.pop_back();
        return id;
    }
    int top() {
        const int id = pop();
        m_stack.push_back(id);
        return id;
    }
    std::vector<int> popMark() {
        if (m_marks.empty()) fail("no MARK for this opcode");
        const size_t from = m_marks.back();
        m_marks.pop_back();
        std::vector<int> items(m_stack.begin() + static_cast<std::ptrdiff_t>(from), m_stack.end());
        m_stack.resize(from);
        countItems(items.size());
        return items;
    }
    void countItems(size_t n) {
        m_items += n;
        if (m_items > kMaxItems) fail("more than " + std::to_string(kMaxItems) + " container items");
    }
    PickleNode& container(Kind k, const char* op) {
        const int id = top();
        if (at(id).kind != k) fail(std::string(op) + " on a value that is not a " + (k == Kind::Dict ? "dict" : "list"));
        return m_out.m_nodes[static_cast<size_t>(id)];
    }
    void memoPut(uint64_t key) {
        if (m_memo.size() >= kMaxMemo && !m_memo.count(key)) fail("memo larger than " + std::to_string(kMaxMemo));
        m_memo[key] = top();
    }
    void memoGet(uint64_t key) {
        const auto it = m_memo.find(key);
        if (it == m_memo.end()) fail("memo key " + std::to_string(key) + " was never stored");
        push(it->second);
    }
    int global(const std::string& module, const std::string& name) {
        // Protocol 2 writes Python 3's builtins under their Python 2 module name.
        const std::string g = (module == "__builtin__" ? std::string("builtins") : module) + "." + name;
        if (!isAllowedGlobal(g))
            fail("global '" + g +
                 "' is not allowed in a checkpoint: only the globals of a state dict (collections.OrderedDict, "
                 "torch._utils._rebuild_tensor_v2, torch storages…) are read, and nothing is executed; save the "
                 "weights alone with torch.save(model.state_dict(), f)");
        return make(Kind::Global, 0, g);
    }
    int integer(uint64_t raw, unsigned bytes) {
        if (bytes > 8) fail("integer of " + std::to_string(bytes) + " bytes is too large");
        if (bytes > 0 && bytes < 8 && (raw >> (8 * bytes - 1)) & 1u) raw |= ~uint64_t{0} << (8 * bytes);
        return make(Kind::Int, static_cast<int64_t>(raw));
    }
    int persistent(int pid);
    int call(int callable, const std::vector<int>& args);
    void step(uint8_t op);

    PickleReader& m_out;
    const uint8_t* m_data;
    uint64_t m_size;
    const std::string& m_file;
    uint64_t m_pos = 0;
    uint64_t m_op = 0;
    std::vector<int> m_stack;
    std::vector<size_t> m_marks;
    std::unordered_map<uint64_t, int> m_memo;
    size_t m_items = 0;
    bool m_stopped = false;
};

int PickleMachine::persistent(int pid) {
    const PickleNode& t = at(pid);
    const auto& it = t.items;
    if (t.kind != Kind::Tuple || it.size() != 5 || at(it[0]).kind != Kind::String || at(it[0]).s != "storage")
        fail("persistent id is not ('storage', type, key, location, numel)");
    if (at(it[1]).kind != Kind::Global || !isStorageType(at(it[1]).s))
        fail("persistent id: the storage type is not a torch storage class");
    if (at(it[2]).kind != Kind::String || at(it[4]).kind != Kind::Int || at(it[4]).i < 0)
        fail("persistent id: the storage key must be a string and its size a non-negative integer");
    return make(Kind::Storage, at(it[4]).i, at(it[2]).s, {it[1]});
}

int PickleMachine::call(int callable, const std::vector<int>& args) {
    if (at(callable).kind != Kind::Global) fail("REDUCE on a value that is not a global");
    const std::string g = at(callable).s;
    auto argKind = [&](size_t k, Kind want, const char* what) {
        if (at(args[k]).kind != want) fail(g + ": argument " + std::to_string(k) + " is not " + what);
    };
    if (g == kOrderedDict) {
        if (!args.empty()) fail("collections.OrderedDict called with arguments");
        return make(Kind::Dict);
    }
    if (g == kRebuildTensorV2 || g == kRebuildTensor) {
        const bool v2 = g == kRebuildTensorV2;
        if (v2 ? (args.size() != 6 && args.size() != 7) : args.size() != 4)
            fail(g + " called with " + std::to_string(args.size()) + " arguments");
        argKind(0, Kind::Storage, "a storage");
        argKind(1, Kind::Int, "an integer storage offset");
        argKind(2, Kind::Tuple, "a size tuple");
        argKind(3, Kind::Tuple, "a stride tuple");
        for (int dims : {args[2], args[3]})
            for (int d : at(dims).items)
                if (at(d).kind != Kind::Int) fail(g + ": a size or stride is not an integer");
        return make(Kind::Tensor, at(args[1]).i, {}, {args[0], args[2], args[3]});
    }
    if (g == kRebuildParameter || g == kRebuildParameterState) {
        if (args.size() != (g == kRebuildParameter ? 3u : 4u)) fail(g + " called with the wrong arguments");
        argKind(0, Kind::Tensor, "a tensor");
        return args[0];
    }
    if (g == kRebuildFromType) {
        if (args.size() != 4) fail(g + " called with the wrong arguments");
        argKind(0, Kind::Global, "a function");
        argKind(1, Kind::Global, "a tensor type");
        argKind(2, Kind::Tuple, "an argument tuple");
        if (at(args[0]).s == kRebuildFromType) fail(g + " nested in itself");
        return call(args[0], at(args[2]).items);
    }
    if (g == kSize) {
        if (args.size() != 1) fail("torch.Size called with the wrong arguments");
        argKind(0, Kind::Tuple, "a tuple");
        return args[0];
    }
    fail("global '" + g + "' cannot be called in a checkpoint");
}

void PickleMachine::step(uint8_t op) {
    switch (op) {
        case 0x80: {  // PROTO
            const uint64_t v = readLe(1);
            if (v < 2 || v > 5) fail("pickle protocol " + std::to_string(v) + ", expected 2 to 5");
            break;
        }
        case 0x95: readLe(8); break;  // FRAME: a length hint only
        case '.': m_stopped = true; break;
        case '(':
            if (m_marks.size() >= kMaxMarks) fail("MARKs nested deeper than " + std::to_string(kMaxMarks));
            m_marks.push_back(m_stack.size());
            break;
        case '0': pop(); break;
        case '1': popMark(); break;
        case '2': push(top()); break;
        case 'N': push(make(Kind::None)); break;
        case 0x88: push(make(Kind::Bool, 1)); break;
        case 0x89: push(make(Kind::Bool, 0)); break;
        case 'J': push(integer(readLe(4), 4)); break;
        case 'K': push(make(Kind::Int, static_cast<int64_t>(readLe(1)))); break;
        case 'M': push(make(Kind::Int, static_cast<int64_t>(readLe(2)))); break;
        case 0x8a: {  // LONG1
            const auto n = static_cast<unsigned>(readLe(1));
            if (n > 8) fail("integer of " + std::to_string(n) + " bytes is too large");
            push(integer(readLe(n), n));
            break;
        }
        case 0x8b: {  // LONG4
            const uint64_t n = readLe(4);
            if (n > 8) fail("integer of " + std::to_string(n) + " bytes is too large");
            push(integer(readLe(static_cast<unsigned>(n)), static_cast<unsigned>(n)));
            break;
        }
        case 'G': {  // BINFLOAT, big-endian
            const uint8_t* p = take(8);
            uint64_t bits = 0;
            for (int k = 0; k < 8; ++k) bits = (bits << 8) | p[k];
            double d;
            std::memcpy(&d, &bits, sizeof d);
            const int id = make(Kind::Float);
            m_out.m_nodes[static_cast<size_t>(id)].f = d;
            push(id);
            break;
        }
        case 'X': push(make(Kind::String, 0, readString(readLe(4)))); break;
        case 0x8c: push(make(Kind::String, 0, readString(readLe(1)))); break;
        case 0x8d: push(make(Kind::String, 0, readString(readLe(8)))); break;
        case 'U': push(make(Kind::String, 0, readString(readLe(1)))); break;
        case 'T': {
            const uint64_t n = readLe(4);
            if (n >> 31) fail("negative string length");
            push(make(Kind::String, 0, readString(n)));
            break;
        }
        case 'C': push(make(Kind::Bytes, 0, readString(readLe(1)))); break;
        case 'B': push(make(Kind::Bytes, 0, readString(readLe(4)))); break;
        case 0x8e: push(make(Kind::Bytes, 0, readString(readLe(8)))); break;
        case '}': push(make(Kind::Dict)); break;
        case ']': push(make(Kind::List)); break;
        case 0x8f: push(make(Kind::List)); break;  // EMPTY_SET: kept as a list
        case ')': push(make(Kind::Tuple)); break;
        case 't': push(make(Kind::Tuple, 0, {}, popMark())); break;
        case 0x85: push(make(Kind::Tuple, 0, {}, {pop()})); break;
        case 0x86: {
            const int b = pop();
            const int a = pop();
            push(make(Kind::Tuple, 0, {}, {a, b}));
            break;
        }
        case 0x87: {
            const int c = pop();
            const int b = pop();
            const int a = pop();
            push(make(Kind::Tuple, 0, {}, {a, b, c}));
            break;
        }
        case 'l': push(make(Kind::List, 0, {}, popMark())); break;
        case 0x91: push(make(Kind::List, 0, {}, popMark())); break;  // FROZENSET
        case 'd': {
            std::vector<int> kv = popMark();
            if (kv.size() % 2) fail("DICT with an odd number of items");
            push(make(Kind::Dict, 0, {}, std::move(kv)));
            break;
        }
        case 'a': {
            const int v = pop();
            countItems(1);
            container(Kind::List, "APPEND").items.push_back(v);
            break;
        }
        case 'e':
        case 0x90: {  // APPENDS, ADDITEMS
            const std::vector<int> v = popMark();
            auto& items = container(Kind::List, "APPENDS").items;
            items.insert(items.end(), v.begin(), v.end());
            break;
        }
        case 's': {
            const int v = pop();
            const int k = pop();
            countItems(2);
            auto& items = container(Kind::Dict, "SETITEM").items;
            items.push_back(k);
            items.push_back(v);
            break;
        }
        case 'u': {
            const std::vector<int> kv = popMark();
            if (kv.size() % 2) fail("SETITEMS with an odd number of items");
            auto& items = container(Kind::Dict, "SETITEMS").items;
            items.insert(items.end(), kv.begin(), kv.end());
            break;
        }
        case 'c': {
            std::string module = readLine();
            std::string name = readLine();
            push(global(module, name));
            break;
        }
        case 0x93: {  // STACK_GLOBAL
            const int name = pop();
            const int module = pop();
            if (at(name).kind != Kind::String || at(module).kind != Kind::String)
                fail("STACK_GLOBAL needs two strings");
            push(global(at(module).s, at(name).s));
            break;
        }
        case 'R': {
            const int args = pop();
            const int callable = pop();
            if (at(args).kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
            push(call(callable, at(args).items));
            break;
        }
        case 0x81: {  // NEWOBJ: cls.__new__(cls, *args); only an empty OrderedDict is a plain value
            const int args = pop();
            const int cls = pop();
            if (at(cls).kind != Kind::Global || at(cls).s != kOrderedDict || at(args).kind != Kind::Tuple ||
                !at(args).items.empty())
                fail("NEWOBJ creates an object, which a state dict does not hold");
            push(make(Kind::Dict));
            break;
        }
        case 'b': pop(); top(); break;  // BUILD: object state (e.g. a state dict's _metadata) is not needed
        case 'Q': push(persistent(pop())); break;
        case 'q': memoPut(readLe(1)); break;
        case 'r': memoPut(readLe(4)); break;
        case 0x94: memoPut(m_memo.size()); break;
        case 'h': memoGet(readLe(1)); break;
        case 'j': memoGet(readLe(4)); break;
        default: {
            const bool printable = op >= 0x20 && op < 0x7f;
            fail("opcode 0x" + std::string(1, "0123456789abcdef"[op >> 4]) + "0123456789abcdef"[op & 15] +
                 (printable ? std::string(" '") + static_cast<char>(op) + "'" : std::string()) +
                 " is not one torch.save writes (protocol 0/1 text opcodes and out-of-band buffers are not read)");
        }
    }
}

int PickleMachine::run() {
    while (!m_stopped) {
        m_op = m_pos;
        if (m_pos >= m_size) fail("the pickle stream ends without STOP (truncated?)");
        step(m_data[m_pos++]);
    }
    m_op = m_pos - 1;
    if (!m_marks.empty() || m_stack.size() != 1) fail("STOP with " + std::to_string(m_stack.size()) + " values left");
    return m_stack.back();
}

PickleReader::PickleReader(const uint8_t* data, uint64_t size, std::string file) {
    if (!data && size > 0) throw FormatError(file, "no pickle data");
    m_root = PickleMachine(*this, data, size, file).run();
}

std::string PickleReader::storageType(const PickleNode& storage) const {
    if (storage.kind != PickleNode::Kind::Storage || storage.items.empty()) return {};
    const std::string& g = node(storage.items[0]).s;
    return g.rfind("torch.", 0) == 0 ? g.substr(6) : g;
}

}  // namespace ctscope
