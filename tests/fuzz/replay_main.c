/*
 * tests/fuzz/replay_main.c: a fuzz target's corpus as a cmocka test, for
 * make unit: every file under FUZZ_CORPUS (the seeds and the regression
 * inputs of past findings, tests/fuzz/NAME/) goes through
 * LLVMFuzzerTestOneInput once, built with gcc and the unit tests' ASan and
 * UBSan. A finding aborts the binary, which tools/run-unit.sh reports
 * as a failure; the input's path is printed as it dies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sanitizer/common_interface_defs.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX (1u << 20)

static char current[4096];	/* the input being replayed */

static void say_current(void)
{
	if (current[0])
		fprintf(stderr, "replay: finding on %s\n", current);
}

/* fuzz_fail() and assert() abort; the sanitizers die through the callback. */
static void on_abort(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of the corpus, in name order, through the target. */
static void test_corpus_replays_clean(void **state)
{
	const char *dir = FUZZ_CORPUS;
	static uint8_t buf[REPLAY_MAX];
	static char *names[4096];
	struct dirent *e;
	size_t n = 0, i;
	DIR *d;

	(void)state;
	__sanitizer_set_death_callback(say_current);
	signal(SIGABRT, on_abort);
	d = opendir(dir);
	if (!d)
		fail_msg("cannot open corpus %s (run from the repository root)", dir);
	while ((e = readdir(d)) && n < 4096)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	assert_true(n > 0);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		FILE *f;
		size_t len;

		snprintf(current, sizeof(current), "%s/%s", dir, names[i]);
		f = fopen(current, "rb");
		assert_non_null(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		free(names[i]);
	}
	current[0] = '\0';
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus_replays_clean),
	};

	return cmocka_run_group_tests_name(FUZZ_NAME, tests, NULL, NULL);
}
