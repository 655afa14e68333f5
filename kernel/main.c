/*
 * kernel/main.c: boot order. Each step may use only what the steps before it
 * set up: the console first (so every later failure can be reported), the
 * CPU tables (so faults are caught), the options (so log.quiet holds from
 * the first line), then the clock (so log lines carry times), memory, ACPI
 * and interrupts, then devices, then the app.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/arch_log.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/rtc.h"
#include "drivers/pci/pci.h"
#include "include/skiff.h"
#include "kernel/boot_trace.h"
#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/console_file.h"
#include "kernel/cpu.h"
#include "kernel/fault.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/pipe_stream.h"
#include "kernel/netstat.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "kernel/prof.h"
#include "kernel/selftest.h"
#include "kernel/smp_boot.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "mm/page.h"
#include "sched/sched.h"

extern const char skiff_version[];   /* build/gen/version.c: git describe */
extern const char skiff_app_name[];  /* build/gen/APP/appinfo.c */

static void banner(void)
{
	char when[24];
	rtc_format(time_wall(), when, sizeof(when));
	klog("boot", "skiff %s, app %s, booted by %s%s", skiff_version, skiff_app_name, boot_info.loader,
	     boot_info.efi ? " (UEFI)" : "");
	klog("boot", "cpu: %s, %u online", cpu_model(), cpu_count());
	klog("boot", "memory: %lu MiB usable", (unsigned long)(page_total_bytes() >> 20));
	klog("boot", "command line: %s", cmdline_str());
	klog("boot", "wall clock: %s UTC", when);
}

/* New page-table pages for arch/x86_64/paging.c, from the page allocator. */
static void *vm_table_page(void)
{
	return page_alloc(0);
}

void kmain(uint32_t protocol, uint32_t info);

void kmain(uint32_t protocol, uint32_t info)
{
	time_early_init();
	percpu_init(0, 0);   /* first: spinlocks and this_cpu() need GS */
	console_init();
	arch_log_set_sink(klog_emit);   /* arch/ reports through the kernel log from here on */
	fault_init();                    /* before the IDT: exceptions are reported from the start */
	kprintf("\n");
	bootinfo_parse(protocol, info);
	smp_boot_bsp();
	/*
	 * Options before the clock and memory: log.quiet=1 then silences
	 * their lines too (each byte is two port accesses and, under QEMU, a
	 * write to the chardev). Needs no allocation; a warning about an
	 * option is stamped 0.000000 (no clock yet).
	 */
	cmdline_init(boot_info.cmdline);
	klog_set_quiet(cmdline_get_long("log.quiet", 0) == 1);
	boot_trace_mark("console");
	time_init();
	boot_trace_mark("clock");
	page_init(&boot_info);
	vm_set_table_source(vm_table_page);
	heap_init();
	boot_trace_mark("memory");
	acpi_init(boot_info.rsdp);
	boot_trace_mark("acpi");
	apic_init();
	sched_init_bsp();
	sched_init_cpu();
	boot_trace_mark("apic");
	smp_boot_aps();
	boot_trace_mark("smp");
	prof_init();           /* after the last AP: its NMI reaches every CPU */
	irq_enable();
	console_input_init();
	banner();
	pci_init();
	boot_trace_mark("pci");
	netdev_init();
	boot_trace_mark("network");
	pipe_stream_init();   /* host streams over ivshmem, when cloudit --pipes gave the device */
	console_file_init();   /* descriptors 0, 1, 2 */
	netstat_init();
	selftest_run();
	boot_trace_mark("app start");
	boot_trace_print();

	klog("boot", "starting %s", skiff_app_name);
	kernel_exit(main());
}

void kernel_exit(int status)
{
	if (cmdline_get_long("net.stats", 0) > 0)
		netstat_print();	/* the final figures, for tests and people */
	prof_report(false);
	kprintf("skiff: %s exited with status %d\n", skiff_app_name, status);
	kernel_poweroff(status);
}
