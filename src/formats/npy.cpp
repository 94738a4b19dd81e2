#include "formats/npy.hpp"

#include <charconv>

#include "modelshield/error.hpp"

namespace ms {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::size_t kMaxLiteralDepth = 32;
constexpr std::size_t kMaxHeaderBytes = 1 << 20;

// The subset of Python literals numpy headers use: str, int, True/False/None, tuple, list, dict.
struct Literal {
  enum class Kind { string, integer, boolean, none, sequence, dict } kind = Kind::none;
  std::string text;
  std::uint64_t integer = 0;
  bool boolean = false;
  std::vector<Literal> items;     // sequence elements, or dict values
  std::vector<std::string> keys;  // dict keys (strings only in npy headers)
};

class LiteralParser {
 public:
  LiteralParser(std::string_view text, std::uint64_t base) : text_(text), base_(base) {}

  Literal parse_document() {
    Literal value = parse(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the header literal");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw FormatError("npy", message, base_ + pos_);
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' || text_[pos_] == '\r'))
      ++pos_;
  }

  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Literal parse(std::size_t depth) {
    if (depth > kMaxLiteralDepth) fail("header literal nested too deeply");
    skip_space();
    if (pos_ >= text_.size()) fail("header literal ends early");
    char c = text_[pos_];
    if (c == '\'' || c == '"') return parse_string();
    if (c == '(' || c == '[') return parse_sequence(c == '(' ? ')' : ']', depth);
    if (c == '{') return parse_dict(depth);
    if (c >= '0' && c <= '9') return parse_integer();
    struct Word {
      std::string_view text;
      Literal::Kind kind;
      bool value;
    };
    for (const Word& word :
         {Word{"True", Literal::Kind::boolean, true}, Word{"False", Literal::Kind::boolean, false},
          Word{"None", Literal::Kind::none, false}}) {
      if (text_.substr(pos_, word.text.size()) == word.text) {
        pos_ += word.text.size();
        Literal literal;
        literal.kind = word.kind;
        literal.boolean = word.value;
        return literal;
      }
    }
    fail(std::string("unexpected character '") + c + "' in header literal");
  }

  Literal parse_string() {
    char quote = text_[pos_++];
    Literal literal;
    literal.kind = Literal::Kind::string;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' && pos_ + 1 < text_.size()) ++pos_;
      literal.text += text_[pos_++];
    }
    if (pos_ >= text_.size()) fail("unterminated string in header literal");
    ++pos_;
    return literal;
  }

  Literal parse_integer() {
    Literal literal;
    literal.kind = Literal::Kind::integer;
    auto [end, error] = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), literal.integer);
    if (error != std::errc()) fail("integer out of range in header literal");
    pos_ = static_cast<std::size_t>(end - text_.data());
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;  // Python 2 longs in old files
    return literal;
  }

  Literal parse_sequence(char close, std::size_t depth) {
    ++pos_;
    Literal literal;
    literal.kind = Literal::Kind::sequence;
    while (!consume(close)) {
      literal.items.push_back(parse(depth + 1));
      if (!consume(',')) {
        if (!consume(close)) fail("expected ',' or closing bracket in header literal");
        break;
      }
    }
    return literal;
  }

  Literal parse_dict(std::size_t depth) {
    ++pos_;
    Literal literal;
    literal.kind = Literal::Kind::dict;
    while (!consume('}')) {
      Literal key = parse(depth + 1);
      if (key.kind != Literal::Kind::string) fail("header dictionary key is not a string");
      if (!consume(':')) fail("expected ':' in header dictionary");
      literal.keys.push_back(key.text);
      literal.items.push_back(parse(depth + 1));
      if (!consume(',')) {
        if (!consume('}')) fail("expected ',' or '}' in header dictionary");
        break;
      }
    }
    return literal;
  }

  std::string_view text_;
  std::uint64_t base_;
  std::size_t pos_ = 0;
};

const Literal* member(const Literal& dict, std::string_view key) {
  for (std::size_t i = 0; i < dict.keys.size(); ++i)
    if (dict.keys[i] == key) return &dict.items[i];
  return nullptr;
}

// Collects every type string of a structured descr: [('name', '<f4'), ('sub', [...]), ('o', '|O', (2,))].
void collect_field_types(const Literal& descr, std::vector<std::string>& out, std::size_t depth) {
  if (depth > kMaxLiteralDepth) return;
  if (descr.kind == Literal::Kind::string) {
    out.push_back(descr.text);
    return;
  }
  if (descr.kind != Literal::Kind::sequence) return;
  for (const Literal& field : descr.items) {
    if (field.kind == Literal::Kind::sequence && field.items.size() >= 2)
      collect_field_types(field.items[1], out, depth + 1);
  }
}

bool is_object_type(std::string_view type) {
  while (!type.empty() &&
         (type.front() == '<' || type.front() == '>' || type.front() == '|' || type.front() == '='))
    type.remove_prefix(1);
  return type.starts_with('O');
}

std::uint64_t numeric_item_size(std::string_view type) {
  while (!type.empty() &&
         (type.front() == '<' || type.front() == '>' || type.front() == '|' || type.front() == '='))
    type.remove_prefix(1);
  if (type.size() < 2 || std::string_view("bBiufc?").find(type[0]) == std::string_view::npos) return 0;
  std::uint64_t size = 0;
  auto [end, error] = std::from_chars(type.data() + 1, type.data() + type.size(), size);
  return error == std::errc() && end == type.data() + type.size() ? size : 0;
}

}  // namespace

NpyHeader parse_npy_header(Bytes data, const Limits& /*limits*/) {
  ByteReader reader(data, "npy");
  if (reader.remaining() < kMagic.size() || reader.chars(kMagic.size()) != kMagic)
    reader.fail("missing NUMPY magic", 0);
  NpyHeader header;
  header.major_version = reader.u8();
  header.minor_version = reader.u8();
  std::uint64_t length;
  if (header.major_version == 1)
    length = reader.u16le();
  else if (header.major_version == 2 || header.major_version == 3)
    length = reader.u32le();
  else
    reader.fail("unsupported format version " + std::to_string(header.major_version), 6);
  if (length > kMaxHeaderBytes) throw LimitError("npy", "header longer than 1 MiB", reader.file_offset());
  std::uint64_t text_offset = reader.position();
  std::string_view text = reader.chars(length);
  header.data_offset = reader.position();
  Literal dict = LiteralParser(text, text_offset).parse_document();
  if (dict.kind != Literal::Kind::dict) throw FormatError("npy", "header is not a dictionary", text_offset);
  const Literal* descr = member(dict, "descr");
  const Literal* fortran = member(dict, "fortran_order");
  const Literal* shape = member(dict, "shape");
  if (descr == nullptr || fortran == nullptr || shape == nullptr)
    throw FormatError("npy", "header lacks descr, fortran_order or shape", text_offset);
  if (fortran->kind != Literal::Kind::boolean || shape->kind != Literal::Kind::sequence)
    throw FormatError("npy", "header has a malformed fortran_order or shape", text_offset);
  header.fortran_order = fortran->boolean;
  for (const Literal& dim : shape->items) {
    if (dim.kind != Literal::Kind::integer)
      throw FormatError("npy", "shape holds a non-integer", text_offset);
    header.shape.push_back(dim.integer);
  }
  if (descr->kind == Literal::Kind::string) {
    header.descr = descr->text;
    header.field_types = {descr->text};
    header.item_size = numeric_item_size(descr->text);
  } else if (descr->kind == Literal::Kind::sequence) {
    header.structured = true;
    collect_field_types(*descr, header.field_types, 0);
    header.descr = "structured(" + std::to_string(header.field_types.size()) + " fields)";
  } else {
    throw FormatError("npy", "descr is neither a type string nor a field list", text_offset);
  }
  for (const std::string& type : header.field_types) header.has_objects |= is_object_type(type);
  return header;
}

}  // namespace ms
