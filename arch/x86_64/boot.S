/*
 * arch/x86_64/boot.S: from a 32-bit boot loader to 64-bit C.
 *
 * Two ways in, one way on:
 *  - multiboot2 (GRUB, under SeaBIOS or OVMF): 32-bit protected mode, paging
 *    off, EAX = 0x36d76289, EBX = physical address of the boot information
 *    (Multiboot2 spec 3.3, "I386 machine state").
 *  - PVH (QEMU -kernel reading our XEN_ELFNOTE_PHYS32_ENTRY note): the same
 *    machine state, EBX = physical address of struct hvm_start_info
 *    (Xen's arch-x86/hvm/start_info.h).
 * Both then zero .bss, identity-map the first 4 GiB with 2 MiB pages, enter
 * long mode and call kmain(protocol, info).
 */
#include "arch/x86_64/boot_headers.h"

#define BOOT_PROTO_MB2 1
#define BOOT_PROTO_PVH 2

#define CR0_PE  (1 << 0)
#define CR0_WP  (1 << 16)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define EFER_MSR 0xC0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)

#define PTE_P   (1 << 0)
#define PTE_W   (1 << 1)
#define PTE_PS  (1 << 7)

	MB2_HEADER
	PVH_NOTE _start_pvh

	.section .text.boot, "ax"
	.code32
	.global _start_mb2
_start_mb2:
	cli
	cld
	cmpl $MB2_BOOT_MAGIC, %eax
	jne no_boot_magic
	movl $BOOT_PROTO_MB2, %esi
	jmp common32

	.global _start_pvh
_start_pvh:
	cli
	cld
	movl $BOOT_PROTO_PVH, %esi

common32:
	/* EBX = info pointer, ESI = protocol; both survive the stosb below. */
	movl %ebx, %ebp
	movl $__bss_start, %edi
	movl $__bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb
	movl %esi, boot_protocol
	movl %ebp, boot_info_ptr
	movl $boot_stack_top, %esp

	/* Long mode needs CPUID leaf 0x80000001 EDX bit 29. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebx          /* keep for the NX check */

	/* PML4[0] -> PDPT; PDPT[0..3] -> four page directories of 2 MiB pages. */
	movl $boot_pdpt, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, boot_pml4
	movl $boot_pd, %edi
	movl $boot_pdpt, %edx
	xorl %ecx, %ecx
1:	movl %edi, %eax
	orl $(PTE_P | PTE_W), %eax
	movl %eax, (%edx, %ecx, 8)
	addl $4096, %edi
	incl %ecx
	cmpl $4, %ecx
	jb 1b
	/* 2048 PDEs covering 0..4 GiB. */
	movl $boot_pd, %edi
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P | PTE_W | PTE_PS), %eax
	movl %eax, (%edi, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax           /* high dword: (i << 21) >> 32 */
	movl %eax, 4(%edi, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 2b

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $EFER_MSR, %ecx
	rdmsr
	orl $EFER_LME, %eax
	btl $20, %ebx            /* NX available? */
	jnc 3f
	orl $EFER_NXE, %eax
3:	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_PE | CR0_WP), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $start64

no_boot_magic:
	movl $msg_no_magic, %esi
	jmp die32
no_long_mode:
	movl $msg_no_lm, %esi
die32:
	/* Print the reason on COM1 (no init needed under QEMU) and halt. */
	movw $0x3f8, %dx
4:	lodsb
	testb %al, %al
	jz 5f
	outb %al, %dx
	jmp 4b
5:	hlt
	jmp 5b

	.code64
start64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorq %rbp, %rbp
	movl boot_protocol, %edi
	movl boot_info_ptr, %esi
	call kmain
6:	cli
	hlt
	jmp 6b

	.section .rodata
msg_no_magic:
	.asciz "skiff: not started by a multiboot2 loader\r\n"
msg_no_lm:
	.asciz "skiff: this CPU has no long mode (x86-64)\r\n"

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000 /* 0x08: 64-bit code, ring 0 */
	.quad 0x0000920000000000 /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.global boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
	.global boot_pd
boot_pd:	.skip 4 * 4096
	.balign 16
	.global boot_stack_bottom
boot_stack_bottom:
	.skip 32768
	.global boot_stack_top
boot_stack_top:
	.balign 4
boot_protocol:	.skip 4
boot_info_ptr:	.skip 4
