#include "scan/keras/config_scan.hpp"

#include "scan/keras/config_findings.hpp"
#include "scan/keras/config_walker.hpp"

namespace ms {

void scan_keras_config(ScanContext& ctx, const JsonValue& config, const KerasConfigSource& source) {
  keras::FindingSink sink(source);
  keras::ConfigWalker walker(ctx.limits(), source, sink);
  walker.run(config);
  sink.flush(ctx);
}

}  // namespace ms
