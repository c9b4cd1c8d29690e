/* Compiles the header once so a C compiler checks it on every build
 * (SwiftPM only type-checks headers through the Swift importer otherwise). */
#define _POSIX_C_SOURCE 200809L
#include "canary_shm.h"
