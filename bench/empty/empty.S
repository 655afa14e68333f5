/*
 * bench/empty/empty.S: the empty kernel, the floor for "boot to first HTTP
 * response" (bench/http.sh). QEMU's -kernel loads it by its PVH entry note
 * (Xen's XEN_ELFNOTE_PHYS32_ENTRY, type 18: QEMU enters it in 32-bit
 * protected mode, paging off) and its first instruction asks QEMU's
 * isa-debug-exit device (iobase 0xf4, which cloudit always adds) to end
 * the run: QEMU exits at once with status (0 << 1) | 1. What remains of
 * its start-to-exit time is QEMU's own start-up, the firmware (SeaBIOS and
 * the PVH loader option ROM) and QEMU's exit: what any direct-booted
 * kernel pays before its first instruction.
 *
 * Built by bench/http.sh: gcc -m32 -c, ld -m elf_i386 -Ttext=0x100000.
 */
	.section .note.Xen, "a", @note
	.align 4
	.long 4                 /* name size: "Xen\0" */
	.long 4                 /* descriptor size */
	.long 18                /* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.long _start            /* the 32-bit physical entry point */

	.text
	.code32
	.globl _start
_start:
	movw $0xf4, %dx
	xorl %eax, %eax
	outb %al, %dx           /* isa-debug-exit: QEMU exits here */
1:	hlt                     /* not reached; a QEMU without the device just waits for its timeout */
	jmp 1b
