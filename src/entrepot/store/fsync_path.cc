#include "entrepot/store/fsync_path.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace entrepot::store {

int FsyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    return errno;
  }
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

}  // namespace entrepot::store
