#include "core/util/cli_args.h"

#include "core/report/list_parse.h"

#include <sstream>

namespace ctscope {

Args::Args(int argc, char** argv, int first, const std::set<std::string>& valued,
           const std::set<std::string>& switches) {
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0 || a == "--") {
            m_positional.push_back(a);
            continue;
        }
        std::string key = a.substr(2);
        std::string value;
        bool hasValue = false;
        if (auto eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key = key.substr(0, eq);
            hasValue = true;
        }
        if (switches.count(key)) {
            if (hasValue) throw UsageError("--" + key + " takes no value");
            m_switches.insert(key);
        } else if (valued.count(key)) {
            if (!hasValue) {
                if (i + 1 >= argc) throw UsageError("--" + key + " needs a value");
                value = argv[++i];
            }
            m_values[key] = value;
        } else {
            throw UsageError("unknown option --" + key);
        }
    }
}

bool Args::has(const std::string& flag) const { return m_switches.count(flag) || m_values.count(flag); }

std::string Args::get(const std::string& flag, const std::string& fallback) const {
    auto it = m_values.find(flag);
    return it == m_values.end() ? fallback : it->second;
}

int Args::getInt(const std::string& flag, int fallback) const {
    auto it = m_values.find(flag);
    if (it == m_values.end()) return fallback;
    try {
        size_t used = 0;
        int v = std::stoi(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("");
        return v;
    } catch (const std::exception&) {
        throw UsageError("--" + flag + " expects an integer, got '" + it->second + "'");
    }
}

double Args::getDouble(const std::string& flag, double fallback) const {
    auto it = m_values.find(flag);
    if (it == m_values.end()) return fallback;
    try {
        size_t used = 0;
        double v = std::stod(it->second, &used);
        if (used != it->second.size()) throw std::invalid_argument("");
        return v;
    } catch (const std::exception&) {
        throw UsageError("--" + flag + " expects a number, got '" + it->second + "'");
    }
}

std::vector<std::string> Args::getList(const std::string& flag, const std::vector<std::string>& fallback) const {
    auto it = m_values.find(flag);
    if (it == m_values.end()) return fallback;
    std::vector<std::string> out;
    std::stringstream ss(it->second);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    if (out.empty()) throw UsageError("--" + flag + " expects a comma-separated list");
    return out;
}

std::vector<int> Args::getIntList(const std::string& flag, const std::vector<int>& fallback) const {
    auto it = m_values.find(flag);
    if (it == m_values.end()) return fallback;
    std::vector<int> out;
    std::string bad;
    if (!parseIntList(it->second, &out, &bad)) throw UsageError("--" + flag + " expects integers, got '" + bad + "'");
    if (out.empty()) throw UsageError("--" + flag + " expects a comma-separated list");
    return out;
}

std::vector<double> Args::getDoubleList(const std::string& flag, const std::vector<double>& fallback) const {
    if (!m_values.count(flag)) return fallback;
    std::vector<double> out;
    for (const auto& s : getList(flag, {})) {
        try {
            size_t used = 0;
            out.push_back(std::stod(s, &used));
            if (used != s.size()) throw std::invalid_argument("");
        } catch (const std::exception&) {
            throw UsageError("--" + flag + " expects numbers, got '" + s + "'");
        }
    }
    return out;
}

}  // namespace ctscope
