#include "formats/json.hpp"

#include <gtest/gtest.h>

namespace ms {
namespace {

JsonValue parse(std::string_view text, Limits limits = {}) { return parse_json(as_bytes(text), limits); }

TEST(Json, DuplicateKeysKeepFirstPositionAndLastValueLikePython) {
  JsonValue value = parse(R"({"class_name": "Dense", "x": 1, "class_name": "Lambda"})");
  ASSERT_TRUE(value.is_object());
  ASSERT_EQ(value.keys.size(), 2u);
  EXPECT_EQ(value.keys[0], "class_name");
  EXPECT_EQ(value.string_at("class_name"), "Lambda");
}

TEST(Json, AcceptsPythonExtensions) {
  JsonValue value = parse(R"({"a": NaN, "b": -Infinity, "c": Infinity, "d": 123456789012345678901234567890,
                              "e": "\ud800", "f": "\ud83d\ude00", "g": -1.5e3})");
  EXPECT_TRUE(value.get("a")->is_null());
  EXPECT_TRUE(value.get("b")->is_null());
  EXPECT_EQ(value.get("d")->kind, JsonValue::Kind::number);
  EXPECT_EQ(value.get("d")->text, "123456789012345678901234567890");
  EXPECT_EQ(value.string_at("e"), "\xEF\xBF\xBD");
  EXPECT_EQ(value.string_at("f"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(value.get("g")->number, -1500.0);
}

TEST(Json, StringsThatLookLikeSpecialTokensAreUntouched) {
  JsonValue value = parse(R"({"NaN": "Infinity 12345678901234567890123 \"NaN\""})");
  EXPECT_EQ(value.string_at("NaN"), "Infinity 12345678901234567890123 \"NaN\"");
}

TEST(Json, DetectsUtf16AndUtf32LikePython) {
  std::u16string text16 = u"{\"module\": \"os\"}";
  std::string le16;
  for (char16_t c : text16) {
    le16.push_back(static_cast<char>(c & 0xFF));
    le16.push_back(static_cast<char>(c >> 8));
  }
  EXPECT_EQ(parse(le16).string_at("module"), "os");
  std::string be32;
  for (char16_t c : text16) be32 += std::string("\0\0\0", 3) + static_cast<char>(c);
  EXPECT_EQ(parse(be32).string_at("module"), "os");
  EXPECT_EQ(parse("\xEF\xBB\xBF{\"a\": \"b\"}").string_at("a"), "b");
  std::string bom16 = "\xFE\xFF";
  for (char16_t c : text16) bom16 += std::string(1, '\0') + static_cast<char>(c);
  EXPECT_EQ(parse(bom16).string_at("module"), "os");
}

TEST(Json, RejectsMalformedAndOverLimitInput) {
  EXPECT_THROW(parse("{\"a\": }"), FormatError);
  EXPECT_THROW(parse("{\"a\": 1} trailing"), FormatError);
  EXPECT_THROW(parse("\"\xC0\xAF\""), FormatError);  // overlong UTF-8
  EXPECT_THROW(parse("{\"a\": \"unterminated"), FormatError);
  Limits shallow;
  shallow.max_json_depth = 8;
  EXPECT_THROW(parse(std::string(20, '[') + std::string(20, ']'), shallow), LimitError);
  Limits few;
  few.max_json_nodes = 3;
  EXPECT_THROW(parse("[1, 2, 3, 4]", few), LimitError);
  Limits tiny;
  tiny.max_metadata_bytes = 4;
  EXPECT_THROW(parse("[1, 2]", tiny), LimitError);
}

TEST(Json, PointerTokensAreEscaped) { EXPECT_EQ(json_pointer_token("a/b~c"), "a~1b~0c"); }

}  // namespace
}  // namespace ms
