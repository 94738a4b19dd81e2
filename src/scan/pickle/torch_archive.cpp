#include "scan/pickle/torch_archive.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "formats/detect.hpp"
#include "formats/pickle.hpp"
#include "modelshield/error.hpp"
#include "scan/archive/zip_members.hpp"
#include "scan/findings.hpp"

namespace ms {

namespace {

constexpr std::size_t kSniffBytes = 64 * 1024;

std::string_view top_directory(std::string_view name) { return name.substr(0, name.find('/')); }

std::string_view record_of(std::string_view name) {
  std::size_t slash = name.find('/');
  return slash == std::string_view::npos ? name : name.substr(slash + 1);
}

// miniz's mz_zip_reader_filename_less: ASCII case-insensitive, then shorter first.
bool filename_less(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    int l = std::tolower(static_cast<unsigned char>(a[i])),
        r = std::tolower(static_cast<unsigned char>(b[i]));
    if (l != r) return l < r;
  }
  return a.size() < b.size();
}

int filename_compare(std::string_view a, std::string_view b) {
  std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    int l = std::tolower(static_cast<unsigned char>(a[i])),
        r = std::tolower(static_cast<unsigned char>(b[i]));
    if (l != r) return l - r;
  }
  return a.size() == b.size() ? 0 : a.size() < b.size() ? -1 : 1;
}

// mz_zip_reader_sort_central_dir_offsets_by_filename: an in-place heap sort of the entry indices.
std::vector<std::size_t> miniz_sorted(const ZipArchive& archive) {
  const std::size_t size = archive.entries.size();
  std::vector<std::size_t> indices(size);
  for (std::size_t i = 0; i < size; ++i) indices[i] = i;
  if (size <= 1) return indices;
  auto less = [&](std::size_t l, std::size_t r) {
    return filename_less(archive.entries[l].original_name, archive.entries[r].original_name);
  };
  auto sift = [&](std::size_t root, std::size_t end) {
    for (;;) {
      std::size_t child = root * 2 + 1;
      if (child >= end) break;
      if (child + 1 < end && less(indices[child], indices[child + 1])) ++child;
      if (!less(indices[root], indices[child])) break;
      std::swap(indices[root], indices[child]);
      root = child;
    }
  };
  for (std::size_t start = (size - 2) / 2 + 1; start-- > 0;) sift(start, size);
  for (std::size_t end = size - 1; end > 0; --end) {
    std::swap(indices[end], indices[0]);
    sift(0, end);
  }
  return indices;
}

bool looks_like_tensor_data(Bytes prefix) {
  ContentFormat format = detect_content(prefix, "");
  return format == ContentFormat::unknown || format == ContentFormat::empty;
}

}  // namespace

bool is_pytorch_archive(const ZipArchive& archive) {
  return std::any_of(archive.entries.begin(), archive.entries.end(),
                     [](const ZipEntry& e) { return record_of(e.name) == "data.pkl"; });
}

std::optional<std::size_t> torch_loaded_entry(const ZipArchive& archive, std::string_view record) {
  if (archive.entries.empty()) return std::nullopt;
  const std::string wanted =
      std::string(top_directory(archive.entries.front().original_name)) + "/" + std::string(record);
  std::vector<std::size_t> sorted = miniz_sorted(archive);
  std::int64_t low = 0, high = static_cast<std::int64_t>(sorted.size()) - 1;
  while (low <= high) {
    std::int64_t middle = low + ((high - low) >> 1);
    std::size_t index = sorted[static_cast<std::size_t>(middle)];
    int comparison = filename_compare(archive.entries[index].original_name, wanted);
    if (comparison == 0) return index;
    if (comparison < 0) {
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return std::nullopt;
}

namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Entries torch's reader cannot tell apart (miniz compares names case-insensitively): for each, which one
// torch.load reads. A second data.pkl hides a payload; a second storage or version record means different
// tools see different weights.
void report_duplicate_records(ScanContext& context, const ZipArchive& archive) {
  // Pickles are grouped by record name alone: a data.pkl under a second top directory is another model
  // that other tools may pick, while torch reads the one under the first entry's directory.
  auto group_of = [](std::string_view original_name) {
    const std::string_view record = record_of(original_name);
    return record.ends_with(".pkl") ? "pickle:" + lowercase(record) : lowercase(original_name);
  };
  std::map<std::string, std::vector<std::size_t>> by_name;
  for (const ZipEntry& entry : archive.entries)
    if (!entry.is_directory) by_name[group_of(entry.original_name)].push_back(entry.index);
  for (const auto& [key, indices] : by_name) {
    if (indices.size() < 2) continue;
    const ZipEntry& first = archive.entries[indices.front()];
    const std::string_view record = record_of(first.original_name);
    const bool pickle = key.starts_with("pickle:");
    std::optional<std::size_t> loaded = torch_loaded_entry(archive, record);
    if (loaded && group_of(archive.entries[*loaded].original_name) != key) loaded.reset();
    std::string listed;
    for (std::size_t index : indices) listed += (listed.empty() ? "#" : ", #") + std::to_string(index);
    Finding finding{
        .rule_id = pickle ? "PYTORCH-DUPLICATE-PICKLE" : "PYTORCH-DUPLICATE-RECORD",
        .severity = Severity::medium,
        .reason = fmt_reason("the archive holds {} entries named {}; torch.load reads {}", indices.size(),
                             pickle ? std::string(record_of(first.name)) : first.name,
                             loaded ? fmt_reason("entry #{}", *loaded)
                                    : std::string("none of them (they are outside its record directory)")),
        .evidence = {fmt_reason("entries {}", listed)},
        .fix = pickle ? "Do not load this archive: different tools see different models in it."
                      : "Do not trust this archive's weights: different tools read different data for the "
                        "same tensor record; re-save it from a trusted copy.",
    };
    finding.location.member = archive.entries[loaded.value_or(indices.front())].name;
    context.report(std::move(finding));
  }
}

}  // namespace

void scan_pytorch_archive(ScanContext& context, Bytes data, const ZipArchive& archive) {
  for (const ZipEntry& entry : archive.entries) {
    if (entry.is_directory || entry.is_symlink) continue;
    if (record_of(entry.name).starts_with("data/")) {
      // Storages are raw tensor bytes: sniff them instead of reading gigabytes.
      try {
        ZipMemberData prefix = read_zip_member_prefix(data, entry, context.limits(), kSniffBytes);
        if (looks_like_tensor_data(Bytes(prefix.bytes))) continue;
      } catch (const FormatError&) {
        // read_member below reports it
      }
    }
    scan_member_content(context, data, entry);
  }
  report_duplicate_records(context, archive);
}

}  // namespace ms
