// libFuzzer target: a GGUF file (header, metadata key/values, tensor infos,
// aligned data; F32/F16/BF16 and quantised blocks) through loadGguf and a
// read of its small tensors.
#include "fuzz_checkpoint_read.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctscope;
    const std::string path = fuzz::writeScratch("model.gguf", data, size);
    fuzz::expectFormatErrorOnly([&] { fuzz::readSmallTensors(*loadGguf(path)); });
    return 0;
}
