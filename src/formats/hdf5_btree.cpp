#include <cstring>

#include "formats/hdf5_internal.hpp"

namespace ms::hdf5_internal {

namespace {

struct V2NodeInfo {
  std::uint64_t max_records = 0;
  std::uint64_t cumulative_max = 0;
  unsigned cumulative_size = 0;  // bytes of the "total records in child" field of pointers to this level
};

struct V2Pending {
  std::uint64_t address;
  unsigned depth;
  std::uint64_t records;
};

// v1 B-tree node prefix: "TREE", node type, level, entries used, left and right siblings.
struct V1Node {
  unsigned level = 0;
  unsigned entries = 0;
  ByteReader body{Bytes{}, kFormat};
};

V1Node read_v1_node(Context& ctx, std::uint64_t address, unsigned expected_type, std::uint64_t key_size) {
  ByteReader r = ctx.from(address, "v1 B-tree node");
  expect_signature(ctx, r, "TREE", "v1 B-tree node");
  unsigned type = r.u8();
  if (type != expected_type)
    ctx.fail("v1 B-tree node of type " + std::to_string(type) + " where type " +
                 std::to_string(expected_type) + " was expected",
             r.file_offset() - 1);
  V1Node node;
  node.level = r.u8();
  node.entries = r.u16le();
  ctx.read_address(r);  // left sibling
  ctx.read_address(r);  // right sibling
  std::uint64_t body = node.entries * (key_size + ctx.offset_size()) + key_size;
  node.body = r.sub(body);
  return node;
}

// Depth-first over a v1 B-tree, calling leaf(child_address, key_before_child) for every level-0 child.
void walk_v1(Context& ctx, std::uint64_t root, unsigned type, std::uint64_t key_size,
             const std::function<void(std::uint64_t child, Bytes key)>& leaf) {
  struct Pending {
    std::uint64_t address;
    int expected_level;  // -1: the root, whatever its level
  };
  std::vector<Pending> stack{{root, -1}};
  std::set<std::uint64_t> seen;
  while (!stack.empty()) {
    Pending p = stack.back();
    stack.pop_back();
    ctx.step();
    if (!seen.insert(p.address).second) ctx.fail("v1 B-tree revisits node " + std::to_string(p.address), 0);
    V1Node node = read_v1_node(ctx, p.address, type, key_size);
    if (node.level >= kMaxBtreeDepth) ctx.fail("v1 B-tree too deep", node.body.file_offset());
    if (p.expected_level >= 0 && static_cast<int>(node.level) != p.expected_level)
      ctx.fail("v1 B-tree node level " + std::to_string(node.level) + " where " +
                   std::to_string(p.expected_level) + " was expected",
               node.body.file_offset());
    std::vector<std::uint64_t> children;
    std::vector<Bytes> keys;
    for (unsigned i = 0; i < node.entries; ++i) {
      ctx.step();
      keys.push_back(node.body.bytes(key_size));
      children.push_back(ctx.read_address(node.body));
    }
    if (node.level == 0) {
      for (unsigned i = 0; i < node.entries; ++i) leaf(children[i], keys[i]);
    } else {
      for (unsigned i = node.entries; i-- > 0;)
        stack.push_back({children[i], static_cast<int>(node.level) - 1});
    }
  }
}

}  // namespace

void for_each_v2_record(Context& ctx, std::uint64_t address, std::uint8_t expected_type,
                        const std::function<void(Bytes record)>& visit) {
  ByteReader h = ctx.from(address, "v2 B-tree header", 64);
  expect_signature(ctx, h, "BTHD", "v2 B-tree header");
  unsigned version = h.u8();
  if (version != 0) ctx.fail("unsupported v2 B-tree version " + std::to_string(version), h.file_offset() - 1);
  unsigned type = h.u8();
  if (type != expected_type)
    ctx.fail("v2 B-tree of type " + std::to_string(type) + " where type " + std::to_string(expected_type) +
                 " was expected",
             h.file_offset() - 1);
  std::uint64_t node_size = h.u32le();
  std::uint64_t record_size = h.u16le();
  unsigned depth = h.u16le();
  h.u8();  // split percent
  h.u8();  // merge percent
  std::uint64_t root = ctx.read_address(h);
  std::uint64_t root_records = h.u16le();
  ctx.read_length(h);  // total records
  h.u32le();
  ctx.verify_checksum(h.file_offset() - h.position(), h.position(), "v2 B-tree header");
  if (!ctx.defined(root)) return;        // empty tree
  constexpr std::uint64_t kPrefix = 10;  // signature, version, type, checksum
  if (record_size == 0 || node_size < kPrefix + record_size || depth > kMaxBtreeDepth)
    ctx.fail("v2 B-tree header with impossible node geometry", h.file_offset());

  std::vector<V2NodeInfo> info(depth + 1);
  info[0].max_records = (node_size - kPrefix) / record_size;
  info[0].cumulative_max = info[0].max_records;
  const unsigned records_field = bytes_needed(info[0].max_records);
  for (unsigned d = 1; d <= depth; ++d) {
    std::uint64_t pointer = ctx.offset_size() + records_field + (d > 1 ? info[d - 1].cumulative_size : 0);
    if (node_size < kPrefix + pointer + record_size) ctx.fail("v2 B-tree nodes too small for their depth", 0);
    info[d].max_records = (node_size - kPrefix - pointer) / (record_size + pointer);
    info[d].cumulative_max =
        saturating_mul(info[d].max_records + 1, info[d - 1].cumulative_max) + info[d].max_records;
    if (info[d].cumulative_max < info[d].max_records) info[d].cumulative_max = ~0ull;
    info[d].cumulative_size = std::min(bytes_needed(info[d].cumulative_max), 8u);
  }

  std::vector<V2Pending> stack{{root, depth, root_records}};
  std::set<std::uint64_t> seen;
  while (!stack.empty()) {
    V2Pending p = stack.back();
    stack.pop_back();
    ctx.step();
    if (!seen.insert(p.address).second) ctx.fail("v2 B-tree revisits node " + std::to_string(p.address), 0);
    if (p.records > info[p.depth].max_records)
      ctx.fail("v2 B-tree node claims " + std::to_string(p.records) + " records, at most " +
                   std::to_string(info[p.depth].max_records) + " fit",
               0);
    ByteReader r = ctx.at(p.address, node_size, "v2 B-tree node");
    std::uint64_t start = r.file_offset();
    expect_signature(ctx, r, p.depth == 0 ? "BTLF" : "BTIN",
                     p.depth == 0 ? "v2 B-tree leaf" : "v2 B-tree node");
    r.u8();  // version
    if (r.u8() != type) ctx.fail("v2 B-tree node type differs from its header", r.file_offset() - 1);
    std::vector<Bytes> records;
    for (std::uint64_t i = 0; i < p.records; ++i) {
      ctx.step();
      records.push_back(r.bytes(record_size));
    }
    std::vector<V2Pending> children;
    if (p.depth > 0) {
      for (std::uint64_t i = 0; i <= p.records; ++i) {
        ctx.step();
        V2Pending child;
        child.address = ctx.read_address(r);
        child.records = r.uint_le(records_field);
        if (p.depth > 1) r.uint_le(info[p.depth - 1].cumulative_size);
        child.depth = p.depth - 1;
        children.push_back(child);
      }
    }
    r.u32le();
    ctx.verify_checksum(start, r.position(), p.depth == 0 ? "v2 B-tree leaf" : "v2 B-tree node");
    for (Bytes record : records) visit(record);
    for (std::size_t i = children.size(); i-- > 0;) stack.push_back(children[i]);
  }
}

void for_each_symbol(Context& ctx, std::uint64_t btree, std::uint64_t heap,
                     const std::function<void(SymbolEntry&&)>& visit) {
  Bytes names = read_local_heap(ctx, heap);
  const unsigned o = ctx.offset_size();
  const std::uint64_t entry_size = ctx.length_size() + o + 4 + 4 + 16;
  walk_v1(ctx, btree, 0, ctx.length_size(), [&](std::uint64_t snod, Bytes) {
    ByteReader r = ctx.from(snod, "symbol table node");
    expect_signature(ctx, r, "SNOD", "symbol table node");
    unsigned version = r.u8();
    if (version != 1)
      ctx.fail("unsupported symbol table node version " + std::to_string(version), r.file_offset() - 1);
    r.u8();
    unsigned count = r.u16le();
    ByteReader entries = r.sub(count * entry_size);
    for (unsigned i = 0; i < count; ++i) {
      ctx.step();
      std::uint64_t where = entries.file_offset();
      SymbolEntry entry;
      std::uint64_t name_offset = ctx.read_length(entries);
      entry.object_address = ctx.read_address(entries);
      entry.cache_type = entries.u32le();
      entries.u32le();  // reserved
      ByteReader scratch = entries.sub(16);
      entry.name = local_heap_string(ctx, names, name_offset, where);
      if (entry.cache_type == 2) entry.soft_target = local_heap_string(ctx, names, scratch.u32le(), where);
      visit(std::move(entry));
    }
  });
}

void for_each_v1_chunk(Context& ctx, std::uint64_t btree, unsigned layout_rank,
                       const std::function<void(std::uint64_t size)>& visit) {
  const std::uint64_t key_size = 8 + 8ull * layout_rank;
  walk_v1(ctx, btree, 1, key_size, [&](std::uint64_t, Bytes key) {
    ByteReader r(key, kFormat);
    visit(r.u32le());
  });
}

}  // namespace ms::hdf5_internal
