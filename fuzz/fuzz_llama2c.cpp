// libFuzzer target: a llama2.c .bin (seven int32 of config, then float32
// weights) through loadLlama2c and a read of its small tensors.
#include "fuzz_checkpoint_read.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctscope;
    const std::string path = fuzz::writeScratch("model.bin", data, size);
    fuzz::expectFormatErrorOnly([&] { fuzz::readSmallTensors(*loadLlama2c(path)); });
    return 0;
}
