#include "modelshield/utf8.hpp"

#include <gtest/gtest.h>

namespace ms {
namespace {

// The cases Python's b"...".decode("utf-8") rejects (and, for surrogates, "surrogatepass" accepts).
TEST(Utf8, AcceptsWhatPythonsStrictDecoderAccepts) {
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("d\xc3\xa9j\xc3\xa0 \xe6\x97\xa5 \xf0\x9f\x98\x80"));
  EXPECT_TRUE(is_valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok\xc0\xaf"), 2u);  // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xe0\x80\xaf"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xf0\x80\x80\xaf"), 0u);
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("abc\xe6\x97"), 3u);       // truncated
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);              // lone continuation byte
  EXPECT_EQ(find_invalid_utf8("a\xe6(\xa5"), 1u);        // bad continuation byte
  EXPECT_EQ(find_invalid_utf8("\xed\xa0\x80"), 0u);      // U+D800
  EXPECT_FALSE(find_invalid_utf8("\xed\xa0\x80", /*allow_surrogates=*/true).has_value());
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98\x80", 0), 4u);
  EXPECT_EQ(utf8_sequence_length("\xf0\x9f\x98", 0), 0u);
}

}  // namespace
}  // namespace ms
