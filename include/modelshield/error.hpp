#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ms {

// Thrown by every reader in formats/ when the bytes are not what the format promises.
// `offset` is the byte offset (within the buffer the reader was given) where the problem was seen.
class FormatError : public std::runtime_error {
 public:
  FormatError(std::string format, std::string message, std::uint64_t offset)
      : std::runtime_error(format + ": " + message + " (at byte " + std::to_string(offset) + ")"),
        format_(std::move(format)),
        message_(std::move(message)),
        offset_(offset) {}
  const std::string& format() const { return format_; }
  const std::string& message() const { return message_; }
  std::uint64_t offset() const { return offset_; }

 private:
  std::string format_;
  std::string message_;
  std::uint64_t offset_;
};

// A configured resource limit was reached (input declares more than we agree to process).
class LimitError : public FormatError {
 public:
  using FormatError::FormatError;
};

// Problems with the user's own input to the tool (unreadable path, bad policy file).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ms
