/*
 * apps/hello: the smallest skiff app. It proves the image boots, the
 * console works and the kernel knows its machine, then exits 0.
 */
#include <skiff.h>

int main(void)
{
	printf("Hello from skiff: %u CPU%s, %lu MiB of memory\n", skiff_cpu_count(),
	       skiff_cpu_count() == 1 ? "" : "s", (unsigned long)(skiff_mem_total() >> 20));
	return 0;
}
