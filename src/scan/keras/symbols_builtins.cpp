// Names of Keras's built-in classes and functions, as they appear in saved configs.
//
// Collected from the public API of Keras 1.2-2.4 (keras-team/keras tags), tf.keras 2.6-2.15, tf-keras 2.15-2.21
// and Keras 3.0-3.15 (the names exported by keras_export and the alias tables of the built-in modules), plus
// the internal classes their saved configs name (Functional, TFOpLambda, compile containers, JSON helpers).
// Only names are recorded: a config that names anything else needs code the file does not contain.
#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <string_view>
#include <unordered_set>

#include "scan/keras/symbols.hpp"

namespace ms::keras {
namespace {

constexpr std::string_view kKerasClassNames[] = {
    "AUC", "AWQConfig", "AWQDTypePolicy", "AbsMaxQuantizer", "AbstractRNNCell", "Accuracy", "Activation",
    "ActivityRegularization", "ActivityRegularizer", "Adadelta", "Adafactor", "Adagrad", "Adam", "AdamW",
    "Adamax", "AdaptiveAveragePooling1D", "AdaptiveAveragePooling2D", "AdaptiveAveragePooling3D",
    "AdaptiveMaxPooling1D", "AdaptiveMaxPooling2D", "AdaptiveMaxPooling3D", "Add", "AdditiveAttention",
    "AlphaDropout", "AtrousConvolution1D", "AtrousConvolution2D", "Attention", "AugMix", "AutoContrast",
    "Average", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D", "AvgPool1D", "AvgPool2D",
    "AvgPool3D", "BaseDenseAttention", "BaseImageAugmentationLayer", "BaseMeanIoU", "BaseRandomLayer",
    "BatchNormalization", "Bidirectional", "BinaryAccuracy", "BinaryCrossentropy", "BinaryFocalCrossentropy",
    "BinaryIoU", "CategoricalAccuracy", "CategoricalCrossentropy", "CategoricalFocalCrossentropy",
    "CategoricalGeneralizedCrossEntropy", "CategoricalHinge", "CategoryCrossing", "CategoryEncoding",
    "CenterCrop", "Circle", "ClassMethod", "CompileLoss", "CompileMetrics", "CompositeTensor", "Concatenate",
    "ConcordanceCorrelation", "Config", "Constant", "Constraint", "Container",
    "ContrastLimitedAdaptiveHistogramEqualization", "Conv1D", "Conv1DTranspose", "Conv2D", "Conv2DTranspose",
    "Conv3D", "Conv3DTranspose", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM2DCell", "ConvLSTM3D", "ConvRNN2D",
    "ConvRecurrent2D", "Convolution1D", "Convolution1DTranspose", "Convolution2D", "Convolution2DTranspose",
    "Convolution3D", "Convolution3DTranspose", "CosineDecay", "CosineDecayRestarts", "CosineSimilarity",
    "Cropping1D", "Cropping2D", "Cropping3D", "CuDNNGRU", "CuDNNLSTM", "CutMix", "DTypePolicy",
    "DTypePolicyMap", "DatasetCreator", "Deconvolution2D", "Dense", "DenseFeatures", "DepthwiseConv1D",
    "DepthwiseConv2D", "Dice", "DirectoryIterator", "Discretization", "Dot", "Dropout", "DynamicEmbedding",
    "DynamicLookup", "ELU", "EigenvalueRegularizer", "EinsumDense", "Embedding", "Equalization",
    "ExponentialDecay", "F1Score", "FBetaScore", "FalseNegatives", "FalsePositives", "FeatureSpace",
    "Flatten", "FlaxLayer", "Float8QuantizationConfig", "FloatDTypePolicy", "Ftrl", "Function", "Functional",
    "GPTQConfig", "GPTQDTypePolicy", "GRU", "GRUCell", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "GlobalAvgPool1D",
    "GlobalAvgPool2D", "GlobalAvgPool3D", "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlorotNormal", "GlorotUniform",
    "GroupNormalization", "GroupQueryAttention", "HashedCrossing", "Hashing", "HeNormal", "HeUniform",
    "Highway", "Hinge", "Huber", "Identity", "IdentityInitializer", "ImageDataGenerator", "Initializer",
    "Input", "InputLayer", "InputSpec", "InstanceMethod", "InstanceProperty", "Int4DTypePolicy",
    "Int4QuantizationConfig", "Int8QuantizationConfig", "IntegerLookup", "InverseTimeDecay", "IoU",
    "Iterator", "JaxLayer", "KLD", "KLDivergence", "KerasTensor", "L1L2", "L1L2Regularizer", "LSTM",
    "LSTMCell", "Lamb", "Lambda", "Layer", "LayerNormalization", "LayoutMap", "LeakyReLU",
    "LearningRateSchedule", "LecunNormal", "LecunUniform", "LinearModel", "Lion", "LocallyConnected1D",
    "LocallyConnected2D", "LogCosh", "LogCoshError", "Loss", "LossFunctionWrapper", "LossScaleOptimizer",
    "LossScaleOptimizerV3", "LossesContainer", "MAE", "MAPE", "MSE", "MSLE", "Masking", "MaxNorm",
    "MaxNumBoundingBoxes", "MaxPool1D", "MaxPool2D", "MaxPool3D", "MaxPooling1D", "MaxPooling2D",
    "MaxPooling3D", "Maximum", "MaxoutDense", "Mean", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanIoU", "MeanMetricWrapper", "MeanRelativeError", "MeanSquaredError", "MeanSquaredLogarithmicError",
    "MeanTensor", "MelSpectrogram", "Merge", "Metric", "MetricsContainer", "MetricsList", "MinMaxNorm",
    "Minimum", "MixUp", "Model", "ModuleWrapper", "MultiHeadAttention", "MultiOptimizer", "Multiply", "Muon",
    "Nadam", "Network", "Node", "NonNeg", "Normalization", "NumpyArrayIterator", "OneHotIoU", "OneHotMeanIoU",
    "Ones", "Operation", "Optimizer", "OptimizerMap", "Orthogonal", "OrthogonalInitializer",
    "OrthogonalRegularizer", "PReLU", "ParametricSoftplus", "PearsonCorrelation", "PeepholeLSTMCell",
    "Permute", "PiecewiseConstantDecay", "Pipeline", "Poisson", "Policy", "PolynomialDecay", "Precision",
    "PrecisionAtRecall", "PreprocessingLayer", "PyMetric", "QuantizationConfig", "QuantizationReport",
    "QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "Quantizer", "R2Score", "RMSNormalization",
    "RMSprop", "RNN", "RadialConstraint", "RaggedKerasTensor", "RandAugment", "RandomBrightness",
    "RandomColorDegeneration", "RandomColorJitter", "RandomContrast", "RandomCrop", "RandomElasticTransform",
    "RandomErasing", "RandomFlip", "RandomFourierFeatures", "RandomGaussianBlur", "RandomGrayscale",
    "RandomHeight", "RandomHue", "RandomInvert", "RandomNormal", "RandomPerspective", "RandomPosterization",
    "RandomRotation", "RandomSaturation", "RandomSharpness", "RandomShear", "RandomTranslation",
    "RandomUniform", "RandomWidth", "RandomZoom", "ReLU", "Recall", "RecallAtPrecision", "Recurrent",
    "Reduce", "Reduction", "Regularizer", "RematScope", "RepeatVector", "Rescaling", "Reshape", "Resizing",
    "ReversibleEmbedding", "RootMeanSquaredError", "SGD", "SReLU", "STFTInitializer", "STFTSpectrogram",
    "ScheduleFreeAdamW", "SeedGenerator", "SensitivityAtSpecificity", "SensitivitySpecificityBase",
    "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D", "SeparableConvolution2D",
    "SequenceFeatures", "Sequential", "SequentialModel", "SharpnessAwareMinimization", "SidecarEvaluator",
    "SimpleRNN", "SimpleRNNCell", "SlicingOpLambda", "Softmax", "Solarization", "SparseCategoricalAccuracy",
    "SparseCategoricalCrossentropy", "SparseKerasTensor", "SparseTopKCategoricalAccuracy", "SpatialDropout1D",
    "SpatialDropout2D", "SpatialDropout3D", "SpecificityAtSensitivity", "SpectralNormalization",
    "SquaredHinge", "StackedRNNCells", "StatelessScope", "StepsPerExecutionTuner", "StringLookup", "Subtract",
    "Sum", "SymbolicScope", "SyncBatchNormalization", "TFOpLambda", "TFOptimizer", "TFSMLayer", "TensorShape",
    "TernaryDTypePolicy", "TernaryDense", "TernaryQuantizationConfig", "TextVectorization", "ThresholdedReLU",
    "TimeDistributed", "TimeDistributedDense", "TimedThread", "TimeseriesGenerator", "Tokenizer",
    "TopKCategoricalAccuracy", "TorchModuleWrapper", "TrueNegatives", "TruePositives", "TruncatedNormal",
    "Tversky", "TypeSpec", "UnitNorm", "UnitNormalization", "UpSampling1D", "UpSampling2D", "UpSampling3D",
    "Variable", "VarianceScaling", "WeightRegularizer", "WideDeepModel", "Wrapper", "ZeroPadding1D",
    "ZeroPadding2D", "ZeroPadding3D", "Zeros",
};

constexpr std::string_view kKerasCoreFunctionNames[] = {
    "ACC", "AUC", "BCE", "CTC", "KLD", "L1", "L1L2", "L2", "MAE", "MAPE", "MSE", "MSLE", "SGD", "STFT", "acc",
    "accuracy", "activity_l1", "activity_l1l2", "activity_l2", "adadelta", "adagrad", "adam", "adamax", "bce",
    "binary_accuracy", "binary_crossentropy", "binary_focal_crossentropy", "categorical_accuracy",
    "categorical_crossentropy", "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
    "categorical_hinge", "ce", "celu", "circle", "clip_norm", "concordance_correlation", "constant", "cosine",
    "cosine_proximity", "cosine_similarity", "crossentropy", "ctc", "dice", "elu", "exponential", "f1score",
    "fbeta_score", "fmeasure", "fscore", "gelu", "glorot_normal", "glorot_uniform", "glu", "hard_shrink",
    "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh", "he_normal", "he_uniform", "hinge", "huber",
    "huber_loss", "identity", "kl_divergence", "kld", "kullback_leibler_divergence", "l1", "l1_l2", "l1l2",
    "l2", "leaky_relu", "lecun_normal", "lecun_uniform", "linear", "log_cosh", "log_sigmoid", "log_softmax",
    "logcosh", "mae", "mape", "matthews_correlation", "max_norm", "maxnorm", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error", "min_max_norm",
    "mish", "mse", "msle", "nadam", "non_neg", "nonneg", "normal", "one", "ones", "orthogonal",
    "orthogonal_regularizer", "pearson_correlation", "poisson", "precision", "random_normal",
    "random_uniform", "recall", "relu", "relu6", "rmsprop", "selu", "sgd", "sigmoid", "silu", "soft_shrink",
    "softmax", "softplus", "softsign", "sparse_categorical_accuracy", "sparse_categorical_crossentropy",
    "sparse_plus", "sparse_sigmoid", "sparse_top_k_categorical_accuracy", "sparsemax", "squared_hinge",
    "squareplus", "stft", "swish", "tanh", "tanh_shrink", "threshold", "top_k_categorical_accuracy",
    "truncated_normal", "tversky", "uniform", "unit_norm", "unitnorm", "variance_scaling", "zero", "zeros",
};

constexpr std::string_view kKerasOpsFunctionNames[] = {
    "abs", "absolute", "adaptive_average_pool", "adaptive_max_pool", "add", "affine_transform", "all",
    "allclose", "amax", "amin", "angle", "any", "append", "apply_affine_transform", "apply_brightness_shift",
    "apply_channel_shift", "arange", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2", "arctanh",
    "argmax", "argmin", "argpartition", "argsort", "array", "array_split", "associative_scan", "average",
    "average_pool", "backend", "bartlett", "batch_dot", "batch_flatten", "batch_get_value",
    "batch_normalization", "batch_set_value", "beta", "bias_add", "binary_weighted_focal_crossentropy",
    "bincount", "binomial", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "blackman", "broadcast_to", "cast", "cast_to_floatx",
    "categorical", "cbrt", "cdist", "ceil", "cholesky", "cholesky_inverse", "clear_session", "clip",
    "column_stack", "concatenate", "cond", "conj", "conjugate", "conv", "conv1d", "conv2d",
    "conv2d_transpose", "conv3d", "conv_transpose", "convert_to_numpy", "convert_to_tensor", "copy",
    "corrcoef", "correlate", "cos", "cosh", "count_nonzero", "count_params", "crop_images", "cross",
    "ctc_batch_cost", "ctc_decode", "ctc_label_dense_to_sparse", "ctc_loss", "cumprod", "cumsum",
    "custom_gradient", "deg2rad", "depth_to_space", "depthwise_conv", "depthwise_conv2d", "det", "diag",
    "diagflat", "diagonal", "diff", "digitize", "disable_tf_random_generator", "divide", "divide_no_nan",
    "dot", "dot_product_attention", "dropout", "dsplit", "dstack", "dtype", "eig", "eigh", "einsum",
    "elastic_transform", "empty", "empty_like", "enable_tf_random_generator", "epsilon", "equal", "erf",
    "erfc", "erfinv", "eval", "exp", "exp2", "expand_dims", "expm1", "extract_patches", "extract_patches_3d",
    "extract_sequences", "eye", "fabs", "fft", "fft2", "flatten", "flip", "fliplr", "flipud", "floatx",
    "floor", "floor_divide", "fmax", "fmin", "fmod", "fold", "foldl", "foldr", "fori_loop", "full",
    "full_like", "function", "gamma", "gammainc", "gather", "gaussian_blur", "gcd", "geomspace", "get_item",
    "get_uid", "get_value", "gradients", "greater", "greater_equal", "hamming", "hanning", "hashing_trick",
    "heaviside", "histogram", "hsplit", "hstack", "hsv_to_rgb", "hypot", "i0", "ifft2", "imag",
    "image_data_format", "in_test_phase", "in_top_k", "in_train_phase", "inner", "int_shape", "inv", "irfft",
    "is_float_dtype", "is_int_dtype", "is_keras_tensor", "is_sparse", "is_tensor",
    "is_tf_random_generator_enabled", "isclose", "isfinite", "isin", "isinf", "isnan", "isneginf", "isposinf",
    "isreal", "istft", "jvp", "kaiser", "kron", "l2_normalize", "layer_normalization", "lcm", "ldexp",
    "learning_phase", "learning_phase_scope", "left_shift", "less", "less_equal", "linspace", "local_conv1d",
    "local_conv2d", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2", "logdet", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logspace", "logsumexp", "lstsq", "lu_factor",
    "make_sampling_table", "manual_variable_initialization", "map", "map_coordinates", "map_fn", "matmul",
    "matrix_power", "matrix_rank", "max", "max_pool", "maximum", "mean", "median", "meshgrid", "min",
    "minimum", "mod", "moments", "moveaxis", "moving_average_update", "multi_hot", "multiply", "name_scope",
    "nan_to_num", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean", "nanmedian",
    "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum", "nanvar", "ndim", "negative",
    "nextafter", "nonzero", "norm", "normalize", "normalize_batch_in_training", "not_equal", "one_hot",
    "ones_like", "outer", "pad", "pad_images", "percentile", "permute_dimensions", "perspective_transform",
    "pinv", "placeholder", "polar", "pool2d", "pool3d", "pow", "power", "print_tensor", "prod", "psnr", "ptp",
    "qr", "quantile", "rad2deg", "randint", "random_bernoulli", "random_binomial", "random_brightness",
    "random_channel_shift", "random_normal_variable", "random_rotation", "random_shear", "random_shift",
    "random_uniform_variable", "random_zoom", "ravel", "real", "rearrange", "reciprocal",
    "reconstruct_patches", "repeat", "repeat_elements", "reset_uids", "reshape", "resize", "resize_images",
    "resize_volumes", "result_type", "reverse", "rfft", "rgb_to_grayscale", "rgb_to_hsv", "right_shift",
    "rms_normalization", "rnn", "roll", "rot90", "round", "rsqrt", "saturate_cast", "scale_and_translate",
    "scan", "scatter", "scatter_update", "searchsorted", "segment_max", "segment_min", "segment_prod",
    "segment_sum", "select", "separable_conv", "separable_conv2d", "set_epsilon", "set_floatx",
    "set_image_data_format", "set_learning_phase", "set_value", "shape", "shuffle", "sign", "signbit", "sin",
    "sinc", "sinh", "size", "skipgrams", "slice", "slice_update", "slogdet", "sobel_edges", "solve",
    "solve_triangular", "sort", "space_to_depth", "spatial_2d_padding", "spatial_3d_padding", "split", "sqrt",
    "square", "squeeze", "ssim", "stack", "standardize_dtype", "std", "stop_gradient", "subtract", "sum",
    "svd", "swapaxes", "switch", "take", "take_along_axis", "tan", "temporal_padding", "tensordot",
    "text_to_word_sequence", "tile", "to_dense", "tokenizer_from_json", "top_k", "trace", "transpose",
    "trapezoid", "tri", "tril", "triu", "true_divide", "trunc", "unfold", "unique", "unravel_index",
    "unstack", "update", "update_add", "update_sub", "vander", "var", "variable", "vdot", "vectorize",
    "vectorized_map", "view", "view_as_complex", "view_as_real", "vsplit", "vstack", "where", "while_loop",
    "zeros_like",
};

template <std::size_t N>
bool sorted_contains(const std::string_view (&names)[N], std::string_view name) {
  return std::binary_search(std::begin(names), std::end(names), name);
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Optimizer and loss strings are matched without regard to case: Keras lower-cases optimizer names, and a
// case-insensitive match can only make a genuinely unknown name look known, never the reverse.
const std::unordered_set<std::string>& lowercase_reference_names() {
  static const std::unordered_set<std::string> names = [] {
    std::unordered_set<std::string> set;
    for (std::string_view name : kKerasClassNames) set.insert(lowercase(name));
    for (std::string_view name : kKerasCoreFunctionNames) set.insert(lowercase(name));
    return set;
  }();
  return names;
}

}  // namespace

bool is_known_keras_class(std::string_view name) { return sorted_contains(kKerasClassNames, name); }

bool is_known_keras_core_function(std::string_view name) {
  return sorted_contains(kKerasCoreFunctionNames, name);
}

bool is_known_keras_function(std::string_view name) {
  return is_known_keras_core_function(name) || sorted_contains(kKerasOpsFunctionNames, name);
}

bool is_known_string_reference(std::string_view name) {
  if (name.starts_with("Custom>")) name.remove_prefix(7);
  return lowercase_reference_names().contains(lowercase(name));
}

}  // namespace ms::keras
