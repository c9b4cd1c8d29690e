#ifndef CANARY_SPAWN_H
#define CANARY_SPAWN_H

#include <spawn.h>

/* posix_spawn_file_actions_addclosefrom_np (glibc 2.34+), which Swift's
 * Glibc module does not export (it needs _GNU_SOURCE): the child closes
 * every descriptor from `from` up, so it inherits nothing of its parent
 * but what the other file actions set up. Returns 0 or an errno value;
 * ENOSYS where the C library has no such action. */
int canary_spawn_close_from(posix_spawn_file_actions_t *actions, int from);

#endif
