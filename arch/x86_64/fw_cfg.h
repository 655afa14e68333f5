/*
 * arch/x86_64/fw_cfg.h: QEMU's firmware configuration device (QEMU
 * docs/specs/fw_cfg.rst): a 16-bit selector at port 0x510, the data by
 * DMA (descriptor address at 0x514/0x518) or, without DMA, byte by byte at
 * 0x511. Used to read files the host adds with
 * "-fw_cfg name=opt/skiff/...,string=...".
 */
#ifndef ARCH_X86_64_FW_CFG_H
#define ARCH_X86_64_FW_CFG_H

#include <stddef.h>

/* Reads file name into buf (NUL-terminated, cut to size-1); returns its full length or -ENOENT/-ENODEV/-EIO. */
long fw_cfg_read_file(const char *name, char *buf, size_t size);

#endif
