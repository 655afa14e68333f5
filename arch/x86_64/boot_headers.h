/*
 * arch/x86_64/boot_headers.h (assembler only): what makes an ELF bootable
 * by both of skiff's loaders, shared by the kernel (arch/x86_64/boot.S)
 * and the self-extracting image's stub (zimage/stub.S), each with its own
 * entry.
 *  - MB2_HEADER: a multiboot2 header with only the end tag (Multiboot2
 *    spec 3.1.1: 8-byte aligned, in the file's first 32 KiB; the loader
 *    then enters at the ELF entry);
 *  - PVH_NOTE ENTRY: the ELF note XEN_ELFNOTE_PHYS32_ENTRY (type 18, name
 *    "Xen") with the 32-bit entry QEMU's -kernel and qboot use.
 */
#ifndef ARCH_X86_64_BOOT_HEADERS_H
#define ARCH_X86_64_BOOT_HEADERS_H

#define MB2_MAGIC      0xe85250d6
#define MB2_ARCH_I386  0
#define MB2_BOOT_MAGIC 0x36d76289

.macro MB2_HEADER
	.section .multiboot2, "a"
	.balign 8
1:	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long 2f - 1b
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (2f - 1b))
	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
2:
	.previous
.endm

.macro PVH_NOTE entry
	.section .note.Xen, "a", @note
	.balign 4
	.long 4          /* namesz */
	.long 4          /* descsz */
	.long 18         /* type */
	.asciz "Xen"
	.long \entry
	.previous
.endm

#endif
