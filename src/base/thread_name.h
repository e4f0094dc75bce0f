// Names the calling thread (at most 15 characters), so that `top -H`, `ps -L`,
// perf and debuggers tell Ordo's threads apart: ordo-writer, ordo-sync, ordo-io…
#pragma once

#include <pthread.h>

namespace ordo {

inline void NameThisThread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace ordo
