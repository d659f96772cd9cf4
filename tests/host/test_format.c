/* Tests for kernel/format.c: each conversion is checked against a literal
 * expected string, and (where C's printf has the same semantics) also
 * against the host's snprintf, including the return value. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"

/* Formats with ksnprintf into a large buffer and checks text and length. */
#define EXPECT(want, ...) do {                                          \
    char b_[256];                                                       \
    memset(b_, 'Z', sizeof(b_));                                        \
    int n_ = ksnprintf(b_, sizeof(b_), __VA_ARGS__);                    \
    assert_string_equal(b_, want);                                      \
    assert_int_equal(n_, (int)strlen(want));                            \
} while (0)

/* Same, with the host libc as the oracle as well. */
#define SAME(want, ...) do {                                            \
    char h_[256];                                                       \
    int hn_ = snprintf(h_, sizeof(h_), __VA_ARGS__);                    \
    assert_string_equal(h_, want);                                      \
    assert_int_equal(hn_, (int)strlen(want));                           \
    EXPECT(want, __VA_ARGS__);                                          \
} while (0)

static void test_plain_and_percent(void **state)
{
    (void)state;
    SAME("", "%s", "");
    SAME("hello", "hello");
    SAME("100%", "100%%");
    SAME("%%", "%%%%");
}

static void test_char(void **state)
{
    (void)state;
    SAME("x", "%c", 'x');
    SAME("  x", "%3c", 'x');
    SAME("x  |", "%-3c|", 'x');
    /* A NUL character is emitted and counted like any other. */
    char b[8];
    memset(b, 'Z', sizeof(b));
    assert_int_equal(ksnprintf(b, sizeof(b), "a%cb", 0), 3);
    assert_memory_equal(b, "a\0b\0", 4);
}

static void test_string(void **state)
{
    (void)state;
    SAME("abc", "%s", "abc");
    SAME("  abc", "%5s", "abc");
    SAME("abc  |", "%-5s|", "abc");
    SAME("ab", "%.2s", "abc");
    SAME("abc", "%.10s", "abc");
    SAME("", "%.0s", "abc");
    SAME("   ab", "%5.2s", "abcdef");
    SAME("ab   |", "%-5.2s|", "abcdef");
    SAME("   ab", "%*.*s", 5, 2, "abcdef");
    SAME("abc", "%2s", "abc");                  /* width < length */
}

static void test_string_precision_does_not_read_past(void **state)
{
    (void)state;
    /* Not NUL-terminated: precision must bound the read (ASan checks). */
    char *raw = malloc(3);
    assert_non_null(raw);
    memcpy(raw, "xyz", 3);
    EXPECT("xyz", "%.3s", raw);
    EXPECT("xy", "%.2s", raw);
    free(raw);
}

static void test_null_string(void **state)
{
    (void)state;
    const char *volatile null = NULL;  /* hide from -Wformat-overflow */
    EXPECT("(null)", "%s", null);
    EXPECT("  (null)", "%8s", null);
    EXPECT("(nu", "%.3s", null);
}

/* The format string is deliberately unusual: build it at run time so the
 * compiler's printf checking does not reject it. */
static int call_ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void test_signed(void **state)
{
    (void)state;
    SAME("0", "%d", 0);
    SAME("42", "%d", 42);
    SAME("-42", "%i", -42);
    SAME("2147483647", "%d", INT32_MAX);
    SAME("-2147483648", "%d", INT32_MIN);
    SAME("   -7", "%5d", -7);
    SAME("-7   |", "%-5d|", -7);
    SAME("-0007", "%05d", -7);
    SAME("00042", "%05d", 42);
    char fmt[8] = "%-05d|";                     /* '-' overrides '0' */
    char b[16];
    assert_int_equal(call_ksnprintf(b, sizeof(b), fmt, 42), 6);
    assert_string_equal(b, "42   |");
    SAME("  042", "%5.3d", 42);                 /* precision: min digits */
    SAME("-042", "%.3d", -42);
    SAME("", "%.0d", 0);
    SAME("  -42", "%*d", 5, -42);
    SAME("-42  |", "%*d|", -5, -42);            /* negative '*' width: left */
    SAME("-9223372036854775808", "%lld", (long long)INT64_MIN);
    SAME("9223372036854775807", "%lld", (long long)INT64_MAX);
    SAME("-1", "%lld", -1LL);
    SAME("-123456789012", "%ld", -123456789012L);
    SAME("-5", "%zd", (size_t)-5);
}

static void test_unsigned(void **state)
{
    (void)state;
    SAME("0", "%u", 0u);
    SAME("4294967295", "%u", UINT32_MAX);
    SAME("18446744073709551615", "%llu", (unsigned long long)UINT64_MAX);
    SAME("4294967296", "%llu", 4294967296ULL);
    SAME("10000000000000000000", "%llu", 10000000000000000000ULL);
    SAME("12345678901234567890", "%llu", 12345678901234567890ULL);
    SAME("00000000000000000001", "%020llu", 1ULL);
    SAME("123", "%zu", (size_t)123);
    SAME("4294967295", "%lu", 4294967295UL);
}

static void test_hex(void **state)
{
    (void)state;
    SAME("0", "%x", 0u);
    SAME("deadbeef", "%x", 0xdeadbeefu);
    SAME("DEADBEEF", "%X", 0xdeadbeefu);
    SAME("0xff", "%#x", 0xffu);
    SAME("0XFF", "%#X", 0xffu);
    SAME("0", "%#x", 0u);                       /* no prefix for zero */
    SAME("0x0000ff", "%#08x", 0xffu);           /* zeros after the prefix */
    SAME("    0xff", "%#8x", 0xffu);
    SAME("0xff    |", "%-#8x|", 0xffu);
    SAME("000000ff", "%08x", 0xffu);
    SAME("ffffffffffffffff", "%llx", (unsigned long long)UINT64_MAX);
    SAME("8000000000000000", "%llx", 0x8000000000000000ULL);
    SAME("0X123456789ABCDEF0", "%#llX", 0x123456789abcdef0ULL);
    SAME("00ab", "%.4x", 0xabu);
}

static void test_pointer(void **state)
{
    (void)state;
    int x;
    char want[64];
    snprintf(want, sizeof(want), "0x%llx", (unsigned long long)(uintptr_t)&x);
    EXPECT(want, "%p", (void *)&x);
    EXPECT("0x1000", "%p", (void *)(uintptr_t)0x1000);
    EXPECT("0x0", "%p", (void *)NULL);
    EXPECT("  0x1000", "%8p", (void *)(uintptr_t)0x1000);
}

static void test_mixed(void **state)
{
    (void)state;
    SAME("a=1 b=ff c=str d=-3 e=18446744073709551615 f=x",
         "a=%d b=%x c=%s d=%d e=%llu f=%c", 1, 0xff, "str", -3,
         (unsigned long long)UINT64_MAX, 'x');
    /* A 64-bit argument between 32-bit ones keeps the va_list in step. */
    SAME("1 4294967296 2", "%u %llu %u", 1u, 4294967296ULL, 2u);
}

static void test_unknown_conversion_echoed(void **state)
{
    (void)state;
    char b[32];
    char fmt[8];
    strcpy(fmt, "a%qb");
    assert_int_equal(call_ksnprintf(b, sizeof(b), fmt), 4);
    assert_string_equal(b, "a%qb");
    strcpy(fmt, "ab%");                         /* trailing '%' */
    assert_int_equal(call_ksnprintf(b, sizeof(b), fmt), 3);
    assert_string_equal(b, "ab%");
    strcpy(fmt, "x%-5");                        /* ends inside a spec */
    assert_int_equal(call_ksnprintf(b, sizeof(b), fmt), 4);
    assert_string_equal(b, "x%-5");
}

static void test_truncation(void **state)
{
    (void)state;
    char b[8];

    memset(b, 'Z', sizeof(b));
    assert_int_equal(ksnprintf(b, 4, "%s", "abcdef"), 6);
    assert_string_equal(b, "abc");
    assert_int_equal(b[4], 'Z');                /* nothing past size written */

    memset(b, 'Z', sizeof(b));
    assert_int_equal(ksnprintf(b, 1, "%d", 12345), 5);
    assert_int_equal(b[0], '\0');
    assert_int_equal(b[1], 'Z');

    memset(b, 'Z', sizeof(b));
    assert_int_equal(ksnprintf(b, 0, "%s", "abc"), 3);
    assert_int_equal(b[0], 'Z');                /* size 0: untouched */
    assert_int_equal(ksnprintf(NULL, 0, "%llu", (unsigned long long)UINT64_MAX), 20);

    memset(b, 'Z', sizeof(b));                  /* exact fit */
    assert_int_equal(ksnprintf(b, 8, "%s", "1234567"), 7);
    assert_string_equal(b, "1234567");

    memset(b, 'Z', sizeof(b));                  /* one too many */
    assert_int_equal(ksnprintf(b, 8, "%s", "12345678"), 8);
    assert_string_equal(b, "1234567");

    memset(b, 'Z', sizeof(b));                  /* padding is truncated too */
    assert_int_equal(ksnprintf(b, 5, "%10d", 7), 10);
    assert_string_equal(b, "    ");
}

struct sink {
    char text[64];
    int calls;
};

static void sink_out(char c, void *arg)
{
    struct sink *s = arg;
    if (s->calls < (int)sizeof(s->text) - 1)
        s->text[s->calls] = c;
    s->calls++;
}

static int call_kformat(struct sink *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kformat(sink_out, s, fmt, ap);
    va_end(ap);
    return n;
}

static void test_kformat_callback(void **state)
{
    (void)state;
    struct sink s = { { 0 }, 0 };
    int n = call_kformat(&s, "[%5s|%-3d|%#x]", "ab", 7, 0x10u);
    assert_int_equal(n, s.calls);               /* one call per character */
    assert_string_equal(s.text, "[   ab|7  |0x10]");
    assert_int_equal(n, 16);
}

static void test_udiv64(void **state)
{
    (void)state;
    uint32_t r = 12345;
    assert_true(udiv64(0, 7, &r) == 0);
    assert_int_equal(r, 0);
    assert_true(udiv64(100, 7, &r) == 14);
    assert_int_equal(r, 2);
    assert_true(udiv64(UINT64_MAX, 10, &r) == 1844674407370955161ULL);
    assert_int_equal(r, 5);
    assert_true(udiv64(UINT64_MAX, 1, &r) == UINT64_MAX);
    assert_int_equal(r, 0);
    assert_true(udiv64(UINT64_MAX, UINT32_MAX, &r) == 0x100000001ULL);
    assert_int_equal(r, 0);
    assert_true(udiv64(0x100000000ULL, 3, NULL) == 0x55555555ULL);
    assert_true(udiv64(5, 0, &r) == UINT64_MAX);    /* defined, no trap */
    assert_int_equal(r, 0);

    /* Pseudo-random cross-check against the host's 64-bit division. */
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint64_t n = x;
        uint32_t d = (uint32_t)(x >> (i % 33));
        if (i % 3 == 0)
            d &= 0xff;
        if (d == 0)
            d = 1;
        uint64_t q = udiv64(n, d, &r);
        assert_true(q == n / d);
        assert_int_equal(r, n % d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_percent),
        cmocka_unit_test(test_char),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_string_precision_does_not_read_past),
        cmocka_unit_test(test_null_string),
        cmocka_unit_test(test_signed),
        cmocka_unit_test(test_unsigned),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_pointer),
        cmocka_unit_test(test_mixed),
        cmocka_unit_test(test_unknown_conversion_echoed),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_kformat_callback),
        cmocka_unit_test(test_udiv64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
