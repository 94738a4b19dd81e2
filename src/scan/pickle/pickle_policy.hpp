#pragma once
// Which globals a pickle may import. An allow-list: names the ML ecosystem writes into ordinary files pass
// silently, names known to run code or touch the system are dangerous, everything else is unknown.
#include <string>
#include <string_view>

namespace ms {

enum class PickleVerdict {
  safe,       // data reconstruction helpers: tensors, arrays, containers, estimator classes
  loader,     // deserialises bytes it is given (torch.storage._load_from_bytes): as safe as those bytes
  dangerous,  // runs code, imports modules, touches files, processes or the network, or reflects
  unknown,    // needs code the file does not carry
};

struct PickleClassification {
  PickleVerdict verdict = PickleVerdict::unknown;
  std::string why;  // for dangerous names: what the callable can do
};

// `module` as CPython's find_class sees it (after Python 2 renaming), `qualname` possibly dotted.
PickleClassification classify_pickle_global(std::string_view module, std::string_view qualname);

}  // namespace ms
