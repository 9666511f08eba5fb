#pragma once
/// Next-token loss of a checkpoint on a text file, with the protocol of the
/// reference figures. Torch-free interface (the command line and UI use it).
#include "core/train/device.h"
#include "core/util/progress.h"

#include <cstdint>
#include <string>

namespace ctscope {

class Checkpoint;

struct EvalOptions {
    std::string dataFile;
    std::string tokenizerFile;  ///< empty: the checkpoint's own
    int docs = 40;              ///< first N documents (≤ 0: all)
    int threads = 0;            ///< 0: leave LibTorch's default
    DeviceKind device = DeviceKind::Auto;  ///< where the forward runs (`--device`)
};

struct EvalReport {
    double loss = 0.0;          ///< mean nats per predicted token
    int64_t tokens = 0;         ///< predicted tokens
    int docs = 0;
    int contextLength = 0;      ///< documents were cut to this many tokens
    std::string tokenizerKind;  ///< "sentencepiece", "llama2c", "gguf"
    double seconds = 0.0;
};

/// Protocol: the file split on `<|endoftext|>`, each document stripped, the
/// first `docs`, each encoded as BOS + encode(doc) and cut to the model's
/// context length; teacher forcing; mean over all predicted tokens (float32
/// forward, double accumulation). Blocking; any thread. Throws FormatError /
/// std::runtime_error on bad input and Cancelled when `progress` returns false.
EvalReport evaluateCheckpoint(const Checkpoint& ckpt, const EvalOptions& opts, const ProgressFn& progress = {});

} // namespace ctscope
