#include "scan/pickle/pickle_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace ms {

namespace {

struct DangerousModule {
  std::string_view module;  // this module and every submodule
  std::string_view why;
};

constexpr std::string_view kRunsCode = "runs code or commands";
constexpr std::string_view kImports = "imports modules or resolves names at load time";
constexpr std::string_view kFiles = "reads or writes files";
constexpr std::string_view kNetwork = "reaches the network";
constexpr std::string_view kDeserialises = "deserialises further data, which can carry its own payload";
constexpr std::string_view kReflects = "reflection: fetches attributes or builds callables at load time";

constexpr std::array kDangerousModules = {
    DangerousModule{"os", kRunsCode},
    DangerousModule{"posix", kRunsCode},
    DangerousModule{"nt", kRunsCode},
    DangerousModule{"subprocess", kRunsCode},
    DangerousModule{"_posixsubprocess", kRunsCode},
    DangerousModule{"pty", kRunsCode},
    DangerousModule{"commands", kRunsCode},
    DangerousModule{"popen2", kRunsCode},
    DangerousModule{"platform", kRunsCode},
    DangerousModule{"sys", kRunsCode},
    DangerousModule{"code", kRunsCode},
    DangerousModule{"codeop", kRunsCode},
    DangerousModule{"runpy", kRunsCode},
    DangerousModule{"timeit", kRunsCode},
    DangerousModule{"pdb", kRunsCode},
    DangerousModule{"bdb", kRunsCode},
    DangerousModule{"cProfile", kRunsCode},
    DangerousModule{"profile", kRunsCode},
    DangerousModule{"trace", kRunsCode},
    DangerousModule{"pydoc", kRunsCode},
    DangerousModule{"doctest", kRunsCode},
    DangerousModule{"venv", kRunsCode},
    DangerousModule{"ensurepip", kRunsCode},
    DangerousModule{"pip", kRunsCode},
    DangerousModule{"_pip", kRunsCode},
    DangerousModule{"setuptools", kRunsCode},
    DangerousModule{"distutils", kRunsCode},
    DangerousModule{"pkg_resources", kImports},
    DangerousModule{"importlib", kImports},
    DangerousModule{"pkgutil", kImports},
    DangerousModule{"imp", kImports},
    DangerousModule{"zipimport", kImports},
    DangerousModule{"ctypes", kRunsCode},
    DangerousModule{"_ctypes", kRunsCode},
    DangerousModule{"cffi", kRunsCode},
    DangerousModule{"types", kRunsCode},
    DangerousModule{"inspect", kReflects},
    DangerousModule{"operator", kReflects},
    DangerousModule{"_operator", kReflects},
    DangerousModule{"functools", kReflects},
    DangerousModule{"itertools", kReflects},
    DangerousModule{"threading", kRunsCode},
    DangerousModule{"_thread", kRunsCode},
    DangerousModule{"multiprocessing", kRunsCode},
    DangerousModule{"concurrent", kRunsCode},
    DangerousModule{"asyncio", kRunsCode},
    DangerousModule{"signal", kRunsCode},
    DangerousModule{"atexit", kRunsCode},
    DangerousModule{"gc", kReflects},
    DangerousModule{"weakref", kReflects},
    DangerousModule{"marshal", kDeserialises},
    DangerousModule{"pickle", kDeserialises},
    DangerousModule{"_pickle", kDeserialises},
    DangerousModule{"cPickle", kDeserialises},
    DangerousModule{"pickletools", kDeserialises},
    DangerousModule{"shelve", kDeserialises},
    DangerousModule{"dill", kDeserialises},
    DangerousModule{"cloudpickle", kDeserialises},
    DangerousModule{"jsonpickle", kDeserialises},
    DangerousModule{"yaml", kDeserialises},
    DangerousModule{"_io", kFiles},
    DangerousModule{"io", kFiles},
    DangerousModule{"fileinput", kFiles},
    DangerousModule{"shutil", kFiles},
    DangerousModule{"tempfile", kFiles},
    DangerousModule{"glob", kFiles},
    DangerousModule{"linecache", kFiles},
    DangerousModule{"zipfile", kFiles},
    DangerousModule{"tarfile", kFiles},
    DangerousModule{"sqlite3", kFiles},
    DangerousModule{"logging", kFiles},
    DangerousModule{"socket", kNetwork},
    DangerousModule{"_socket", kNetwork},
    DangerousModule{"ssl", kNetwork},
    DangerousModule{"http", kNetwork},
    DangerousModule{"httplib", kNetwork},
    DangerousModule{"urllib", kNetwork},
    DangerousModule{"urllib2", kNetwork},
    DangerousModule{"urllib3", kNetwork},
    DangerousModule{"requests", kNetwork},
    DangerousModule{"ftplib", kNetwork},
    DangerousModule{"smtplib", kNetwork},
    DangerousModule{"poplib", kNetwork},
    DangerousModule{"imaplib", kNetwork},
    DangerousModule{"telnetlib", kNetwork},
    DangerousModule{"xmlrpc", kNetwork},
    DangerousModule{"socketserver", kNetwork},
    DangerousModule{"webbrowser", kRunsCode},
    DangerousModule{"aiohttp", kNetwork},
    DangerousModule{"joblib", kDeserialises},  // its array wrappers are allowed below
    DangerousModule{"numpy.testing", kRunsCode},
    DangerousModule{"numpy.f2py", kRunsCode},
    DangerousModule{"numpy.distutils", kRunsCode},
    DangerousModule{"numpy.lib.npyio", kDeserialises},
    DangerousModule{"numpy.lib.format", kDeserialises},
    DangerousModule{"numpy.ctypeslib", kRunsCode},
    DangerousModule{"torch.serialization", kDeserialises},  // _get_layout is allowed below
    DangerousModule{"torch.hub", kNetwork},
    DangerousModule{"torch.jit", kRunsCode},
    DangerousModule{"torch._dynamo", kRunsCode},
    DangerousModule{"torch._inductor", kRunsCode},
    DangerousModule{"torch.utils.cpp_extension", kRunsCode},
    DangerousModule{"torch.package", kDeserialises},
    DangerousModule{"torch.distributed", kNetwork},
    DangerousModule{"torch.multiprocessing", kRunsCode},
    DangerousModule{"torch.testing", kRunsCode},
    DangerousModule{"torch._ops", kRunsCode},
    DangerousModule{"torch.ops", kRunsCode},
    DangerousModule{"torch.classes", kRunsCode},
    DangerousModule{"torch.library", kRunsCode},
    DangerousModule{"torch.fx", kRunsCode},  // GraphModule pickles exec() their generated source
    DangerousModule{"torch._C", kRunsCode},
    DangerousModule{"torch.utils.model_zoo", kNetwork},
    DangerousModule{"torch._export", kDeserialises},
    DangerousModule{"torch.export", kDeserialises},
    DangerousModule{"pandas.core.computation", kRunsCode},  // pandas.eval / DataFrame.query evaluate text
    DangerousModule{"sklearn.datasets", kNetwork},
    DangerousModule{"sklearn.utils._testing", kRunsCode},
    DangerousModule{"sklearn.externals", kDeserialises},
    DangerousModule{"pandas.io", kFiles},
    DangerousModule{"keras", kDeserialises},
    DangerousModule{"tensorflow", kRunsCode},
    DangerousModule{"IPython", kRunsCode},
    DangerousModule{"__main__", kRunsCode},
};

// Whole names that are dangerous in otherwise tolerated modules.
struct DangerousName {
  std::string_view name;
  std::string_view why;
};
constexpr std::array kDangerousNames = {
    DangerousName{"torch.load", kDeserialises},  DangerousName{"torch.save", kFiles},
    DangerousName{"torch.from_file", kFiles},    DangerousName{"numpy.load", kDeserialises},
    DangerousName{"numpy.save", kFiles},         DangerousName{"numpy.savez", kFiles},
    DangerousName{"numpy.savetxt", kFiles},      DangerousName{"numpy.loadtxt", kFiles},
    DangerousName{"numpy.genfromtxt", kFiles},   DangerousName{"numpy.fromfile", kFiles},
    DangerousName{"numpy.memmap", kFiles},       DangerousName{"numpy.core.memmap.memmap", kFiles},
    DangerousName{"numpy.DataSource", kNetwork}, DangerousName{"pandas.read_pickle", kDeserialises},
    DangerousName{"pandas.eval", kRunsCode},     DangerousName{"torch._utils._import_dotted_name", kImports},
    DangerousName{"pandas.read_csv", kFiles},    DangerousName{"_codecs.open", kFiles},
    DangerousName{"codecs.open", kFiles},
};

constexpr std::array<std::string_view, 22> kDangerousBuiltins = {
    "eval",        "exec",
    "compile",     "open",
    "__import__",  "getattr",
    "setattr",     "delattr",
    "globals",     "locals",
    "vars",        "input",
    "breakpoint",  "help",
    "exit",        "quit",
    "memoryview",  "super",
    "classmethod", "staticmethod",
    "property",    "__build_class__",
};

// Containers, numbers and pure functions of their arguments. Those that call what they are given (map,
// filter, sorted's key, ...) only reach callables the pickle imports, and each import is judged itself.
constexpr std::string_view kSafeBuiltins[] = {
    "dict",     "list",      "set",    "frozenset",  "tuple",      "bytearray",
    "bytes",    "int",       "float",  "complex",    "str",        "bool",
    "slice",    "range",     "object", "NoneType",   "Ellipsis",   "NotImplemented",
    "reversed", "enumerate", "zip",    "map",        "filter",     "min",
    "max",      "abs",       "sum",    "len",        "sorted",     "round",
    "divmod",   "pow",       "all",    "any",        "hash",       "repr",
    "ascii",    "format",    "chr",    "ord",        "bin",        "oct",
    "hex",      "iter",      "next",   "isinstance", "issubclass",
};

// Exact names of reconstruction helpers.
constexpr std::string_view kSafeNames[] = {
    "copyreg._reconstructor",
    "copyreg.__newobj__",
    "copyreg.__newobj_ex__",
    "_codecs.encode",
    "_codecs.decode",
    "codecs.encode",
    "codecs.decode",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.Counter",
    "collections.deque",
    "collections.namedtuple",
    "datetime.date",
    "datetime.datetime",
    "datetime.time",
    "datetime.timedelta",
    "datetime.timezone",
    "decimal.Decimal",
    "fractions.Fraction",
    "uuid.UUID",
    "re._compile",
    "enum.Enum",
    "argparse.Namespace",
    "types.SimpleNamespace",
    "numpy.ndarray",
    "numpy.dtype",
    // numpy scalar types: pickled as dtype arguments and constructors of plain numbers.
    "numpy.bool_",
    "numpy.int8",
    "numpy.int16",
    "numpy.int32",
    "numpy.int64",
    "numpy.uint8",
    "numpy.uint16",
    "numpy.uint32",
    "numpy.uint64",
    "numpy.float16",
    "numpy.float32",
    "numpy.float64",
    "numpy.longdouble",
    "numpy.complex64",
    "numpy.complex128",
    "numpy.clongdouble",
    "numpy.str_",
    "numpy.bytes_",
    "numpy.object_",
    "numpy.datetime64",
    "numpy.timedelta64",
    "numpy.intc",
    "numpy.uintc",
    "numpy.intp",
    "numpy.uintp",
    "numpy.longlong",
    "numpy.ulonglong",
    "numpy.half",
    "numpy.single",
    "numpy.double",
    "numpy.csingle",
    "numpy.cdouble",
    "numpy.core.multiarray._reconstruct",
    "numpy.core.multiarray.scalar",
    "numpy._core.multiarray._reconstruct",
    "numpy._core.multiarray.scalar",
    "numpy.core.numeric._frombuffer",
    "numpy._core.numeric._frombuffer",
    "numpy.ma.core._mareconstruct",
    "numpy.ma.core.MaskedArray",
    "numpy.random._pickle.__randomstate_ctor",
    "numpy.random._pickle.__generator_ctor",
    "numpy.random._pickle.__bit_generator_ctor",
    "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937",
    "numpy.random._pcg64.PCG64",
    "numpy.random.bit_generator.SeedSequence",
    "torch.Size",
    "torch.device",
    "torch.dtype",
    "torch.layout",
    "torch.memory_format",
    "torch.qscheme",
    "torch.serialization._get_layout",
    "torch._tensor._rebuild_from_type",
    "torch._tensor._rebuild_from_type_v2",
    "torch.nn.parameter.Parameter",
    "torch.nn.parameter.UninitializedParameter",
    "torch.Tensor",
    "torch.storage.TypedStorage",
    "torch.storage.UntypedStorage",
    "torch.storage._StorageBase",
    "torch.cuda.amp.grad_scaler.GradScaler",
    "torch.distributions.constraints._Real",
};

// Modules whose every name is a data class or reconstruction helper.
constexpr std::array<std::string_view, 16> kSafeModules = {
    "torch._utils",      // _rebuild_tensor_v2, _rebuild_parameter, _rebuild_qtensor, ...
    "torch.nn.modules",  // layer classes of full-module pickles
    "torch.optim",       // optimizer and scheduler classes
    "torch.nn.utils.parametrize",
    "torch.ao.quantization",
    "torch.quantization",
    "torch.distributions",
    "torch.utils.data.dataloader",
    "sklearn",  // estimator classes (dangerous submodules are listed above)
    "scipy.sparse",
    "scipy.stats._distn_infrastructure",
    "pandas.core",
    "pandas._libs",
    "joblib.numpy_pickle",  // array wrappers, checked by name below
    "xgboost.core",
    "lightgbm.basic",
};

constexpr std::array<std::string_view, 3> kCopyregHelpers = {"_reconstructor", "__newobj__", "__newobj_ex__"};
constexpr std::array<std::string_view, 4> kFunctoolsWrappers = {"partial", "partialmethod", "reduce",
                                                                "cmp_to_key"};
constexpr std::array<std::string_view, 7> kLoggingData = {
    "getLogger", "Logger", "RootLogger", "LoggerAdapter", "Formatter", "Filter", "NullHandler"};

constexpr std::array<std::string_view, 3> kJoblibWrappers = {"NumpyArrayWrapper", "NDArrayWrapper",
                                                             "ZNDArrayWrapper"};

bool is_submodule_of(std::string_view module, std::string_view parent) {
  return module == parent ||
         (module.size() > parent.size() && module.starts_with(parent) && module[parent.size()] == '.');
}

template <typename Range>
bool contains(const Range& range, std::string_view name) {
  return std::find(std::begin(range), std::end(range), name) != std::end(range);
}

bool is_dunder(std::string_view part) {
  return part.size() > 4 && part.starts_with("__") && part.ends_with("__");
}

// torch.float32, torch.FloatStorage, torch.BFloat16Storage, ... (protocol 2 globals of the torch module).
bool is_torch_data_name(std::string_view name) {
  static constexpr std::array<std::string_view, 22> kDtypes = {
      "float32",   "float",      "float64", "double",  "float16", "half",  "bfloat16", "int8",
      "uint8",     "int16",      "short",   "int32",   "int",     "int64", "long",     "bool",
      "complex64", "complex128", "cfloat",  "cdouble", "qint8",   "quint8"};
  static constexpr std::array<std::string_view, 5> kOther = {"strided", "sparse_coo", "contiguous_format",
                                                             "channels_last", "per_tensor_affine"};
  if (contains(kDtypes, name) || contains(kOther, name)) return true;
  return name.ends_with("Storage") && name.find('.') == std::string_view::npos &&
         std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

constexpr std::string_view kSideEffectVerb =
    "a function or method whose name says it reads, writes, loads, downloads or runs something";

// The last attribute of an otherwise unknown name, when it names an effect no data reconstruction has:
// writing (to_csv, tofile, save, dump, write_text), loading or fetching (load, read, urlopen), running
// (exec, eval, system, spawn, popen, run) or importing. Unknown names are medium; these are critical.
bool names_side_effect(std::string_view qualname) {
  std::string_view last = qualname.substr(qualname.rfind('.') + 1);
  static constexpr std::string_view kVerbs[] = {
      "to_",      "tofile",  "save",     "dump",      "write",  "load",     "read",   "open",
      "exec",     "eval",    "system",   "spawn",     "popen",  "run",      "import", "fetch",
      "download", "urlopen", "remove",   "unlink",    "rmtree", "makedirs", "mkdir",  "chmod",
      "rename",   "compile", "fromfile", "from_file", "execute"};
  return std::any_of(std::begin(kVerbs), std::end(kVerbs),
                     [&](std::string_view verb) { return last.starts_with(verb); });
}

}  // namespace

PickleClassification classify_pickle_global(std::string_view module, std::string_view qualname) {
  if (module == "__builtin__" || module == "exceptions") module = "builtins";
  const std::string full = std::string(module) + "." + std::string(qualname);
  const std::string_view head = qualname.substr(0, qualname.find('.'));
  const bool dotted = qualname.find('.') != std::string_view::npos;

  if (module.empty() || qualname.empty())
    return {PickleVerdict::dangerous, "an empty module or name: the unpickler resolves something unexpected"};
  for (std::string_view part = qualname;;) {  // attribute walks such as "eval.__call__" or "__globals__"
    std::size_t dot = part.find('.');
    if (is_dunder(part.substr(0, dot)) && !(dot == std::string_view::npos && !dotted &&
                                            (qualname == "__newobj__" || qualname == "__newobj_ex__" ||
                                             qualname.find("ctor") != std::string_view::npos)))
      return {PickleVerdict::dangerous, std::string(kReflects)};
    if (dot == std::string_view::npos) break;
    part.remove_prefix(dot + 1);
  }

  for (const DangerousName& entry : kDangerousNames)
    if (full == entry.name ||
        (std::string_view(full).starts_with(entry.name) && full[entry.name.size()] == '.'))
      return {PickleVerdict::dangerous, std::string(entry.why)};
  if (full == "torch.storage._load_from_bytes") return {PickleVerdict::loader, std::string(kDeserialises)};

  if (module == "builtins") {
    if (contains(kDangerousBuiltins, head))
      return {PickleVerdict::dangerous, "a builtin that runs code, opens files or reflects"};
    if (!dotted && contains(kSafeBuiltins, qualname)) return {PickleVerdict::safe, {}};
    if (dotted) return {PickleVerdict::dangerous, std::string(kReflects)};
    return {PickleVerdict::unknown, {}};
  }
  if (module == "pathlib") {
    // Path objects are data (checkpoints store them); their methods write files (a .pth file is code).
    if (dotted) return {PickleVerdict::dangerous, std::string(kFiles)};
    return {PickleVerdict::safe, {}};
  }
  if (module == "codecs" || module == "_codecs") {
    if (!dotted && (qualname == "encode" || qualname == "decode")) return {PickleVerdict::safe, {}};
    return {PickleVerdict::dangerous, std::string(kFiles)};
  }
  if (module == "copyreg") {
    // The reconstruction helpers every protocol-2+ pickle of an object uses are data; the registries
    // (add_extension feeds EXT1/2/4, pickle registers reducers) change what later opcodes import.
    if (contains(kCopyregHelpers, qualname)) return {PickleVerdict::safe, {}};
    return {PickleVerdict::dangerous, std::string(kImports)};
  }
  if (module == "types" && qualname == "SimpleNamespace") return {PickleVerdict::safe, {}};
  // Wrappers that only call the callables they are given, each of which is an import judged on its own;
  // the rest of functools (update_wrapper, wraps, ...) copies attributes by name and stays dangerous.
  if (module == "functools" && contains(kFunctoolsWrappers, qualname)) return {PickleVerdict::safe, {}};
  // Logger objects pickle as logging.getLogger(name); handlers and configuration open files and sockets.
  if (module == "logging" && contains(kLoggingData, qualname)) return {PickleVerdict::safe, {}};
  if (is_submodule_of(module, "joblib.numpy_pickle") && !dotted && contains(kJoblibWrappers, qualname))
    return {PickleVerdict::safe, {}};

  for (const DangerousModule& entry : kDangerousModules)
    if (is_submodule_of(module, entry.module)) return {PickleVerdict::dangerous, std::string(entry.why)};

  if (contains(kSafeNames, full)) return {PickleVerdict::safe, {}};
  if (module == "torch" && !dotted && is_torch_data_name(qualname)) return {PickleVerdict::safe, {}};
  for (std::string_view safe : kSafeModules) {
    if (!is_submodule_of(module, safe)) continue;
    // Classes and private reconstruction helpers only: public functions of these packages may do I/O, and
    // so may the methods of their classes (pandas.core.frame.DataFrame.to_csv writes a file).
    if (!dotted && (std::isupper(static_cast<unsigned char>(head.front())) || head.starts_with("_rebuild")))
      return {PickleVerdict::safe, {}};
  }
  if (names_side_effect(qualname)) return {PickleVerdict::dangerous, std::string(kSideEffectVerb)};
  return {PickleVerdict::unknown, {}};
}

}  // namespace ms
