// libFuzzer target: a .safetensors file (8-byte header length, JSON header,
// tensor bytes) through loadSafetensorsFile and a read of its small tensors.
#include "fuzz_checkpoint_read.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctscope;
    const std::string path = fuzz::writeScratch("model.safetensors", data, size);
    fuzz::expectFormatErrorOnly([&] { fuzz::readSmallTensors(*loadSafetensorsFile(path)); });
    return 0;
}
