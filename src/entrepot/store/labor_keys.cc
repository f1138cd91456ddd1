#include "entrepot/store/labor_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "entrepot/base/status_macros.h"

namespace entrepot::store {

namespace {

constexpr std::string_view kKeySuffix = ".key";
// A key being written; renamed to "<name>.key" once whole and synced.
constexpr std::string_view kTempSuffix = ".key.tmp";
constexpr size_t kMaxKeyNameBytes = 64;

Status IoError(std::string_view what, const std::filesystem::path& path, int error_number) {
  return Error(StatusCode::kUnavailable, "labor_unavailable",
               std::string(what) + " " + path.string() + ": " + std::strerror(error_number));
}

Status CheckName(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= kMaxKeyNameBytes &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                  });
  if (!ok) {
    return Error(StatusCode::kInvalidArgument, "bad_key_name",
                 "a labor key name is 1 to 64 of [a-z0-9-]");
  }
  return OkStatus();
}

// Closes a descriptor on every path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now and reports the error close() may carry (a delayed write error).
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Status WriteAll(int fd, const uint8_t* data, size_t size, const std::filesystem::path& path) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return IoError("cannot write", path, errno);
    }
    data += written;
    size -= static_cast<size_t>(written);
  }
  return OkStatus();
}

// The directory entry changes (a rename, an unlink) last only once the directory is synced.
Status SyncDir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    return IoError("cannot open", dir, errno);
  }
  if (::fsync(fd.get()) != 0) {
    return IoError("cannot sync", dir, errno);
  }
  return OkStatus();
}

// Overwrites the file at `path` with zeros and syncs it, then unlinks it (not the directory
// sync: the caller's). OK when the file is missing.
Status OverwriteAndUnlink(const std::filesystem::path& path) {
  {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    if (fd.get() < 0) {
      return errno == ENOENT ? OkStatus() : IoError("cannot open", path, errno);
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
      return IoError("cannot stat", path, errno);
    }
    // Whatever its size (a torn temporary file), every byte it had is overwritten.
    const std::array<uint8_t, 4096> zeros{};
    for (off_t left = info.st_size; left > 0;) {
      const size_t chunk = static_cast<size_t>(std::min<off_t>(left, zeros.size()));
      ENTREPOT_RETURN_IF_ERROR(WriteAll(fd.get(), zeros.data(), chunk, path));
      left -= static_cast<off_t>(chunk);
    }
    if (::fsync(fd.get()) != 0) {
      return IoError("cannot sync", path, errno);
    }
    if (fd.Close() != 0) {
      return IoError("cannot close", path, errno);
    }
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return IoError("cannot remove", path, errno);
  }
  return OkStatus();
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() > suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

}  // namespace

StatusOr<LaborKeyDir> LaborKeyDir::Open(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) {
    ENTREPOT_RETURN_IF_ERROR(SyncDir(dir.parent_path().empty() ? "." : dir.parent_path()));
  } else if (errno != EEXIST) {
    return IoError("cannot create the labor key directory", dir, errno);
  }
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    return Error(StatusCode::kUnavailable, "labor_unavailable",
                 dir.string() + " is not a directory for the labor keys");
  }
  LaborKeyDir keys(dir);
  // A crash while a key was being written leaves its temporary file: its bytes may be a key.
  bool removed = false;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (EndsWith(entry.path().filename().string(), kTempSuffix)) {
      ENTREPOT_RETURN_IF_ERROR(OverwriteAndUnlink(entry.path()));
      removed = true;
    }
  }
  if (error) {
    return IoError("cannot list", dir, error.value());
  }
  if (removed) {
    ENTREPOT_RETURN_IF_ERROR(SyncDir(dir));
  }
  return keys;
}

StatusOr<std::optional<privacy::SecretKey>> LaborKeyDir::Load(std::string_view name) const {
  ENTREPOT_RETURN_IF_ERROR(CheckName(name));
  const std::filesystem::path path = dir_ / (std::string(name) + std::string(kKeySuffix));
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return std::optional<privacy::SecretKey>();
    }
    return IoError("cannot open", path, errno);
  }
  // One byte more than a key, to tell a longer file from a key.
  std::array<uint8_t, privacy::kLaborKeyBytes + 1> bytes{};
  size_t size = 0;
  while (size < bytes.size()) {
    const ssize_t got = ::read(fd.get(), bytes.data() + size, bytes.size() - size);
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return IoError("cannot read", path, errno);
    }
    if (got == 0) {
      break;
    }
    size += static_cast<size_t>(got);
  }
  if (size != privacy::kLaborKeyBytes) {
    std::fill(bytes.begin(), bytes.end(), uint8_t{0});
    return Error(StatusCode::kDataLoss, "labor_corrupt",
                 "the labor key file " + path.string() + " does not hold a key");
  }
  privacy::SecretKey key(std::span<const uint8_t>(bytes.data(), privacy::kLaborKeyBytes));
  std::fill(bytes.begin(), bytes.end(), uint8_t{0});
  return std::optional<privacy::SecretKey>(std::move(key));
}

Status LaborKeyDir::Write(std::string_view name, const privacy::SecretKey& key) const {
  ENTREPOT_RETURN_IF_ERROR(CheckName(name));
  const std::filesystem::path path = dir_ / (std::string(name) + std::string(kKeySuffix));
  const std::filesystem::path temp = dir_ / (std::string(name) + std::string(kTempSuffix));
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (fd.get() < 0) {
      return IoError("cannot create", temp, errno);
    }
    // The mode of a file left by an older run, or narrowed by no umask: 0600 either way.
    if (::fchmod(fd.get(), 0600) != 0) {
      return IoError("cannot restrict", temp, errno);
    }
    ENTREPOT_RETURN_IF_ERROR(WriteAll(fd.get(), key.bytes().data(), key.bytes().size(), temp));
    if (::fsync(fd.get()) != 0) {
      return IoError("cannot sync", temp, errno);
    }
    if (fd.Close() != 0) {
      return IoError("cannot close", temp, errno);
    }
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int rename_error = errno;
    (void)OverwriteAndUnlink(temp);
    return IoError("cannot rename to", path, rename_error);
  }
  return SyncDir(dir_);
}

Status LaborKeyDir::Destroy(std::string_view name) const {
  ENTREPOT_RETURN_IF_ERROR(CheckName(name));
  ENTREPOT_RETURN_IF_ERROR(
      OverwriteAndUnlink(dir_ / (std::string(name) + std::string(kKeySuffix))));
  return SyncDir(dir_);
}

StatusOr<std::vector<std::string>> LaborKeyDir::Names() const {
  std::vector<std::string> names;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, error)) {
    const std::string file = entry.path().filename().string();
    if (!EndsWith(file, kKeySuffix)) {
      continue;
    }
    std::string name = file.substr(0, file.size() - kKeySuffix.size());
    if (CheckName(name).ok()) {
      names.push_back(std::move(name));
    }
  }
  if (error) {
    return IoError("cannot list", dir_, error.value());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace entrepot::store
