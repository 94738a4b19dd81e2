#include "scan/keras/symbols.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

namespace ms::keras {
namespace {

using NameCapability = std::pair<std::string_view, std::string_view>;

constexpr std::string_view kProcess = "process execution";
constexpr std::string_view kCode = "code execution or import";
constexpr std::string_view kFiles = "file system access";
constexpr std::string_view kNetwork = "network access";
constexpr std::string_view kDeserialize = "deserialisation of code";
constexpr std::string_view kObfuscation = "decoding of hidden data";

// Modules that give a loaded config the process, code execution, files or the network. The root of a
// `module` value is looked up here (an attacker names `os`, `subprocess`, `builtins`... to have Keras import
// it and hand over one of its functions, CVE-2025-1550).
constexpr auto kDangerousModules = std::to_array<NameCapability>({
    {"IPython", kCode},
    {"_ctypes", kCode},
    {"_io", kFiles},
    {"_pickle", kDeserialize},
    {"_posixsubprocess", kProcess},
    {"_socket", kNetwork},
    {"_thread", kCode},
    {"aiohttp", kNetwork},
    {"antigravity", kNetwork},
    {"asynchat", kNetwork},
    {"asyncio", kProcess},
    {"asyncore", kNetwork},
    {"bdb", kCode},
    {"boto3", kNetwork},
    {"botocore", kNetwork},
    {"bz2", kFiles},
    {"cPickle", kDeserialize},
    {"cProfile", kCode},
    {"cffi", kCode},
    {"cloudpickle", kDeserialize},
    {"code", kCode},
    {"codeop", kCode},
    {"commands", kProcess},
    {"concurrent", kProcess},
    {"copyreg", kDeserialize},
    {"ctypes", kCode},
    {"dbm", kFiles},
    {"dill", kDeserialize},
    {"distutils", kProcess},
    {"docker", kProcess},
    {"doctest", kCode},
    {"fabric", kProcess},
    {"fcntl", kFiles},
    {"fileinput", kFiles},
    {"fsspec", kNetwork},
    {"ftplib", kNetwork},
    {"functools", kCode},
    {"gc", kCode},
    {"gdown", kNetwork},
    {"genericpath", kFiles},
    {"glob", kFiles},
    {"gzip", kFiles},
    {"h5py", kFiles},
    {"http", kNetwork},
    {"httplib", kNetwork},
    {"httpx", kNetwork},
    {"huggingface_hub", kNetwork},
    {"imaplib", kNetwork},
    {"imp", kCode},
    {"importlib", kCode},
    {"inspect", kCode},
    {"invoke", kProcess},
    {"io", kFiles},
    {"ipykernel", kCode},
    {"joblib", kDeserialize},
    {"jsonpickle", kDeserialize},
    {"keyring", kFiles},
    {"linecache", kFiles},
    {"logging", kFiles},
    {"lzma", kFiles},
    {"marshal", kDeserialize},
    {"mmap", kFiles},
    {"multiprocessing", kProcess},
    {"nntplib", kNetwork},
    {"nt", kProcess},
    {"ntpath", kFiles},
    {"numpy", kDeserialize},
    {"operator", kCode},
    {"os", kProcess},
    {"pandas", kDeserialize},
    {"paramiko", kNetwork},
    {"pathlib", kFiles},
    {"pdb", kCode},
    {"pexpect", kProcess},
    {"pickle", kDeserialize},
    {"pip", kProcess},
    {"pkgutil", kCode},
    {"platform", kProcess},
    {"plumbum", kProcess},
    {"popen2", kProcess},
    {"poplib", kNetwork},
    {"posix", kProcess},
    {"posixpath", kFiles},
    {"profile", kCode},
    {"psutil", kProcess},
    {"pty", kProcess},
    {"pydoc", kCode},
    {"requests", kNetwork},
    {"runpy", kCode},
    {"select", kNetwork},
    {"selectors", kNetwork},
    {"setuptools", kProcess},
    {"sh", kProcess},
    {"shelve", kDeserialize},
    {"shutil", kFiles},
    {"signal", kProcess},
    {"site", kCode},
    {"smart_open", kNetwork},
    {"smtplib", kNetwork},
    {"socket", kNetwork},
    {"socketserver", kNetwork},
    {"sqlite3", kFiles},
    {"ssl", kNetwork},
    {"subprocess", kProcess},
    {"sys", kCode},
    {"tarfile", kFiles},
    {"telnetlib", kNetwork},
    {"tempfile", kFiles},
    {"threading", kCode},
    {"timeit", kCode},
    {"torch", kDeserialize},
    {"trace", kCode},
    {"types", kCode},
    {"urllib", kNetwork},
    {"urllib2", kNetwork},
    {"urllib3", kNetwork},
    {"webbrowser", kNetwork},
    {"wget", kNetwork},
    {"xmlrpc", kNetwork},
    {"yaml", kDeserialize},
    {"zipfile", kFiles},
    {"zipimport", kCode},
    {"zmq", kNetwork},
});

constexpr auto kDangerousBuiltins = std::to_array<NameCapability>({
    {"__build_class__", kCode},
    {"__import__", kCode},
    {"breakpoint", kCode},
    {"compile", kCode},
    {"delattr", kCode},
    {"eval", kCode},
    {"exec", kCode},
    {"exit", kProcess},
    {"getattr", kCode},
    {"globals", kCode},
    {"help", kCode},
    {"input", kFiles},
    {"locals", kCode},
    {"open", kFiles},
    {"setattr", kCode},
    {"vars", kCode},
});

constexpr auto kPythonBuiltinFunctions = std::to_array<std::string_view>({
    "__build_class__",
    "__import__",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
});

// Names (co_names of a Lambda's code objects) that reach beyond tensor arithmetic.
constexpr auto kCodeNames = std::to_array<NameCapability>({
    {"CDLL", kCode},
    {"CodeType", kCode},
    {"FunctionType", kCode},
    {"GFile", kFiles},
    {"Path", kFiles},
    {"Popen", kProcess},
    {"__base__", kCode},
    {"__bases__", kCode},
    {"__builtin__", kCode},
    {"__builtins__", kCode},
    {"__class__", kCode},
    {"__code__", kCode},
    {"__dict__", kCode},
    {"__getattribute__", kCode},
    {"__globals__", kCode},
    {"__import__", kCode},
    {"__loader__", kCode},
    {"__mro__", kCode},
    {"__reduce__", kCode},
    {"__reduce_ex__", kCode},
    {"__spec__", kCode},
    {"__subclasses__", kCode},
    {"_posixsubprocess", kProcess},
    {"a2b_base64", kObfuscation},
    {"b64decode", kObfuscation},
    {"base64", kObfuscation},
    {"builtins", kCode},
    {"cPickle", kDeserialize},
    {"cdll", kCode},
    {"cffi", kCode},
    {"check_call", kProcess},
    {"check_output", kProcess},
    {"chmod", kFiles},
    {"chown", kFiles},
    {"cloudpickle", kDeserialize},
    {"codecs", kObfuscation},
    {"compile", kCode},
    {"create_connection", kNetwork},
    {"ctypes", kCode},
    {"decodebytes", kObfuscation},
    {"decompress", kObfuscation},
    {"delattr", kCode},
    {"dill", kDeserialize},
    {"dup2", kNetwork},
    {"environ", kProcess},
    {"eval", kCode},
    {"exec", kCode},
    {"execl", kProcess},
    {"execle", kProcess},
    {"execlp", kProcess},
    {"execlpe", kProcess},
    {"execv", kProcess},
    {"execve", kProcess},
    {"execvp", kProcess},
    {"execvpe", kProcess},
    {"fork", kProcess},
    {"forkpty", kProcess},
    {"fromhex", kObfuscation},
    {"ftplib", kNetwork},
    {"getattr", kCode},
    {"getenv", kProcess},
    {"gethostbyname", kNetwork},
    {"getoutput", kProcess},
    {"getstatusoutput", kProcess},
    {"gfile", kFiles},
    {"globals", kCode},
    {"http", kNetwork},
    {"httplib", kNetwork},
    {"httpx", kNetwork},
    {"import_module", kCode},
    {"importlib", kCode},
    {"kill", kProcess},
    {"killpg", kProcess},
    {"load_library", kCode},
    {"load_op_library", kCode},
    {"loads", kDeserialize},
    {"locals", kCode},
    {"makedirs", kFiles},
    {"marshal", kDeserialize},
    {"mkdir", kFiles},
    {"modules", kCode},
    {"multiprocessing", kProcess},
    {"nt", kProcess},
    {"numpy_function", kCode},
    {"open", kFiles},
    {"os", kProcess},
    {"pathlib", kFiles},
    {"pickle", kDeserialize},
    {"popen", kProcess},
    {"posix", kProcess},
    {"posix_spawn", kProcess},
    {"pty", kProcess},
    {"putenv", kProcess},
    {"py_func", kCode},
    {"py_function", kCode},
    {"read_file", kFiles},
    {"requests", kNetwork},
    {"rmdir", kFiles},
    {"rmtree", kFiles},
    {"run_module", kCode},
    {"run_path", kCode},
    {"runpy", kCode},
    {"setattr", kCode},
    {"shutil", kFiles},
    {"smtplib", kNetwork},
    {"socket", kNetwork},
    {"spawn", kProcess},
    {"spawnl", kProcess},
    {"spawnv", kProcess},
    {"startfile", kProcess},
    {"subprocess", kProcess},
    {"sys", kCode},
    {"system", kProcess},
    {"telnetlib", kNetwork},
    {"tempfile", kFiles},
    {"unlink", kFiles},
    {"urllib", kNetwork},
    {"urllib2", kNetwork},
    {"urllib3", kNetwork},
    {"urlopen", kNetwork},
    {"urlretrieve", kNetwork},
});

// Substrings of string constants (compared case-insensitively) that show a shell command, a URL or code.
constexpr auto kStringMarkers = std::to_array<NameCapability>({
    {"/bin/sh", "shell command"},
    {"/bin/bash", "shell command"},
    {"/bin/zsh", "shell command"},
    {"bash -", "shell command"},
    {"sh -c", "shell command"},
    {"cmd.exe", "shell command"},
    {"cmd /c", "shell command"},
    {"powershell", "shell command"},
    {"/dev/tcp", "reverse shell"},
    {"/dev/udp", "reverse shell"},
    {"mkfifo", "reverse shell"},
    {"nc -", "netcat"},
    {"nc ", "netcat"},
    {"ncat", "netcat"},
    {"netcat", "netcat"},
    {"rm -rf", "shell command"},
    {"chmod ", "shell command"},
    {"curl ", "download command"},
    {"wget ", "download command"},
    {"python -c", "shell command"},
    {"python3 -c", "shell command"},
    {"perl -e", "shell command"},
    {"&&", "shell command"},
    {"| sh", "shell command"},
    {"|sh", "shell command"},
    {"http://", "URL"},
    {"https://", "URL"},
    {"ftp://", "URL"},
    {"file://", "URL"},
    {"s3://", "URL"},
    {"gs://", "URL"},
    {"import ", "Python source"},
    {"__import__", "Python source"},
    {"exec(", "Python source"},
    {"eval(", "Python source"},
    {"os.system", "Python source"},
    {"subprocess", "Python source"},
    {"socket", "Python source"},
    {"pty.spawn", "Python source"},
    {"/etc/passwd", "sensitive file"},
    {".ssh/", "sensitive file"},
    {"id_rsa", "sensitive file"},
});

template <std::size_t N>
std::string_view lookup(const std::array<NameCapability, N>& table, std::string_view name) {
  auto it =
      std::lower_bound(table.begin(), table.end(), name,
                       [](const NameCapability& entry, std::string_view key) { return entry.first < key; });
  return it != table.end() && it->first == name ? it->second : std::string_view{};
}

template <std::size_t N>
constexpr bool sorted_by_name(const std::array<NameCapability, N>& table) {
  for (std::size_t i = 1; i < N; ++i)
    if (!(table[i - 1].first < table[i].first)) return false;
  return true;
}
static_assert(sorted_by_name(kDangerousModules));
static_assert(sorted_by_name(kDangerousBuiltins));
static_assert(sorted_by_name(kCodeNames));
static_assert(std::is_sorted(kPythonBuiltinFunctions.begin(), kPythonBuiltinFunctions.end()));

bool is_identifier(std::string_view part) {
  if (part.empty()) return false;
  auto first = static_cast<unsigned char>(part.front());
  if (std::isdigit(first)) return false;
  // Python identifiers may be non-ASCII; anything ASCII must be a letter, a digit or '_'.
  return std::all_of(part.begin(), part.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u) || u == '_';
  });
}

bool is_module_name(std::string_view module) {
  std::size_t start = 0;
  while (true) {
    std::size_t dot = module.find('.', start);
    if (!is_identifier(module.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::vector<std::string_view> split_dotted(std::string_view dotted) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (start <= dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    parts.push_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return parts;
}

bool starts_with_any(std::string_view text, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](std::string_view p) { return text.starts_with(p); });
}

bool is_state_setter(std::string_view leaf) { return starts_with_any(leaf, {"set_", "enable_", "disable_"}); }

constexpr std::string_view kCveGetFile = "CVE-2025-8747";
constexpr std::string_view kCveUnsafe = "CVE-2025-9906";

struct GadgetEntry {
  std::string_view name;
  std::string_view effect;
  bool get_file_cve;  // the reference is CVE-2025-8747 rather than CVE-2025-9906
};

// Keras functions and classes (last dotted component) that load, download, write or reconfigure instead of
// building a model. The public ones are those Keras 3.12+ rejects as non-modeling APIs.
constexpr auto kGadgetLeaves = std::to_array<GadgetEntry>({
    {"CustomObjectScope", "changes the custom-object registry", false},
    {"KerasFileEditor", "opens another model file", false},
    {"LazyModule", "imports a module named by the config", false},
    {"SafeModeScope", "turns safe mode off for nested deserialisation", false},
    {"ask_to_proceed_with_overwrite", "reads from the terminal", false},
    {"audio_dataset_from_directory", "reads local files", false},
    {"clear_session", "resets global Keras state", false},
    {"custom_object_scope", "changes the custom-object registry", false},
    {"deserialize_keras_object", "deserialises a nested config, possibly with safe_mode=False", false},
    {"enable_unsafe_deserialization", "turns safe mode off so that Lambda bytecode in the same file runs",
     false},
    {"export_saved_model", "writes files", false},
    {"extract_archive", "extracts an archive to a local path", true},
    {"func_load", "builds a Python function from marshal bytecode", false},
    {"get_custom_objects", "changes the custom-object registry", false},
    {"get_file", "downloads a URL to a local path (network access, file write)", true},
    {"hash_file", "reads local files", true},
    {"image_dataset_from_directory", "reads local files", false},
    {"load_data", "downloads a dataset", true},
    {"load_img", "reads local files", false},
    {"load_model", "loads another model file, with its own Lambdas and gadgets", false},
    {"load_weights", "reads another weights file", false},
    {"model_from_config", "deserialises a nested model config", false},
    {"model_from_json", "deserialises a nested model config", false},
    {"model_from_yaml", "deserialises a nested model config (YAML loader)", false},
    {"model_to_dot", "runs Graphviz", false},
    {"plot_model", "runs Graphviz and writes files", false},
    {"register_keras_serializable", "changes the custom-object registry", false},
    {"save_img", "writes files", false},
    {"save_model", "writes files", false},
    {"save_weights", "writes files", false},
    {"serialize_keras_object", "non-modeling serialisation helper", false},
    {"set_global_attribute", "changes global Keras state (e.g. safe mode)", false},
    {"text_dataset_from_directory", "reads local files", false},
    {"timeseries_dataset_from_array", "non-modeling dataset helper", false},
    {"upload_preset", "uploads files to the network", true},
    {"validate_file", "reads local files", true},
    {"write_file", "writes files", false},
    {"read_file", "reads local files", false},
});

// Module components of a Keras-relative path whose every member is a loading/saving/state helper.
constexpr auto kGadgetModules = std::to_array<std::string_view>({
    "applications",  "audio_dataset_utils",
    "callbacks",     "config",
    "data_utils",    "dataset_utils",
    "datasets",      "distribution",
    "export",        "file_utils",
    "global_state",  "image_dataset_utils",
    "image_utils",   "io_utils",
    "module_utils",  "preset_utils",
    "python_utils",  "saving",
    "summary_utils", "text_dataset_utils",
    "transformers",  "visualization",
});

// TensorFlow components (anywhere in the path) that read or write files, run Python callables, load native
// libraries or talk to the network.
constexpr auto kTensorflowGadgets = std::to_array<std::string_view>({
    "Checkpoint",
    "CheckpointManager",
    "FixedLengthRecordDataset",
    "GFile",
    "InteractiveSession",
    "Print",
    "PrintV2",
    "ReadFile",
    "Saver",
    "Session",
    "TFRecordDataset",
    "TextLineDataset",
    "WriteFile",
    "cluster_resolver",
    "distribute",
    "eager_py_func",
    "file_io",
    "gfile",
    "io",
    "io_ops",
    "latest_checkpoint",
    "list_files",
    "list_variables",
    "lite",
    "load_checkpoint",
    "load_file_system_library",
    "load_library",
    "load_op_library",
    "load_pluggable_device_library",
    "load_variable",
    "matching_files",
    "numpy_function",
    "print",
    "print_v2",
    "py_func",
    "py_function",
    "raw_ops",
    "read_file",
    "saved_model",
    "script_ops",
    "summary",
    "write_file",
    "pywrap_tensorflow",
    "tpu",
    "gen_io_ops",
    "gen_script_ops",
    "logging_ops",
    "LazyLoader",
});

std::optional<Gadget> keras_gadget(const std::vector<std::string_view>& parts) {
  if (parts.empty()) return std::nullopt;
  std::string_view leaf = parts.back();
  for (const GadgetEntry& entry : kGadgetLeaves) {
    if (entry.name == leaf) return Gadget{entry.effect, {entry.get_file_cve ? kCveGetFile : kCveUnsafe}};
  }
  if (is_state_setter(leaf)) return Gadget{"changes global Keras state", {kCveUnsafe}};
  if (starts_with_any(leaf, {"load_", "save_", "download"}))
    return Gadget{"loads, saves or downloads files", {kCveGetFile, kCveUnsafe}};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    if (std::find(kGadgetModules.begin(), kGadgetModules.end(), parts[i]) != kGadgetModules.end())
      return Gadget{"a loading, saving or global-state helper, not a modeling object",
                    {kCveGetFile, kCveUnsafe}};
  }
  return std::nullopt;
}

std::optional<Gadget> tensorflow_gadget(const std::vector<std::string_view>& parts) {
  for (std::string_view part : parts) {
    if (std::find(kTensorflowGadgets.begin(), kTensorflowGadgets.end(), part) != kTensorflowGadgets.end())
      return Gadget{"a TensorFlow file, Python-callable, native-library or network API", {}};
  }
  if (!parts.empty() && is_state_setter(parts.back())) return Gadget{"changes global TensorFlow state", {}};
  return std::nullopt;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

ModuleInfo classify_module(std::string_view module) {
  ModuleInfo info;
  if (module.empty()) return info;
  if (!is_module_name(module)) {
    info.family = ModuleFamily::invalid;
    return info;
  }
  info.root = std::string(module.substr(0, module.find('.')));
  const std::string& root = info.root;
  if (root == "keras" || root == "tf_keras" || root == "keras_core") {
    info.family = ModuleFamily::keras_core;
  } else if (root == "keras_hub" || root == "keras_cv" || root == "keras_nlp" || root == "keras_rs") {
    info.family = ModuleFamily::keras_addon;
  } else if (root == "tensorflow") {
    bool keras = module.starts_with("tensorflow.keras") || module.starts_with("tensorflow.python.keras") ||
                 module.starts_with("tensorflow.compat.v1.keras") ||
                 module.starts_with("tensorflow.compat.v2.keras");
    info.family = keras ? ModuleFamily::keras_core : ModuleFamily::tensorflow;
  } else if (root == "builtins" || root == "__builtin__") {
    info.family = module == root ? ModuleFamily::builtins : ModuleFamily::dangerous;
    info.capability = kCode;
  } else if (root == "__main__") {
    info.family = ModuleFamily::main;
  } else if (std::string_view capability = lookup(kDangerousModules, root); !capability.empty()) {
    info.family = ModuleFamily::dangerous;
    info.capability = capability;
  } else {
    info.family = ModuleFamily::other;
  }
  return info;
}

std::optional<std::string> keras_relative_path(std::string_view dotted) {
  // Longest prefixes first: every spelling under which Keras's own modules can be imported.
  static constexpr auto kPrefixes = std::to_array<std::string_view>({
      "keras.api._tf_keras.keras.",
      "keras._tf_keras.keras.",
      "tensorflow.compat.v1.keras.",
      "tensorflow.compat.v2.keras.",
      "tensorflow.python.keras.",
      "tensorflow.keras.",
      "tf.compat.v1.keras.",
      "tf.compat.v2.keras.",
      "tf.keras.",
      "keras.api.",
      "keras.src.",
      "tf_keras.src.",
      "keras_core.src.",
      "keras.",
      "tf_keras.",
      "keras_core.",
  });
  for (std::string_view prefix : kPrefixes) {
    if (dotted.starts_with(prefix)) return std::string(dotted.substr(prefix.size()));
  }
  return std::nullopt;
}

std::optional<Gadget> match_gadget(std::string_view dotted) {
  if (std::optional<std::string> relative = keras_relative_path(dotted))
    return keras_gadget(split_dotted(*relative));
  ModuleInfo info = classify_module(dotted);
  if (info.family == ModuleFamily::keras_addon) {
    std::vector<std::string_view> parts = split_dotted(dotted);
    parts.erase(parts.begin());
    return keras_gadget(parts);
  }
  if (info.family == ModuleFamily::tensorflow || dotted.starts_with("tf.")) {
    std::vector<std::string_view> parts = split_dotted(dotted);
    parts.erase(parts.begin());
    return tensorflow_gadget(parts);
  }
  return std::nullopt;
}

bool is_python_builtin(std::string_view name) {
  return std::binary_search(kPythonBuiltinFunctions.begin(), kPythonBuiltinFunctions.end(), name);
}

std::string_view dangerous_builtin_capability(std::string_view name) {
  return lookup(kDangerousBuiltins, name);
}

std::string_view code_name_capability(std::string_view name) { return lookup(kCodeNames, name); }

std::string_view string_capability(std::string_view text) {
  std::string lower = lowercase(text.substr(0, 4096));
  for (const auto& [marker, capability] : kStringMarkers) {
    if (lower.find(marker) != std::string::npos) return capability;
  }
  // An absolute POSIX path at the start of the text or after a space ("cp /app/flag.txt ...").
  for (std::size_t pos = lower.find('/'); pos != std::string::npos; pos = lower.find('/', pos + 1)) {
    bool boundary = pos == 0 || lower[pos - 1] == ' ' || lower[pos - 1] == '\'' || lower[pos - 1] == '"';
    if (boundary && pos + 1 < lower.size() && std::isalpha(static_cast<unsigned char>(lower[pos + 1])))
      return "absolute file path";
  }
  return {};
}

}  // namespace ms::keras
