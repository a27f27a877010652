/* main.c — the one Check runner: collects every suite of tests/unit (build/suites.h lists them). */
#include <check.h>
#include <stdlib.h>

#define X(name) Suite *name##_suite(void);
#include "suites.h"
#undef X

int main(void)
{
    SRunner *runner = srunner_create(NULL);
#define X(name) srunner_add_suite(runner, name##_suite());
#include "suites.h"
#undef X
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
