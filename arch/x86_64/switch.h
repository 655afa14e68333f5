/*
 * arch/x86_64/switch.h: switching between kernel stacks (switch.S), and the
 * first frame of a stack that has never run.
 *
 * A context is its saved stack pointer. switch_to() saves the callee-saved
 * registers (SysV ABI) on the current stack, stores its rsp in *save_rsp
 * and resumes the context whose rsp is new_rsp, with interrupts as they
 * are (the caller keeps them off). A context made by switch_frame_init()
 * starts in entry(arg), interrupts still off, on a fresh frame-pointer
 * chain; entry must not return.
 */
#ifndef ARCH_X86_64_SWITCH_H
#define ARCH_X86_64_SWITCH_H

#include <stdint.h>

void switch_to(uint64_t *save_rsp, uint64_t new_rsp);
void switch_first(void);   /* not to be called: where a new frame's first ret lands */

/*
 * The rsp of a new context on the stack whose top is stack_top (16-byte
 * aligned): the frame switch_to pops (r15 r14 r13 r12 rbx rbp, then the
 * return address), with r12 = entry and r13 = arg.
 */
static inline uint64_t switch_frame_init(void *stack_top, void (*entry)(void *arg), void *arg)
{
	/* After the final ret, rsp is stack_top: 16-byte aligned, so entry sees the ABI's alignment. */
	uint64_t *sp = (uint64_t *)stack_top;
	*--sp = (uint64_t)(uintptr_t)switch_first;
	*--sp = 0;                                   /* rbp */
	*--sp = 0;                                   /* rbx */
	*--sp = (uint64_t)(uintptr_t)entry;          /* r12 */
	*--sp = (uint64_t)(uintptr_t)arg;            /* r13 */
	*--sp = 0;                                   /* r14 */
	*--sp = 0;                                   /* r15 */
	return (uint64_t)(uintptr_t)sp;
}

#endif
