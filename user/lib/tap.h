/* TAP (Test Anything Protocol) output for in-guest tests, printed on the
 * kernel debugger console:
 *     1..N              plan (tap_plan, or from tap_done if none was given)
 *     ok N - name       passing test
 *     not ok N - name   failing test
 *     # ...             diagnostics
 */
#ifndef LIBL4_TAP_H
#define LIBL4_TAP_H

void tap_plan(int n);

/* Records one test; returns cond so callers can react to failures. */
int ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Word comparison; on failure prints what was got and expected. */
int is(unsigned long got, unsigned long expected, const char *name);

/* Prints a "# ..." line. */
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints a summary; returns the number of failed tests plus the number of
 * planned tests that never ran (0 means all good). */
int tap_done(void);

#endif
