/*
 * include/sys/types.h: POSIX's basic types with Linux x86-64's sizes.
 */
#ifndef SKIFF_SYS_TYPES_H
#define SKIFF_SYS_TYPES_H

#include <stddef.h>
#include <stdint.h>

typedef long ssize_t;
typedef long off_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef long time_t;
typedef long suseconds_t;
typedef unsigned int useconds_t;

#endif
