/* Compiles the header once so a C compiler checks it on every build. */
#include "canary_shm.h"
