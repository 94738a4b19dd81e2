// Decodes the marshal object graph. The checks mirror what CPython itself refuses to load, so that a
// layout that is wrong for the bytes fails quickly, while nothing CPython would accept is refused.
#include <charconv>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>

#include "formats/marshal_value.hpp"

namespace ms::marshal {
namespace {

constexpr std::uint8_t kFlagRef = 0x80;
constexpr std::uint32_t kReservedRef = kNoNode;
constexpr char kFormat[] = "marshal";

// CPython reads text floats ('f', 'x') with PyOS_string_to_double: a full decimal or inf/nan spelling.
bool parse_text_float(std::string_view text, double& value) {
  std::string_view digits = text;
  if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
  if (digits.empty() || digits.front() == '+') return false;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return error == std::errc() && end == digits.data() + digits.size();
}

double double_from_le(Bytes bytes) {
  std::uint64_t bits = 0;
  for (int i = 7; i >= 0; --i) bits = (bits << 8) | bytes[static_cast<std::size_t>(i)];
  double value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

class GraphReader {
 public:
  GraphReader(Bytes data, MarshalLayout layout, const Limits& limits)
      : in_(data, kFormat), layout_(layout), limits_(limits) {}

  Graph read() {
    graph_.root = read_required("the top-level object", 0);
    graph_.consumed = in_.position();
    return std::move(graph_);
  }

 private:
  bool python2() const { return layout_ == MarshalLayout::python2; }

  [[noreturn]] void limit(const std::string& message, std::uint64_t offset) const {
    throw LimitError(kFormat, message, offset);
  }

  std::uint32_t add(Node node) {
    if (graph_.nodes.size() >= kNoNode - 1) limit("too many objects", node.offset);
    graph_.nodes.push_back(std::move(node));
    return static_cast<std::uint32_t>(graph_.nodes.size() - 1);
  }
  static Node make_node(Kind kind, std::uint64_t offset) {
    Node node;
    node.kind = kind;
    node.offset = offset;
    return node;
  }
  std::uint32_t add_kind(Kind kind, std::uint64_t offset) { return add(make_node(kind, offset)); }

  // FLAG_REF: the object joins the table that 'r' indexes. Containers join before their items are read
  // (so an item may refer back to its container); frozensets, code objects and slices only once complete,
  // and a reference to such a reserved slot is invalid, as in CPython.
  std::uint32_t remember(std::uint32_t node, bool flag) {
    if (flag) refs_.push_back(node);
    return node;
  }
  std::size_t reserve(bool flag) {
    if (!flag) return kNoNode;
    refs_.push_back(kReservedRef);
    return refs_.size() - 1;
  }
  void fill(std::size_t slot, std::uint32_t node) {
    if (slot != kNoNode) refs_[slot] = node;
  }

  std::int64_t read_int32() { return static_cast<std::int32_t>(in_.u32le()); }

  std::uint64_t read_size(const char* what) {
    std::uint64_t at = in_.file_offset();
    std::int64_t size = read_int32();
    if (size < 0) in_.fail(std::string("negative ") + what + " size " + std::to_string(size), at);
    return static_cast<std::uint64_t>(size);
  }

  // Every item takes at least one byte, so a count beyond the remaining bytes is a lie we need not believe.
  void check_item_count(std::uint64_t count, std::uint64_t at) {
    if (count > in_.remaining())
      in_.fail("container declares " + std::to_string(count) + " items but only " +
                   std::to_string(in_.remaining()) + " bytes remain",
               at);
    if (count > limits_.max_marshal_items) limit("container of " + std::to_string(count) + " items", at);
  }

  std::uint32_t read_required(const char* what, std::size_t depth) {
    std::uint64_t at = in_.file_offset();
    std::uint32_t node = read_object(depth);
    if (node == kNoNode) in_.fail(std::string("NULL object where ") + what + " was expected", at);
    return node;
  }

  std::uint32_t read_object(std::size_t depth) {
    std::uint64_t offset = in_.file_offset();
    if (depth >= limits_.max_marshal_depth) limit("objects nested deeper than max_marshal_depth", offset);
    if (++objects_read_ > limits_.max_marshal_items) limit("more objects than max_marshal_items", offset);
    std::uint8_t code = in_.u8();
    bool flag = (code & kFlagRef) != 0;
    char type = static_cast<char>(code & ~kFlagRef);
    if (flag) {
      if (python2()) unknown_type(code, offset);
      graph_.uses_references = true;
    }
    switch (type) {
      case '0':
        return kNoNode;
      case 'N':
        return add_kind(Kind::none, offset);
      case 'S':
        return add_kind(Kind::stop_iteration, offset);
      case '.':
        return add_kind(Kind::ellipsis, offset);
      case 'F':
        return add_kind(Kind::false_value, offset);
      case 'T':
        return add_kind(Kind::true_value, offset);
      case 'i': {
        Node node = make_node(Kind::small_int, offset);
        node.integer = read_int32();
        return remember(add(std::move(node)), flag);
      }
      case 'I': {
        Node node = make_node(Kind::small_int, offset);
        node.integer = static_cast<std::int64_t>(in_.u64le());
        return remember(add(std::move(node)), flag);
      }
      case 'l':
        return remember(read_long(offset), flag);
      case 'f':
      case 'g': {
        Node node = make_node(Kind::float_value, offset);
        node.real = type == 'f' ? read_text_float() : double_from_le(in_.bytes(8));
        return remember(add(std::move(node)), flag);
      }
      case 'x':
      case 'y': {
        Node node = make_node(Kind::complex_value, offset);
        node.real = type == 'x' ? read_text_float() : double_from_le(in_.bytes(8));
        node.imag = type == 'x' ? read_text_float() : double_from_le(in_.bytes(8));
        return remember(add(std::move(node)), flag);
      }
      case 's':
        return remember(read_payload(Kind::bytes, read_size("bytes"), offset), flag);
      case 't': {
        // Python 2: an interned byte string that later 'R' codes index; Python 3: an interned str.
        std::uint32_t node = read_payload(python2() ? Kind::bytes : Kind::str, read_size("string"), offset);
        if (python2()) interned_.push_back(node);
        return remember(node, flag);
      }
      case 'u':
        return remember(read_payload(Kind::str, read_size("string"), offset), flag);
      case 'R': {
        if (!python2()) unknown_type(code, offset);
        std::int64_t index = read_int32();
        if (index < 0 || static_cast<std::uint64_t>(index) >= interned_.size())
          in_.fail("string reference " + std::to_string(index) + " out of range", offset);
        return interned_[static_cast<std::size_t>(index)];
      }
      case 'a':
      case 'A':
      case 'z':
      case 'Z': {
        if (python2()) unknown_type(code, offset);
        graph_.uses_version4 = true;
        std::uint64_t size = (type == 'a' || type == 'A') ? read_size("string") : in_.u8();
        std::uint32_t node = read_payload(Kind::str, size, offset);
        graph_.nodes[node].latin1 = true;
        return remember(node, flag);
      }
      case '(':
      case ')':
        if (type == ')') {
          if (python2()) unknown_type(code, offset);
          graph_.uses_version4 = true;
        }
        return read_sequence(Kind::tuple, type == ')' ? in_.u8() : read_size("tuple"), offset, flag, depth);
      case '[':
        return read_sequence(Kind::list, read_size("list"), offset, flag, depth);
      case '<':
        return read_sequence(Kind::set, read_size("set"), offset, flag, depth);
      case '>':
        return read_sequence(Kind::frozenset, read_size("frozenset"), offset, flag, depth);
      case '{':
        return read_dict(offset, flag, depth);
      case 'c':
        return read_code(offset, flag, depth);
      case ':':
        if (layout_ != MarshalLayout::python311_plus) unknown_type(code, offset);
        return read_slice(offset, flag, depth);
      case 'r': {
        if (python2()) unknown_type(code, offset);
        graph_.uses_references = true;
        std::int64_t index = read_int32();
        if (index < 0 || static_cast<std::uint64_t>(index) >= refs_.size())
          in_.fail("invalid reference " + std::to_string(index) + " (" + std::to_string(refs_.size()) +
                       " objects recorded)",
                   offset);
        std::uint32_t target = refs_[static_cast<std::size_t>(index)];
        if (target == kReservedRef)
          in_.fail("reference " + std::to_string(index) + " to an object still being read", offset);
        return target;
      }
      case '?':
        in_.fail("marker of an unmarshallable object ('?')", offset);
      default:
        unknown_type(code, offset);
    }
  }

  [[noreturn]] void unknown_type(std::uint8_t code, std::uint64_t offset) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text = "unknown type code 0x";
    text += kHex[code >> 4];
    text += kHex[code & 15];
    in_.fail(text + " for " + std::string(to_string(layout_)) + " marshal data", offset);
  }

  std::uint32_t read_payload(Kind kind, std::uint64_t size, std::uint64_t offset) {
    Node node = make_node(kind, offset);
    node.payload = in_.bytes(size);
    return add(std::move(node));
  }

  double read_text_float() {
    std::uint64_t at = in_.file_offset();
    std::string_view text = in_.chars(in_.u8());
    double value = 0;
    if (!parse_text_float(text, value)) in_.fail("invalid float text \"" + std::string(text) + "\"", at);
    return value;
  }

  std::uint32_t read_long(std::uint64_t offset) {
    std::int64_t count = read_int32();
    if (count == INT32_MIN) in_.fail("long size out of range", offset);
    Node node = make_node(Kind::long_int, offset);
    node.negative = count < 0;
    std::uint64_t digits = static_cast<std::uint64_t>(count < 0 ? -count : count);
    node.payload = in_.bytes(digits * 2);
    for (std::uint64_t i = 0; i < digits; ++i) {
      unsigned digit = node.payload[2 * i] | (node.payload[2 * i + 1] << 8);
      if (digit > 0x7fff) in_.fail("digit out of range in long", offset);
      if (digit == 0 && i + 1 == digits) in_.fail("unnormalized long data", offset);
    }
    return add(std::move(node));
  }

  std::uint32_t read_sequence(Kind kind, std::uint64_t count, std::uint64_t offset, bool flag,
                              std::size_t depth) {
    check_item_count(count, offset);
    bool delayed = kind == Kind::frozenset;
    std::size_t slot = delayed ? reserve(flag) : kNoNode;
    std::uint32_t node = add_kind(kind, offset);
    if (!delayed) remember(node, flag);
    std::vector<std::uint32_t> items;
    items.reserve(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count; ++i) items.push_back(read_required("a container item", depth + 1));
    graph_.nodes[node].items = std::move(items);
    fill(slot, node);
    return node;
  }

  std::uint32_t read_dict(std::uint64_t offset, bool flag, std::size_t depth) {
    std::uint32_t node = remember(add_kind(Kind::dict, offset), flag);
    std::vector<std::uint32_t> items;
    // NULL-terminated; like CPython, a NULL in place of a value also ends the dict, dropping the key.
    for (;;) {
      std::uint32_t key = read_object(depth + 1);
      if (key == kNoNode) break;
      std::uint32_t value = read_object(depth + 1);
      if (value == kNoNode) break;
      items.push_back(key);
      items.push_back(value);
    }
    graph_.nodes[node].items = std::move(items);
    return node;
  }

  std::uint32_t read_slice(std::uint64_t offset, bool flag, std::size_t depth) {
    graph_.uses_slices = true;
    std::size_t slot = reserve(flag);
    std::vector<std::uint32_t> items;
    for (int i = 0; i < 3; ++i) items.push_back(read_required("a slice bound", depth + 1));
    std::uint32_t node = add_kind(Kind::slice, offset);
    graph_.nodes[node].items = std::move(items);
    fill(slot, node);
    return node;
  }

  // --- code objects ---

  std::int64_t read_count(const char* field) {
    std::uint64_t at = in_.file_offset();
    std::int64_t value = read_int32();
    if (value < 0) in_.fail(std::string("negative co_") + field + " " + std::to_string(value), at);
    return value;
  }

  const Node& node_at(std::uint32_t node) const { return graph_.nodes[node]; }

  bool is_text(std::uint32_t node) const {
    // Python 2 code objects hold byte strings where Python 3 ones hold str.
    return node_at(node).kind == (python2() ? Kind::bytes : Kind::str);
  }

  std::uint32_t read_field(const char* field, Kind expected, std::size_t depth) {
    std::uint64_t at = in_.file_offset();
    std::uint32_t node = read_required(field, depth + 1);
    if (node_at(node).kind != expected) in_.fail(std::string("co_") + field + " has the wrong type", at);
    return node;
  }
  std::uint32_t read_text_field(const char* field, std::size_t depth) {
    std::uint64_t at = in_.file_offset();
    std::uint32_t node = read_required(field, depth + 1);
    if (!is_text(node)) in_.fail(std::string("co_") + field + " is not a string", at);
    return node;
  }
  std::uint32_t read_names_field(const char* field, std::size_t depth) {
    std::uint64_t at = in_.file_offset();
    std::uint32_t node = read_field(field, Kind::tuple, depth);
    for (std::uint32_t item : node_at(node).items)
      if (!is_text(item)) in_.fail(std::string("co_") + field + " holds a non-string", at);
    return node;
  }

  std::uint32_t read_code(std::uint64_t offset, bool flag, std::size_t depth) {
    std::size_t slot = reserve(flag);
    CodeFields code;
    const bool v38 = layout_ >= MarshalLayout::python38_to_310;
    const bool v311 = layout_ == MarshalLayout::python311_plus;
    code.argcount = read_count("argcount");
    if (v38) code.posonlyargcount = read_count("posonlyargcount");
    if (!python2()) code.kwonlyargcount = read_count("kwonlyargcount");
    if (!v311) code.nlocals = read_count("nlocals");
    code.stacksize = read_count("stacksize");
    code.flags = read_int32();
    if (code.posonlyargcount > code.argcount) in_.fail("co_posonlyargcount exceeds co_argcount", offset);
    code.bytecode = read_field("code", Kind::bytes, depth);
    code.consts = read_field("consts", Kind::tuple, depth);
    code.names = read_names_field("names", depth);
    if (v311) {
      code.localsplusnames = read_names_field("localsplusnames", depth);
      std::uint64_t at = in_.file_offset();
      code.localspluskinds = read_field("localspluskinds", Kind::bytes, depth);
      if (node_at(code.localspluskinds).payload.size() != node_at(code.localsplusnames).items.size())
        in_.fail("co_localspluskinds and co_localsplusnames differ in length", at);
    } else {
      code.varnames = read_names_field("varnames", depth);
      code.freevars = read_names_field("freevars", depth);
      code.cellvars = read_names_field("cellvars", depth);
    }
    code.filename = read_text_field("filename", depth);
    code.name = read_text_field("name", depth);
    if (v311) code.qualname = read_text_field("qualname", depth);
    code.firstlineno = read_int32();
    code.linetable = read_field(v311 ? "linetable" : "lnotab", Kind::bytes, depth);
    if (v311) code.exceptiontable = read_field("exceptiontable", Kind::bytes, depth);

    std::uint32_t node = add_kind(Kind::code, offset);
    code.node = node;
    graph_.nodes[node].code = static_cast<std::uint32_t>(graph_.codes.size());
    graph_.codes.push_back(code);
    fill(slot, node);
    return node;
  }

  ByteReader in_;
  MarshalLayout layout_;
  const Limits& limits_;
  Graph graph_;
  std::vector<std::uint32_t> refs_;
  std::vector<std::uint32_t> interned_;  // Python 2 'R' table
  std::uint64_t objects_read_ = 0;
};

}  // namespace

Graph read_graph(Bytes data, MarshalLayout layout, const Limits& limits) {
  return GraphReader(data, layout, limits).read();
}

}  // namespace ms::marshal
