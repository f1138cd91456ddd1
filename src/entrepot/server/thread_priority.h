// File: thread_priority.h
//
// LowerThreadPriority: for the threads that follow the journal in the background (the
// movement index, the EPCIS repository). Their work is derived data that may lag; on a busy
// machine the request path (network threads, sequencer, journal writer) must get the cores
// first.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace entrepot::server {

// Adds `nice` to the calling thread's nice value (Linux threads have their own), at most 19;
// nothing when `nice` <= 0. Best effort: a thread works the same at any priority.
inline void LowerThreadPriority(int nice) {
  if (nice <= 0) {
    return;
  }
  const auto thread = static_cast<id_t>(::gettid());
  errno = 0;
  const int current = ::getpriority(PRIO_PROCESS, thread);
  if (errno == 0) {
    (void)::setpriority(PRIO_PROCESS, thread, std::min(current + nice, 19));
  }
}

}  // namespace entrepot::server
