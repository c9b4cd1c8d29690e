#ifndef CANARY_CZEROMQ_SHIM_H
#define CANARY_CZEROMQ_SHIM_H
// libzmq 4.3's public API. ZMQ_BUILD_DRAFT_API stays off: we use only the
// stable API so any distribution's libzmq3-dev works.
#include <zmq.h>
#endif
