/*
 * arch/x86_64/isr.S: one entry stub per IDT vector. Each pushes the vector
 * number and joins isr_common, which saves the general registers into a
 * struct trap_frame and calls trap_dispatch(frame); where the CPU pushes
 * no error code (Intel SDM vol. 3A 6.13: only vectors 8, 10-14, 17, 21,
 * 29, 30 have one) it goes through isr_noerr first, which puts a zero
 * there, so every frame has the same layout.
 *
 * A stub is "pushq $imm8; jmp rel32", 7 bytes, ISR_STUB_SIZE apart from
 * isr_stubs (the .org fails the build if one grows past that), so the IDT
 * is filled from isr_stubs + vector * ISR_STUB_SIZE: 2 KiB of stubs and no
 * table of 256 addresses (the image's file size has a budget). pushq
 * $imm8 sign-extends vectors 128-255; isr_common keeps the low byte.
 */
	.set ISR_STUB_SIZE, 8
	.global isr_stub_size          /* an absolute symbol: cpu.c reads the stride from it */
	.set isr_stub_size, ISR_STUB_SIZE

	.section .text
	.altmacro

.macro ISR_STUB n
isr_stub_\n:
	.byte 0x6a, \n                 /* pushq $imm8 */
	.if (\n == 8) || ((\n >= 10) && (\n <= 14)) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	jmp isr_common
	.else
	jmp isr_noerr
	.endif
	.org isr_stubs + ISR_STUB_SIZE * (\n + 1), 0xcc
.endm

	.balign ISR_STUB_SIZE
	.global isr_stubs
isr_stubs:
.set i, 0
.rept 256
	ISR_STUB %i
	.set i, i + 1
.endr

/* No error code from the CPU: the vector moves one slot down and a zero takes its place. */
isr_noerr:
	pushq (%rsp)          /* the address is taken before %rsp moves: a copy of the vector */
	movq $0, 8(%rsp)
isr_common:
	andq $0xff, (%rsp)    /* the vector, without pushq $imm8's sign extension */
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	/* Align the stack for the C ABI; the frame pointer chain stays intact. */
	movq %rsp, %rbx
	andq $-16, %rsp
	call trap_dispatch
	movq %rbx, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp        /* vector and error code */
	iretq
