#pragma once
#include <string_view>

namespace ms::savedmodel_scan {

// Whether a stock TensorFlow build registers `op`: the table in known_ops.inc, or an internal op
// (a name starting with '_', e.g. _Arg, _Retval, _FusedConv2D, which graph rewrites insert).
bool is_stock_tensorflow_op(std::string_view op);

}  // namespace ms::savedmodel_scan
