/*
 * kernel/pipe_stream.h: what the pipe protocols (kernel/pipe_proto.c) and
 * the boot need of kernel/pipe_stream.c beyond include/skiff/pipe.h.
 */
#ifndef KERNEL_PIPE_STREAM_H
#define KERNEL_PIPE_STREAM_H

#include <stdbool.h>

#include "include/skiff/pipe.h"
#include "pipe/msg.h"

/* At boot, after pci_init(): finds the device and checks the monitor's memory. */
void pipe_stream_init(void);
/* One frame, whole (blocking). 0 or a negative errno (-EPROTO: malformed). */
int pipe_send_msg(struct pipe_stream *s, const struct pipe_msg *m);
int pipe_recv_msg(struct pipe_stream *s, struct pipe_msg *m);
/* Asks the monitor to signal the next change of s's input (read) and/or room (write): for pollers. */
void pipe_stream_arm(struct pipe_stream *s, bool read, bool write);
/* One frame of at most 24 body bytes kept in s across calls (nonblock: -EAGAIN until whole). */
int pipe_stream_take_frame(struct pipe_stream *s, struct pipe_msg *m, bool nonblock);

#endif
