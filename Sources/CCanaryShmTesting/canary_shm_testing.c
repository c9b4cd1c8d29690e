/* Compiles the testing header once so a C compiler checks it on every build. */
#define _POSIX_C_SOURCE 200809L
#include "canary_shm_testing.h"
