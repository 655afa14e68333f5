/*
 * kernel/pipe_proto.c: the protocols a new host stream can speak, named
 * by its first frame (pipe/msg.h): read a host file, listen on a host TCP
 * port, connect from the host. They sit on the stream API only
 * (open/read/write/close plus whole frames), as the design review of
 * issue 13 asks: the kernel's stream layer knows nothing of them.
 */
#include <errno.h>
#include <string.h>

#include "kernel/pipe_stream.h"

/* Opens a stream, sends first, reads the answer: the stream or an error (stream closed). */
static int open_with(const struct pipe_msg *first, enum pipe_msg_type want, struct pipe_msg *ans,
		     struct pipe_stream **out)
{
	struct pipe_stream *s;
	int err = pipe_open(&s);
	if (err)
		return err;
	if ((err = pipe_send_msg(s, first)) || (err = pipe_recv_msg(s, ans)))
		goto out_close;
	if (ans->type != want) {
		err = -EPROTO;
		goto out_close;
	}
	*out = s;
	return 0;
out_close:
	pipe_close(s, true);
	return err;
}

int pipe_file_open(const char *path, struct pipe_stream **out, uint64_t *size)
{
	size_t n = strlen(path);
	if (!n || n > PIPE_PATH_MAX)
		return -ENAMETOOLONG;
	struct pipe_msg m = { .type = PIPE_MSG_READ_FILE }, ans;
	m.u.read_file.len = (uint16_t)n;
	memcpy(m.u.read_file.path, path, n);
	int err = open_with(&m, PIPE_MSG_FILE_DATA, &ans, out);
	if (err)
		return err;
	if (ans.u.file_data.status) {
		pipe_close(*out, false);
		*out = NULL;
		return ans.u.file_data.status;
	}
	*size = ans.u.file_data.size;
	return 0;
}

int pipe_tcp_listen(uint32_t addr, uint16_t port, struct pipe_stream **out, uint16_t *host_port)
{
	struct pipe_msg m = { .type = PIPE_MSG_TCP_LISTEN, .u.tcp = { .addr = addr, .port = port } }, ans;
	int err = open_with(&m, PIPE_MSG_LISTEN_RESULT, &ans, out);
	if (err)
		return err;
	if (ans.u.listen_result.status) {
		pipe_close(*out, false);
		*out = NULL;
		return ans.u.listen_result.status;
	}
	if (host_port)
		*host_port = ans.u.listen_result.port;
	return 0;
}

int pipe_tcp_accept(struct pipe_stream *l, struct pipe_stream **out, uint32_t *addr, uint16_t *port, bool nonblock)
{
	struct pipe_msg m;
	int err = pipe_stream_take_frame(l, &m, nonblock);
	if (err)
		return err;
	if (m.type != PIPE_MSG_INCOMING)
		return -EPROTO;
	if (addr)
		*addr = m.u.incoming.addr;
	if (port)
		*port = m.u.incoming.port;
	return pipe_attach(m.u.incoming.slot, out);
}

int pipe_tcp_connect(uint32_t addr, uint16_t port, struct pipe_stream **out)
{
	struct pipe_msg m = { .type = PIPE_MSG_TCP_CONNECT, .u.tcp = { .addr = addr, .port = port } }, ans;
	int err = open_with(&m, PIPE_MSG_CONNECT_RESULT, &ans, out);
	if (err)
		return err;
	if (ans.u.connect_result.status) {
		pipe_close(*out, false);
		*out = NULL;
		return ans.u.connect_result.status;
	}
	return 0;
}
