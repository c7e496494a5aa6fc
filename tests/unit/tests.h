/*
 * Unit test suites.  Each test_*.c file exports one function that adds its
 * suite to the CUnit registry; test_main.c calls them all and runs.
 */
#ifndef TESTS_H
#define TESTS_H

#include <stddef.h>

#include <CUnit/CUnit.h>

struct unit_test {
	const char *name;
	CU_TestFunc fn;
};

/* Adds suite name with the n tests in t.  0, or -1 on a CUnit error. */
int unit_add_suite(const char *name, const struct unit_test *t, size_t n);

#define UNIT_NTESTS(t) (sizeof(t) / sizeof((t)[0]))

/* Suite registration: 0, or -1 on a CUnit error. */
int test_url_add(void);
int test_handshake_add(void);
int test_utf8_add(void);
int test_buf_add(void);
int test_lineio_add(void);
int test_opt_add(void);
int test_session_add(void);
int test_upgrade_add(void);
int test_policy_add(void);
int test_command_add(void);
int test_outq_add(void);
int test_record_add(void);
int test_child_add(void);
int test_cgi_add(void);
int test_pmd_add(void);
int test_deflate_add(void);
int test_proxy_add(void);

#endif
