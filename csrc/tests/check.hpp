// The one assertion of the kernel tests: report the failed condition with its
// file and line, count it, and go on (main returns failure if any failed).
#pragma once

#include <cstdio>

inline int g_failures = 0;

#define CHECK(cond)                                                                  \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures;                                                                  \
    }                                                                                \
  } while (0)
