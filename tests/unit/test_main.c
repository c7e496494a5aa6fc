/*
 * Unit test runner: registers every suite and runs them verbosely.  The
 * exit status is non-zero when any assertion failed, so make stops.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tests.h"

int
unit_add_suite(const char *name, const struct unit_test *t, size_t n)
{
	CU_pSuite s;

	if ((s = CU_add_suite(name, NULL, NULL)) == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (CU_add_test(s, t[i].name, t[i].fn) == NULL)
			return -1;
	return 0;
}

int
main(void)
{
	static int (*const adders[])(void) = {
		test_url_add,
		test_handshake_add,
		test_utf8_add,
		test_buf_add,
		test_lineio_add,
		test_session_add,
		test_upgrade_add,
		test_opt_add,
		test_policy_add,
		test_command_add,
		test_outq_add,
		test_record_add,
		test_child_add,
		test_cgi_add,
		test_pmd_add,
		test_deflate_add,
		test_proxy_add,
	};
	unsigned int failures;

	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "unit: %s\n", CU_get_error_msg());
		return EXIT_FAILURE;
	}
	for (size_t i = 0; i < sizeof(adders) / sizeof(adders[0]); i++)
		if (adders[i]() == -1) {
			fprintf(stderr, "unit: %s\n", CU_get_error_msg());
			CU_cleanup_registry();
			return EXIT_FAILURE;
		}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	if (CU_basic_run_tests() != CUE_SUCCESS) {
		fprintf(stderr, "unit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return EXIT_FAILURE;
	}
	/* Read before cleanup: CU_cleanup_registry() clears the results. */
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
