#include "scan/savedmodel/known_ops.hpp"

#include <algorithm>
#include <array>

namespace ms::savedmodel_scan {
namespace {

constexpr std::string_view kStockOps[] = {
#include "scan/savedmodel/known_ops.inc"
};

static_assert(std::is_sorted(std::begin(kStockOps), std::end(kStockOps)),
              "known_ops.inc must stay sorted bytewise (LC_ALL=C sort)");

}  // namespace

bool is_stock_tensorflow_op(std::string_view op) {
  if (!op.empty() && op.front() == '_') return true;
  return std::binary_search(std::begin(kStockOps), std::end(kStockOps), op);
}

}  // namespace ms::savedmodel_scan
