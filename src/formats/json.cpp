#include "formats/json.hpp"

#include <simdjson.h>

#include <unordered_map>

#include "formats/json_text.hpp"
#include "modelshield/error.hpp"

namespace ms {

const JsonValue* JsonValue::get(std::string_view key) const {
  if (kind != Kind::object) return nullptr;
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

std::string_view JsonValue::string_at(std::string_view key) const {
  const JsonValue* value = get(key);
  return value != nullptr && value->is_string() ? std::string_view(value->text) : std::string_view();
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

namespace {

class TreeBuilder {
 public:
  explicit TreeBuilder(const Limits& limits) : limits_(limits) {}

  JsonValue build(simdjson::dom::element element) {
    if (++nodes_ > limits_.max_json_nodes)
      throw LimitError("json", "document has more than " + std::to_string(limits_.max_json_nodes) + " values", 0);
    JsonValue value;
    switch (element.type()) {
      case simdjson::dom::element_type::ARRAY:
        value.kind = JsonValue::Kind::array;
        build_array(element.get_array().value_unsafe(), value);
        break;
      case simdjson::dom::element_type::OBJECT:
        value.kind = JsonValue::Kind::object;
        build_object(element.get_object().value_unsafe(), value);
        break;
      case simdjson::dom::element_type::STRING: {
        std::string_view text = element.get_string().value_unsafe();
        if (text.starts_with(json_detail::kBigIntMarker)) {
          value.kind = JsonValue::Kind::number;
          value.text = std::string(text.substr(json_detail::kBigIntMarker.size()));
          value.number = std::strtod(value.text.c_str(), nullptr);
        } else {
          value.kind = JsonValue::Kind::string;
          value.text = std::string(text);
        }
        break;
      }
      case simdjson::dom::element_type::INT64:
        value.kind = JsonValue::Kind::number;
        value.number = static_cast<double>(element.get_int64().value_unsafe());
        break;
      case simdjson::dom::element_type::UINT64:
        value.kind = JsonValue::Kind::number;
        value.number = static_cast<double>(element.get_uint64().value_unsafe());
        break;
      case simdjson::dom::element_type::DOUBLE:
        value.kind = JsonValue::Kind::number;
        value.number = element.get_double().value_unsafe();
        break;
      case simdjson::dom::element_type::BOOL:
        value.kind = JsonValue::Kind::boolean;
        value.boolean = element.get_bool().value_unsafe();
        break;
      case simdjson::dom::element_type::NULL_VALUE:
        break;
    }
    return value;
  }

 private:
  void build_array(simdjson::dom::array array, JsonValue& out) {
    for (simdjson::dom::element child : array) out.items.push_back(build(child));
  }

  // Python's dict keeps a repeated key at its first position with the last value.
  void build_object(simdjson::dom::object object, JsonValue& out) {
    std::unordered_map<std::string_view, std::size_t> index;
    for (auto field : object) {
      auto [it, inserted] = index.emplace(field.key, out.keys.size());
      if (inserted) {
        out.keys.emplace_back(field.key);
        out.items.push_back(build(field.value));
      } else {
        out.items[it->second] = build(field.value);
      }
    }
  }

  const Limits& limits_;
  std::size_t nodes_ = 0;
};

}  // namespace

JsonValue parse_json(Bytes document, const Limits& limits) {
  if (document.size() > limits.max_metadata_bytes)
    throw LimitError("json", "document of " + std::to_string(document.size()) + " bytes exceeds the metadata limit",
                     0);
  std::string text = json_detail::normalise_python_json(json_detail::to_utf8_like_python(document));
  simdjson::dom::parser parser;
  if (auto error = parser.allocate(text.size() + 1, limits.max_json_depth); error)
    throw LimitError("json", simdjson::error_message(error), 0);
  simdjson::dom::element root;
  if (auto error = parser.parse(text).get(root); error) {
    if (error == simdjson::DEPTH_ERROR)
      throw LimitError("json", "nesting deeper than " + std::to_string(limits.max_json_depth), 0);
    throw FormatError("json", simdjson::error_message(error), 0);
  }
  return TreeBuilder(limits).build(root);
}

}  // namespace ms
