// libFuzzer harness for `seqc import`: any bytes as a bundle must import or be refused
// with a message, never crash, hang or trip a sanitizer, and a refused import changes
// nothing. What imports is removed again, so every input meets the same workspace.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "seqc/workspace/workspace.h"

namespace {

struct Setup {
  std::string dir, bundle;
  std::unique_ptr<seqc::ws::Workspace> ws;
  Setup() {
    const char* stdlib = std::getenv("SEQC_STDLIB");
    std::string base = std::filesystem::temp_directory_path() / ("seqc-fuzz-bundle-" + std::to_string(::getpid()));
    std::filesystem::remove_all(base);
    std::filesystem::create_directories(base);
    dir = base + "/ws";
    bundle = base + "/bundle.json";
    seqc::ws::Workspace::init(dir, 1767225600);
    ws = std::make_unique<seqc::ws::Workspace>(dir, stdlib ? stdlib : "stdlib");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Setup setup;
  {
    std::ofstream out(setup.bundle, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    for (const std::string& name : setup.ws->importBundle(setup.bundle)) setup.ws->remove(name);
  } catch (const seqc::ws::Error& e) {
    if (std::string(e.what()).empty()) __builtin_trap();  // a refusal always says why
  }
  // Nothing of a refused or removed import is left to run.
  if (!setup.ws->list({}).empty()) {
    std::fprintf(stderr, "fuzz_bundle: an import left a sequence behind\n");
    __builtin_trap();
  }
  return 0;
}
