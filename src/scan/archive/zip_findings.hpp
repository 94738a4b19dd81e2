#pragma once
#include "formats/zip.hpp"
#include "scan/context.hpp"

namespace ms {

// Turns the zip reader's structural anomalies into findings (one per anomaly).
void report_zip_anomalies(ScanContext& context, const ZipArchive& archive);

}  // namespace ms
