#include "scan/dispatch.hpp"

#include "formats/detect.hpp"
#include "modelshield/error.hpp"
#include "scan/detectors.hpp"
#include "scan/findings.hpp"

namespace ms {

namespace {

void report_extension_mismatch(ScanContext& context, ContentFormat content, std::string_view name) {
  ContentFormat promised = format_promised_by_name(name);
  if (promised == ContentFormat::unknown || promised == content) return;
  if (content == ContentFormat::empty || content == ContentFormat::unknown) return;  // reported elsewhere
  context.report(Finding{
      .rule_id = "FORMAT-EXTENSION-MISMATCH",
      .severity = Severity::low,
      .reason =
          fmt_reason("the name promises {} but the content is {}", to_string(promised), to_string(content)),
      .evidence = {std::string(name)},
      .fix = "Rename the file after its real format; loaders that dispatch on the extension may treat it "
             "differently from tools that sniff content.",
  });
}

bool report_polyglot(ScanContext& context, Bytes data, ContentFormat content) {
  bool hdf5 = looks_like_hdf5_signature(data);
  bool zip = looks_like_zip_signature(data);
  if (!(hdf5 && zip)) return false;
  context.report(Finding{
      .rule_id = "FORMAT-POLYGLOT",
      .severity = Severity::medium,
      .reason = "the file is both a valid-looking HDF5 file and a zip archive: two loaders see two models",
      .evidence = {fmt_reason("detected as {}; the other view is scanned too", to_string(content))},
      .fix = "Do not load this file; regenerate it with the library that produced it.",
  });
  return true;
}

std::string scan_as(ScanContext& context, ContentFormat format, Bytes data, std::string_view name) {
  try {
    switch (format) {
      case ContentFormat::zip:
        return scan_zip_container(context, data, name);
      case ContentFormat::hdf5:
        return scan_hdf5_file(context, data, name);
      case ContentFormat::json:
        return scan_json_file(context, data, name);
      case ContentFormat::protobuf:
        return scan_protobuf_file(context, data, name);
      case ContentFormat::base64_hdf5:
        return scan_base64_hdf5(context, data, name);
      case ContentFormat::pickle:
        return scan_pickle_file(context, data, name);
      case ContentFormat::npy:
        return scan_npy_file(context, data, name);
      case ContentFormat::empty:
        return "empty";
      case ContentFormat::unknown:
        return scan_compressed_stream(context, data, name);
    }
  } catch (const LimitError& error) {
    report_incomplete(context, error);
  } catch (const FormatError& error) {
    report_malformed(context, error);
  }
  return std::string(to_string(format));
}

}  // namespace

std::string scan_content(ScanContext& context, Bytes data, std::string_view name) {
  ContentFormat format = detect_content(data, name);
  report_extension_mismatch(context, format, name);
  bool polyglot = report_polyglot(context, data, format);
  std::string described = scan_as(context, format, data, name);
  if (polyglot) {
    // HDF5 loaders and zip loaders each see their own model: scan the view detection did not pick.
    ContentFormat other = format == ContentFormat::hdf5 ? ContentFormat::zip : ContentFormat::hdf5;
    ScanContext view = context.for_member(fmt_reason("<{} view>", to_string(other)));
    scan_as(view, other, data, name);
  }
  return described;
}

}  // namespace ms
