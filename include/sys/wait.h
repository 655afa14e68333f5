/*
 * include/sys/wait.h: there are no child processes in a unikernel, so
 * there is nothing to wait for; the header exists so that code that
 * includes it (libioth's examples) compiles, and names the flags and status
 * macros with Linux's values for code that only mentions them.
 */
#ifndef SKIFF_SYS_WAIT_H
#define SKIFF_SYS_WAIT_H

#include <sys/types.h>

#define WNOHANG		1
#define WUNTRACED	2

#define WEXITSTATUS(s)	(((s) & 0xff00) >> 8)
#define WTERMSIG(s)	((s) & 0x7f)
#define WIFEXITED(s)	(WTERMSIG(s) == 0)
#define WIFSIGNALED(s)	(((signed char)(((s) & 0x7f) + 1) >> 1) > 0)

#endif
