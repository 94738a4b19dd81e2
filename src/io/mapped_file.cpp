#include "modelshield/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "modelshield/error.hpp"

namespace ms {

namespace {
struct FdGuard {
  int fd;
  ~FdGuard() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw UsageError("cannot open " + path.string() + ": " + std::strerror(errno));
  FdGuard guard{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw UsageError("cannot stat " + path.string() + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw UsageError(path.string() + " is not a regular file");
  size_ = static_cast<std::size_t>(st.st_size);
  if (size_ == 0) return;
  void* map = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map != MAP_FAILED) {
    data_ = static_cast<const std::uint8_t*>(map);
    mapped_ = true;
    return;
  }
  // Some filesystems (procfs, FUSE) refuse mmap: fall back to reading.
  buffer_.resize(size_);
  std::size_t done = 0;
  while (done < size_) {
    ssize_t got = ::read(fd, buffer_.data() + done, size_ - done);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw UsageError("cannot read " + path.string() + ": " + std::strerror(errno));
    done += static_cast<std::size_t>(got);
  }
  data_ = buffer_.data();
}

MappedFile::~MappedFile() { release(); }

void MappedFile::release() noexcept {
  if (mapped_ && data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
  data_ = nullptr;
  size_ = 0;
  mapped_ = false;
  buffer_.clear();
}

MappedFile::MappedFile(MappedFile&& other) noexcept { *this = std::move(other); }

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this == &other) return *this;
  release();
  mapped_ = other.mapped_;
  size_ = other.size_;
  buffer_ = std::move(other.buffer_);
  data_ = mapped_ ? other.data_ : buffer_.data();
  other.data_ = nullptr;
  other.size_ = 0;
  other.mapped_ = false;
  return *this;
}

}  // namespace ms
