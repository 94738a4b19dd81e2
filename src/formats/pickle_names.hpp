#pragma once
#include <string>

namespace ms::pickle_vm {

// Unpickler.find_class renames Python 2 globals to their Python 3 homes (Lib/_compat_pickle.py:
// NAME_MAPPING first, then IMPORT_MAPPING for the module alone) when the protocol is below 3 and
// fix_imports is on, which is the default.
void map_python2_name(std::string& module, std::string& name);

}  // namespace ms::pickle_vm
