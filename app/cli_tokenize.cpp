// `ctscope tokenize`: the ids a checkpoint's tokenizer gives a text, so that
// users can check them against the reference implementation they trust.
#include "core/util/cli_args.h"
#include "app/command_line.h"
#include "app/commands.h"

#include "core/train/text_data.h"
#include "core/train/tokenizer.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <optional>
#include <string>
#include <vector>

namespace ctscope::cli {

namespace {

void declareTokenize(CommandLine& cl) {
    cl.positional("TOKENIZER", "a checkpoint, a folder holding a tokenizer, or a tokenizer file (tokenizer.json, "
                               "SentencePiece .model, llama2.c tokenizer.bin)")
        .value("text", "STRING", "print the ids on one line, separated by spaces")
        .value("data", "FILE", "one line per document (split on <|endoftext|>, stripped, as `eval` reads it)")
        .value("json", "FILE", "write {\"ids\": [...], \"tokens\": [...]}, with --data {\"docs\": [...]} "
                               "('-': to stdout instead of the plain lines)")
        .flag("no-special", "no BOS/EOS (added tokens written in the text are still matched)")
        .flag("decode", "STRING is a list of ids (spaces or commas); print the text they stand for")
        .footer("Give either --text or --data.");
}

std::vector<int> parseIds(const std::string& s) {
    std::vector<int> ids;
    std::string t = s;
    for (char& c : t)
        if (c == ',' || c == '[' || c == ']') c = ' ';
    std::istringstream in(t);
    std::string word;
    while (in >> word) {
        try {
            size_t used = 0;
            const int v = std::stoi(word, &used);
            if (used != word.size() || v < 0) throw std::invalid_argument("");
            ids.push_back(v);
        } catch (const std::exception&) {
            throw UsageError("--decode: '" + word + "' is not a token id");
        }
    }
    return ids;
}

nlohmann::json entry(const Tokenizer& tok, const std::vector<int>& ids) {
    nlohmann::json tokens = nlohmann::json::array();
    for (int id : ids) tokens.push_back(tok.tokenPiece(id));
    return {{"ids", ids}, {"tokens", tokens}};
}

std::string joined(const std::vector<int>& ids) {
    std::string line;
    for (size_t i = 0; i < ids.size(); ++i) line += (i ? " " : "") + std::to_string(ids[i]);
    return line;
}

void writeJson(const std::string& path, const nlohmann::json& j) {
    if (path == "-") {
        std::printf("%s\n", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return;
    }
    std::ofstream out(path, std::ios::binary);
    if (!out) throw std::runtime_error(path + ": cannot write the JSON file");
    // A token may hold a partial UTF-8 sequence (SentencePiece byte pieces are
    // whole, but a vocabulary need not be): replace rather than fail.
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    if (!out) throw std::runtime_error(path + ": write failed");
}

} // namespace

int cmdTokenize(int argc, char** argv) {
    CommandLine cl("tokenize", "Token ids of a text, or of each document in a file.");
    try {
        declareTokenize(cl);
        const std::optional<Args> parsed = cl.parse(argc, argv);
        if (!parsed) return 0;
        const Args& args = *parsed;
        // With --json - the JSON is all that goes to stdout.
        std::FILE* lines = args.get("json") == "-" ? nullptr : stdout;
        auto say = [lines](const std::string& s) {
            if (lines) std::fprintf(lines, "%s\n", s.c_str());
        };
        if (args.positional().size() != 1) throw UsageError("expected exactly one TOKENIZER");
        if (args.has("text") == args.has("data")) throw UsageError("give either --text STRING or --data FILE");
        if (args.has("decode") && !args.has("text")) throw UsageError("--decode reads ids from --text");
        const auto tok = openTokenizerAt(args.positional()[0]);
        const bool special = !args.has("no-special");
        auto encode = [&](const std::string& s) { return special ? tok->encodeWithSpecials(s) : tok->encode(s); };

        if (args.has("decode")) {
            const std::vector<int> ids = parseIds(args.get("text"));
            for (int id : ids)
                if (id >= tok->vocabSize())
                    throw UsageError("--decode: id " + std::to_string(id) + " is beyond the vocabulary (" +
                                     std::to_string(tok->vocabSize()) + " tokens)");
            const std::string text = tok->decode(ids);
            say(text);
            if (args.has("json")) {
                nlohmann::json j = entry(*tok, ids);
                j["text"] = text;
                writeJson(args.get("json"), j);
            }
            return 0;
        }
        if (args.has("text")) {
            const std::vector<int> ids = encode(args.get("text"));
            say(joined(ids));
            if (args.has("json")) writeJson(args.get("json"), entry(*tok, ids));
            return 0;
        }
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<std::string> docs = readEvalDocuments(args.get("data"), 0);
        nlohmann::json out = nlohmann::json::array();
        size_t total = 0, bytes = 0;
        for (const std::string& d : docs) {
            const std::vector<int> ids = encode(d);
            say(joined(ids));
            if (args.has("json")) out.push_back(entry(*tok, ids));
            total += ids.size();
            bytes += d.size();
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::fprintf(stderr, "%zu documents, %zu bytes, %zu tokens (%s tokenizer, %.2f s)\n", docs.size(), bytes,
                     total, tok->kind().c_str(), secs);
        if (args.has("json")) writeJson(args.get("json"), {{"docs", out}});
        return 0;
    } catch (const UsageError& e) {
        return usageFailure("ctscope tokenize", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ctscope tokenize: %s\n", e.what());
        return 1;
    }
}

} // namespace ctscope::cli
