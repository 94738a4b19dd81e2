#pragma once
// An output buffer for decompressors. It grows with realloc, which remaps large blocks instead of copying
// them, and never zero-fills: inflating hundreds of MiB then costs one page fault per page, where a
// std::vector pays for zeroing and for copying into every larger block.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

#include "modelshield/byte_reader.hpp"

namespace ms {

class GrowableBytes {
 public:
  GrowableBytes() = default;
  GrowableBytes(const GrowableBytes&) = delete;
  GrowableBytes& operator=(const GrowableBytes&) = delete;
  GrowableBytes(GrowableBytes&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        size_(std::exchange(other.size_, 0)),
        capacity_(std::exchange(other.capacity_, 0)) {}
  GrowableBytes& operator=(GrowableBytes&& other) noexcept {
    if (this != &other) {
      std::free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
      capacity_ = std::exchange(other.capacity_, 0);
    }
    return *this;
  }
  ~GrowableBytes() { std::free(data_); }

  // Room for `extra` more bytes after size() (capacity doubles, but never past `max_capacity` unless
  // size() + extra needs it); returns where they go. Nothing is written until commit().
  std::uint8_t* reserve_more(std::size_t extra, std::size_t max_capacity) {
    if (capacity_ - size_ < extra) {
      const std::size_t wanted = std::max(size_ + extra, std::min(capacity_ * 2, max_capacity));
      void* grown = std::realloc(data_, wanted);
      if (grown == nullptr) throw std::bad_alloc();
      data_ = static_cast<std::uint8_t*>(grown);
      capacity_ = wanted;
    }
    return data_ + size_;
  }
  void commit(std::size_t produced) { size_ += produced; }

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }
  const std::uint8_t* begin() const { return data_; }
  const std::uint8_t* end() const { return data_ + size_; }
  Bytes view() const { return size_ == 0 ? Bytes() : Bytes(data_, size_); }
  operator Bytes() const { return view(); }  // NOLINT(google-explicit-constructor): a view, as vector gives

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace ms
