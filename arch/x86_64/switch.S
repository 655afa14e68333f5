/*
 * arch/x86_64/switch.S: the context switch. Only the callee-saved registers
 * of the SysV ABI (rbx, rbp, r12-r15) need saving: the switch is a function
 * call, so the caller has already saved the rest. Interrupts are off across
 * it (the scheduler's caller disabled them).
 *
 * void sched_switch(uint64_t *save_rsp, uint64_t new_rsp)
 */
	.section .text
	.global sched_switch
sched_switch:
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
 * A new thread's first "return" lands here (thread.c builds the frame):
 * r12 = fn, r13 = arg. Finish the switch that brought us here, enable
 * interrupts, run fn(arg), and exit with its return value.
 */
	.global thread_start
thread_start:
	xorl %ebp, %ebp          /* end of the frame-pointer chain */
	call sched_finish_switch
	sti
	movq %r13, %rdi
	call *%r12
	movl %eax, %edi
	call thread_exit
	ud2
