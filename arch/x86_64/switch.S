/*
 * arch/x86_64/switch.S: the context switch. Only the callee-saved registers
 * of the SysV ABI (rbx, rbp, r12-r15) need saving: the switch is a function
 * call, so the caller has already saved the rest. Interrupts are off across
 * it (the scheduler's caller disabled them). See switch.h.
 *
 * void switch_to(uint64_t *save_rsp, uint64_t new_rsp)
 */
	.section .text
	.global switch_to
switch_to:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/*
 * A new context's first "return" lands here (switch_frame_init builds the
 * frame): r12 = entry, r13 = arg. Start a fresh frame-pointer chain and
 * call entry(arg), which must not return.
 */
	.global switch_first
switch_first:
	xorl %ebp, %ebp          /* end of the frame-pointer chain */
	movq %r13, %rdi
	call *%r12
	ud2
