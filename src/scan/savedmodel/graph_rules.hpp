#pragma once
// The SavedModel graph rules: what running (or merely loading) a MetaGraph's ops would touch.
//   SAVEDMODEL-FILE-WRITE   critical  ops that write files (WriteFile, PrintV2 to a file, Save* to a literal
//                                     path, summary writers, dataset writers)
//   SAVEDMODEL-FILE-READ    high      ops that read files (ReadFile, MatchingFiles, readers, file datasets,
//                                     Restore* from odd literal paths, ImmutableConst, vocabulary files)
//   SAVEDMODEL-NETWORK      high      RPC, tf.data service, collectives, remote URLs in attributes or paths
//   SAVEDMODEL-PYFUNC       high      calls into Python registered at run time (critical when the same file
//                                     also carries code that runs at load time)
//   SAVEDMODEL-UNKNOWN-OP   medium    ops no stock TensorFlow registers: a custom op library is needed
//   SAVEDMODEL-ASSET-PATH   high      asset file names that are absolute or escape assets/
#include <string>

#include "formats/savedmodel.hpp"
#include "scan/context.hpp"

namespace ms {

struct GraphRuleOptions {
  // Added to every finding's evidence when the file has several MetaGraphs, e.g. "meta graph 1 (serve)".
  std::string meta_graph_label;
  // The file also carries code that runs at load time (e.g. Keras Lambda bytecode): Python it registers
  // could be what a PyFunc calls.
  bool code_runs_at_load = false;
};

void scan_saved_model_graph(ScanContext& context, const savedmodel::SavedModelInfo::MetaGraph& graph,
                            const GraphRuleOptions& options);

}  // namespace ms
