#ifndef CANARY_SHM_H
#define CANARY_SHM_H
/* Placeholder: the shared-memory ABI lands with the shared-memory issue. */
#endif
