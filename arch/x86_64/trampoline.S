/*
 * arch/x86_64/trampoline.S: where an application processor starts (Intel
 * SDM vol. 3A 8.4.4.1, 9.9.1). A STARTUP IPI with vector 0x08 starts it in
 * real mode at 0x0800:0000, i.e. 0x8000, where smp.c copied this page. It
 * goes to protected mode, turns on PAE, long mode and paging with the boot
 * CPU's page tables, and calls the 64-bit entry with the stack and argument
 * smp.c left in the parameter block at the end.
 *
 * The code is assembled for SMP_TRAMP_BASE: every absolute address is
 * written as SMP_TRAMP_BASE + (label - smp_trampoline_start).
 */
#include "arch/x86_64/smp.h"

#define REL(x) (SMP_TRAMP_BASE + (x) - smp_trampoline_start)

	.section .rodata
	.balign 16
	.global smp_trampoline_start, smp_trampoline_end
	.global smp_tramp_cr3, smp_tramp_stack, smp_tramp_entry, smp_tramp_arg, smp_tramp_efer
	.code16
smp_trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl (tgdt_ptr - smp_trampoline_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $0x08, $REL(tramp32)

	.code32
tramp32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl $(1 << 5), %eax          /* PAE */
	movl %eax, %cr4
	movl REL(smp_tramp_cr3), %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx       /* EFER */
	rdmsr
	orl REL(smp_tramp_efer), %eax  /* LME, and NXE when the BSP uses it */
	wrmsr
	movl %cr0, %eax
	orl $0x80010000, %eax        /* PG | WP */
	movl %eax, %cr0
	ljmpl $0x18, $REL(tramp64)

	.code64
tramp64:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq REL(smp_tramp_stack), %rsp
	movl REL(smp_tramp_arg), %edi
	movq REL(smp_tramp_entry), %rax
	xorl %ebp, %ebp
	call *%rax
1:	cli
	hlt
	jmp 1b

	.balign 8
tgdt:
	.quad 0
	.quad 0x00cf9a000000ffff     /* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff     /* 0x10: data, flat */
	.quad 0x00209a0000000000     /* 0x18: 64-bit code */
tgdt_ptr:
	.short tgdt_ptr - tgdt - 1
	.long REL(tgdt)

	.balign 8
smp_tramp_cr3:	.quad 0
smp_tramp_stack:	.quad 0
smp_tramp_entry:	.quad 0
smp_tramp_arg:	.long 0
smp_tramp_efer:	.long 0
smp_trampoline_end:
