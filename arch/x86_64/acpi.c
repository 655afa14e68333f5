/* STUB: replaced by the ACPI implementation. */
#include "arch/x86_64/acpi.h"

struct acpi_info acpi_info;

void acpi_init(uint64_t rsdp_hint)
{
	(void)rsdp_hint;
	acpi_info.ncpus = 1;
}

void acpi_poweroff(void)
{
}
