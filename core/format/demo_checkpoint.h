#pragma once
/// The built-in synthetic checkpoint ("demo"): a small Llama-architecture
/// model generated deterministically with planted per-type spectral structure.
/// Clearly labelled synthetic (Checkpoint::synthetic()).
#include <memory>

namespace ctscope {

class Checkpoint;

/// d_model 128, 4 layers, 8 heads, 4 kv heads, ffn 344, vocab 512, untied head.
std::unique_ptr<Checkpoint> makeDemoCheckpoint();

} // namespace ctscope
