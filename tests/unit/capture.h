/* capture.h — the unit tests' stderr capture: what a function printed, as text. */
#ifndef NNCC_TEST_CAPTURE_H
#define NNCC_TEST_CAPTURE_H

void capture_begin(void);      /* stderr goes to a temporary file from here ... */
const char *capture_end(void); /* ... to here; returns what was written (first 8 KiB) */

#endif
