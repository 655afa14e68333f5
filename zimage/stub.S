/*
 * zimage/stub.S: the entry of a self-extracting image (build/APP.elf with
 * ZIMAGE=1, the default). The outer ELF (zimage/stub.ld) loads this stub
 * and the compressed kernel just above the kernel's own range, and
 * reserves that range, [1 MiB, __kernel_end), as a segment with no file
 * bytes, so loaders keep their boot information out of it.
 *
 * Entered like the kernel (arch/x86_64/boot.S): by multiboot2 (EAX magic,
 * EBX info; Multiboot2 spec 3.3) or PVH (EBX start_info; the
 * XEN_ELFNOTE_PHYS32_ENTRY note below), 32-bit protected mode, paging off.
 * It decodes the LZ4 block (zimage/unpack.c) to the kernel's link
 * address, checks the Adler-32 the build computed, and jumps to the
 * kernel's entry of the same protocol with EAX and EBX as it got them. A
 * block that does not decode or check writes one line on COM1 and halts.
 *
 * zi_blob (the header of zimage/unpack.h, then the block) and the
 * kernel's load address and entries come from the link (Makefile).
 */
#include "arch/x86_64/boot_headers.h"

	MB2_HEADER
	PVH_NOTE zi_start_pvh

	.text
	.code32
	.global zi_start_mb2
zi_start_mb2:
	movl $zi_kernel_mb2, %ecx
	jmp 1f

	.global zi_start_pvh
zi_start_pvh:
	movl $zi_kernel_pvh, %ecx
1:	cli
	cld
	movl %eax, zi_saved_eax
	movl %ebx, zi_saved_ebx
	movl %ecx, zi_entry
	movl $zi_stack_top, %esp
	call zi_unpack          /* NULL, or the line to print */
	testl %eax, %eax
	jnz zi_die
	movl zi_saved_eax, %eax
	movl zi_saved_ebx, %ebx
	jmp *zi_entry

zi_die:
	/* COM1 needs no setup under QEMU; the line says what failed. */
	movl %eax, %esi
	movw $0x3f8, %dx
2:	lodsb
	testb %al, %al
	jz 3f
	outb %al, %dx
	jmp 2b
3:	cli
	hlt
	jmp 3b

	.section .rodata.blob, "a"
	.balign 4
	.global zi_blob
zi_blob:
	.incbin ZI_BLOB_FILE

	.bss
	.balign 16
	.skip 4096
zi_stack_top:
zi_saved_eax:	.skip 4
zi_saved_ebx:	.skip 4
zi_entry:	.skip 4
