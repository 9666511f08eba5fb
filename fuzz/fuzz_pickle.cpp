// libFuzzer target: a torch.save file. Input starting with "PK" goes
// through the zip directory reader and then the unpickler on its data.pkl;
// anything else straight through the restricted unpickler. Then the whole
// checkpoint loader on it as pytorch_model.bin of a folder.
#include "fuzz_checkpoint_read.h"
#include "fuzz_common.h"

#include "core/format/pickle_reader.h"
#include "core/format/zip_archive.h"

#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ctscope;
    fuzz::expectFormatErrorOnly([&] {
        if (ZipArchive::hasZipMagic(data, size)) {
            const ZipArchive zip(data, size, "fuzz.zip");
            for (const ZipEntry& e : zip.entries()) {
                if (e.name.size() < 8 || e.name.compare(e.name.size() - 8, 8, "data.pkl") != 0) continue;
                const uint8_t* p = zip.storedData(e);
                const PickleReader pickle(p, e.size, "fuzz.zip/" + e.name);
                (void)pickle.nodeCount();
            }
        } else {
            const PickleReader pickle(data, size, "fuzz.pkl");
            (void)pickle.nodeCount();
        }
    });
    static const auto dir = [] {
        const auto d = fuzz::scratch() / "pt";
        std::filesystem::create_directories(d);
        return d;
    }();
    fuzz::writeScratch("pt/pytorch_model.bin", data, size);
    fuzz::expectFormatErrorOnly([&] { fuzz::readSmallTensors(*loadHfFolder(dir.string())); });
    return 0;
}
