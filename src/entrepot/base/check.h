// File: check.h
//
// Invariant checks for programmer errors. A failed check is a bug in Entrepôt, never a
// consequence of input: request data, files and scans are validated and answered with a
// Status instead. ENTREPOT_CHECK is always on; ENTREPOT_DCHECK only in debug builds.
#pragma once

#include <cstdio>
#include <cstdlib>

#define ENTREPOT_CHECK(condition)                                                        \
  do {                                                                                   \
    if (!(condition)) [[unlikely]] {                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (false)

#ifdef NDEBUG
#define ENTREPOT_DCHECK(condition) \
  do {                             \
  } while (false)
#else
#define ENTREPOT_DCHECK(condition) ENTREPOT_CHECK(condition)
#endif
