/* Tests for kernel/timeout.c: X.2 period decoding and encoding, relative
 * deadlines (incl. near 2^64) and time points, checked against a
 * brute-force reference. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "timeout.h"
#include "l4/abi.h"

/* The latest deadline that is neither DEADLINE_NOW nor DEADLINE_NEVER: a
 * deadline beyond the 64-bit clock saturates here instead of wrapping. */
#define LATEST (UINT64_MAX - 1)

#define PERIOD(m, e) L4ABI_TIME_PERIOD(m, e)
#define POINT(e, c, m) \
    ((uint16_t)(L4ABI_TIME_POINT | ((unsigned)(e) << L4ABI_TIME_POINT_E_SHIFT) | \
                ((c) ? L4ABI_TIME_POINT_C : 0) | ((unsigned)(m) & L4ABI_TIME_M_MASK)))

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* A random clock value: full range, small, or just around a multiple of a
 * random power of two (window edges). */
static uint64_t rnd_now(void)
{
    uint64_t r = rnd();
    switch (r & 3) {
    case 0:
        return rnd() >> 1;                      /* anywhere below 2^63 */
    case 1:
        return rnd() >> (1 + (r >> 2) % 63);    /* any magnitude */
    case 2: {
        unsigned s = (unsigned)(r >> 2) % 40;
        uint64_t base = (rnd() >> (s + 2)) << s;
        uint64_t edge = (r >> 8) % 9;           /* base - 4 .. base + 4 */
        return base >= 4 ? base + edge - 4 : base + edge;
    }
    default:
        return (r >> 2) % 5000;
    }
}

static unsigned period_e(uint16_t t) { return (t & L4ABI_TIME_PERIOD_E_MASK) >> L4ABI_TIME_PERIOD_E_SHIFT; }
static unsigned period_m(uint16_t t) { return t & L4ABI_TIME_M_MASK; }

/* ---- periods --------------------------------------------------------- */

static void test_period_decode_examples(void **state)
{
    (void)state;
    assert_int_equal(time_period_us(L4ABI_TIME_NEVER), 0);
    assert_int_equal(time_period_us(L4ABI_TIME_ZERO), 0);
    assert_int_equal(time_period_us(PERIOD(1, 0)), 1);
    assert_int_equal(time_period_us(PERIOD(1023, 0)), 1023);
    assert_int_equal(time_period_us(PERIOD(1, 1)), 2);
    assert_int_equal(time_period_us(PERIOD(1000, 10)), 1024000);
    assert_int_equal(time_period_us(PERIOD(3, 20)), 3u << 20);
    assert_true(time_period_us(PERIOD(1, 31)) == 1ull << 31);
    assert_true(time_period_us(PERIOD(1023, 31)) == 1023ull << 31);
    assert_true(time_period_us(0x7fff) == 1023ull << 31);
    /* time points are not periods */
    assert_int_equal(time_period_us(POINT(0, 0, 5)), 0);
    assert_int_equal(time_period_us(POINT(15, 1, 1023)), 0);
}

/* Every one of the 2^15 period encodings. */
static void test_period_decode_all(void **state)
{
    (void)state;
    for (uint32_t t = 0; t < 0x8000; t++) {
        uint64_t m = t & 0x3ff, e = t >> 10;
        uint64_t want = m * (1ull << e);
        assert_true(time_period_us((uint16_t)t) == want);
    }
}

static void test_never_and_zero(void **state)
{
    (void)state;
    const uint64_t nows[] = { 0, 1, 1000, 1ull << 32, 1ull << 63,
                              UINT64_MAX - 1, UINT64_MAX };
    for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
        uint64_t now = nows[i];
        assert_true(timeout_deadline(L4ABI_TIME_NEVER, now) == DEADLINE_NEVER);
        assert_true(timeout_deadline(L4ABI_TIME_ZERO, now) == DEADLINE_NOW);
        for (unsigned e = 1; e < 32; e++)      /* m = 0, any e but 0 */
            assert_true(timeout_deadline(PERIOD(0, e), now) == DEADLINE_NOW);
    }
    assert_int_equal(L4ABI_TIME_ZERO, PERIOD(0, 1));
}

/* Reference for relative deadlines: now + period, saturating at LATEST. */
static uint64_t ref_relative(uint64_t now, uint64_t us)
{
    if (now >= LATEST || us > LATEST - now)
        return LATEST;
    return now + us;
}

static void test_relative_deadline(void **state)
{
    (void)state;
    assert_true(timeout_deadline(PERIOD(1, 0), 0) == 1);
    assert_true(timeout_deadline(PERIOD(1000, 10), 5000) == 5000 + 1024000);
    assert_true(timeout_deadline(PERIOD(1023, 31), 1ull << 40) ==
                (1ull << 40) + (1023ull << 31));

    const uint64_t nows[] = { 0, 1, 999, 1ull << 32, (1ull << 62) + 3 };
    for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++)
        for (uint32_t t = 1; t < 0x8000; t++) {
            if (period_m((uint16_t)t) == 0)
                continue;
            uint64_t us = (uint64_t)period_m((uint16_t)t) << period_e((uint16_t)t);
            assert_true(timeout_deadline((uint16_t)t, nows[i]) == nows[i] + us);
        }
    for (int i = 0; i < 100000; i++) {
        uint16_t t = (uint16_t)(rnd() & 0x7fff);
        if (period_m(t) == 0)
            continue;
        uint64_t now = rnd_now();
        uint64_t dl = timeout_deadline(t, now);
        assert_true(dl == now + time_period_us(t));
        assert_true(dl > now);
    }
}

/* now + period at and beyond 2^64: never wraps, never turns into
 * DEADLINE_NOW (UINT64_MAX) or DEADLINE_NEVER (0). */
static void test_relative_near_limit(void **state)
{
    (void)state;
    /* the largest deadline that fits exactly */
    assert_true(timeout_deadline(PERIOD(1, 0), LATEST - 1) == LATEST);
    assert_true(timeout_deadline(PERIOD(1023, 31), LATEST - (1023ull << 31)) == LATEST);
    /* would be exactly UINT64_MAX = DEADLINE_NOW */
    assert_true(timeout_deadline(PERIOD(1, 0), UINT64_MAX - 1) == LATEST);
    /* would wrap to exactly 0 = DEADLINE_NEVER */
    assert_true(timeout_deadline(PERIOD(1, 0), UINT64_MAX) == LATEST);
    assert_true(timeout_deadline(PERIOD(512, 1), UINT64_MAX - 1023) == LATEST);
    /* would wrap to a small value, i.e. expire at once */
    assert_true(timeout_deadline(PERIOD(1023, 31), UINT64_MAX - 5) == LATEST);

    for (uint32_t t = 1; t < 0x8000; t++) {
        if (period_m((uint16_t)t) == 0)
            continue;
        uint64_t us = time_period_us((uint16_t)t);
        const uint64_t nows[] = { LATEST - us - 1, LATEST - us, LATEST - us + 1,
                                  UINT64_MAX - us, UINT64_MAX - us + 1,
                                  UINT64_MAX - 1, UINT64_MAX,
                                  UINT64_MAX - (rnd() % (2 * us)) };
        for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
            uint64_t now = nows[i];
            uint64_t dl = timeout_deadline((uint16_t)t, now);
            assert_true(dl == ref_relative(now, us));
            assert_true(dl != DEADLINE_NOW && dl != DEADLINE_NEVER);
            assert_true(dl >= now || now == UINT64_MAX);
        }
    }
}

static void test_encode_examples(void **state)
{
    (void)state;
    assert_int_equal(time_encode_period(0), L4ABI_TIME_NEVER);
    assert_int_equal(time_encode_period(1), PERIOD(1, 0));
    assert_int_equal(time_encode_period(1023), PERIOD(1023, 0));
    assert_int_equal(time_encode_period(1024), PERIOD(512, 1));
    assert_int_equal(time_encode_period(1025), PERIOD(512, 1));
    assert_int_equal(time_encode_period(2047), PERIOD(1023, 1));
    assert_int_equal(time_encode_period(2048), PERIOD(512, 2));
    assert_int_equal(time_encode_period(1000000), PERIOD(976, 10));
    assert_int_equal(time_encode_period(1023ull << 31), PERIOD(1023, 31));
    assert_int_equal(time_encode_period((1023ull << 31) + (1ull << 30)), PERIOD(1023, 31));
    /* saturation */
    assert_int_equal(time_encode_period(1024ull << 31), PERIOD(1023, 31));
    assert_int_equal(time_encode_period(1ull << 50), PERIOD(1023, 31));
    assert_int_equal(time_encode_period(UINT64_MAX), PERIOD(1023, 31));
}

/* Checks the encoding of one value against the contract. */
static void check_encode(uint64_t x)
{
    uint16_t t = time_encode_period(x);
    if (x == 0) {
        assert_int_equal(t, L4ABI_TIME_NEVER);
        return;
    }
    unsigned e = period_e(t), m = period_m(t);
    assert_int_equal(t & L4ABI_TIME_POINT, 0);          /* a period */
    assert_true(m != 0);                                /* not zero/never */
    uint64_t d = time_period_us(t);
    assert_true(d <= x);                                /* rounded down */
    if (x >= 1024ull << 31) {                           /* saturated */
        assert_int_equal(t, PERIOD(1023, 31));
        return;
    }
    assert_true(x - d < (1ull << e));                   /* within precision */
    /* the finest exponent that fits: m is normalised */
    if (e > 0) {
        assert_true(m >= 512);
        assert_true((x >> (e - 1)) > 1023);
    }
    assert_true(m == x >> e);
}

static void test_encode_roundtrip(void **state)
{
    (void)state;
    for (uint64_t x = 0; x < 70000; x++)
        check_encode(x);
    for (unsigned e = 0; e < 64; e++) {
        uint64_t p = 1ull << e;
        const uint64_t xs[] = { p - 1, p, p + 1, 1023 * p, 1023 * p - 1,
                                1023 * p + 1, 1024 * p - 1, 1024 * p, 1024 * p + 1 };
        for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++)
            check_encode(xs[i]);
    }
    for (int i = 0; i < 200000; i++)
        check_encode(rnd() >> (rnd() % 64));
    check_encode(UINT64_MAX);

    /* every representable period value is reproduced exactly */
    for (uint32_t t = 1; t < 0x8000; t++) {
        uint64_t us = time_period_us((uint16_t)t);
        if (us == 0)
            continue;
        assert_true(time_period_us(time_encode_period(us)) == us);
    }

    /* monotonic */
    for (int i = 0; i < 100000; i++) {
        uint64_t a = rnd() >> (rnd() % 64), b = rnd() >> (rnd() % 64);
        if (a > b) { uint64_t s = a; a = b; b = s; }
        assert_true(time_period_us(time_encode_period(a)) <=
                    time_period_us(time_encode_period(b)));
    }
}

/* ---- time points ----------------------------------------------------- */

/* Brute force: scan every multiple of 2^e after now (a point's low e bits
 * are 0) for the first whose low e+11 bits are c:m<<e; saturate at LATEST
 * if that is not below UINT64_MAX. */
static uint64_t ref_point(uint64_t now, unsigned e, unsigned c, unsigned m)
{
    uint64_t unit = 1ull << e;
    uint64_t mask = (1ull << (e + 11)) - 1;
    uint64_t want = ((uint64_t)c << (e + 10)) | ((uint64_t)m << e);
    if (now / unit == UINT64_MAX / unit)                /* no multiple left */
        return LATEST;
    uint64_t x = (now / unit + 1) * unit;
    for (unsigned i = 0; i <= 2048; i++) {
        if ((x & mask) == want)
            return x < LATEST ? x : LATEST;
        if (x > UINT64_MAX - unit)
            return LATEST;
        x += unit;
    }
    fail_msg("reference found no match");
    return 0;
}

static void check_point(uint64_t now, unsigned e, unsigned c, unsigned m)
{
    uint64_t dl = timeout_deadline(POINT(e, c, m), now);
    uint64_t want = ref_point(now, e, c, m);
    if (dl != want)
        fail_msg("point e=%u c=%u m=%u now=%#llx: got %#llx, want %#llx",
                 e, c, m, (unsigned long long)now, (unsigned long long)dl,
                 (unsigned long long)want);
    assert_true(dl != DEADLINE_NOW && dl != DEADLINE_NEVER);
    if (want == LATEST && now >= LATEST - (1ull << (e + 11)))
        return;                                         /* saturated */
    uint64_t window = 1ull << (e + 11), half = window >> 1;
    assert_true(dl > now);
    assert_true(dl - now <= window);
    assert_true((dl & (half - 1)) == (uint64_t)m << e);
    assert_true(((dl >> (e + 10)) & 1) == c);
}

static void test_point_examples(void **state)
{
    (void)state;
    assert_true(timeout_deadline(POINT(0, 0, 5), 0) == 5);
    assert_true(timeout_deadline(POINT(0, 0, 5), 4) == 5);
    assert_true(timeout_deadline(POINT(0, 0, 5), 5) == 2048 + 5);  /* > now */
    assert_true(timeout_deadline(POINT(0, 0, 5), 6) == 2048 + 5);
    assert_true(timeout_deadline(POINT(0, 1, 0), 0) == 1024);
    assert_true(timeout_deadline(POINT(0, 1, 0), 1024) == 2048 + 1024);
    assert_true(timeout_deadline(POINT(0, 0, 0), 0) == 2048);
    assert_true(timeout_deadline(POINT(0, 0, 0), 2047) == 2048);
    assert_true(timeout_deadline(POINT(0, 1, 1023), 0) == 2047);
    assert_true(timeout_deadline(POINT(2, 0, 3), 100) == 8192 + 12);
    assert_true(timeout_deadline(POINT(2, 1, 3), 100) == 4096 + 12);
    assert_true(timeout_deadline(POINT(15, 1, 1023), 0) ==
                (1ull << 25) + (1023ull << 15));
    assert_true(timeout_deadline(POINT(15, 0, 0), (1ull << 40) + 1) ==
                (1ull << 40) + (1ull << 26));
}

/* Every point encoding, for a few clock values. */
static void test_point_all_encodings(void **state)
{
    (void)state;
    const uint64_t nows[] = { 0, 0x123456789abcull, (1ull << 63) - 1 };
    for (uint32_t t = 0x8000; t <= 0xffff; t++) {
        unsigned e = (t & L4ABI_TIME_POINT_E_MASK) >> L4ABI_TIME_POINT_E_SHIFT;
        unsigned c = (t & L4ABI_TIME_POINT_C) ? 1 : 0;
        unsigned m = t & L4ABI_TIME_M_MASK;
        assert_int_equal(POINT(e, c, m), t);
        for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++)
            check_point(nows[i], e, c, m);
    }
}

static void test_point_random(void **state)
{
    (void)state;
    for (int i = 0; i < 200000; i++) {
        uint64_t r = rnd();
        unsigned e = r % 16, c = (r >> 4) & 1, m = (r >> 5) & 0x3ff;
        if ((r >> 20) % 8 == 0)                 /* the extremes of m */
            m = (r >> 23) & 1 ? 1023 : 0;
        uint64_t now = rnd_now();
        if ((r >> 24) % 4 == 0) {               /* on the point itself */
            uint64_t window = 1ull << (e + 11);
            now = (now & ~(window - 1)) + ((uint64_t)c << (e + 10)) +
                  ((uint64_t)m << e);
            uint64_t d = (r >> 26) % 3;         /* point - 1 .. point + 1 */
            now = now + d >= 1 ? now + d - 1 : now;
        }
        check_point(now, e, c, m);
    }
}

/* Clock values in the last windows before 2^64. */
static void test_point_near_limit(void **state)
{
    (void)state;
    assert_true(timeout_deadline(POINT(0, 0, 0), UINT64_MAX) == LATEST);
    assert_true(timeout_deadline(POINT(0, 1, 1023), UINT64_MAX - 10) == LATEST);
    assert_true(timeout_deadline(POINT(0, 1, 1022), UINT64_MAX - 10) == UINT64_MAX - 1);
    assert_true(timeout_deadline(POINT(0, 1, 1021), UINT64_MAX - 10) == UINT64_MAX - 2);
    assert_true(timeout_deadline(POINT(15, 0, 0), UINT64_MAX - 5) == LATEST);
    for (int i = 0; i < 100000; i++) {
        uint64_t r = rnd();
        unsigned e = r % 16, c = (r >> 4) & 1, m = (r >> 5) & 0x3ff;
        uint64_t now = UINT64_MAX - (rnd() % (3ull << (e + 11)));
        check_point(now, e, c, m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_decode_examples),
        cmocka_unit_test(test_period_decode_all),
        cmocka_unit_test(test_never_and_zero),
        cmocka_unit_test(test_relative_deadline),
        cmocka_unit_test(test_relative_near_limit),
        cmocka_unit_test(test_encode_examples),
        cmocka_unit_test(test_encode_roundtrip),
        cmocka_unit_test(test_point_examples),
        cmocka_unit_test(test_point_all_encodings),
        cmocka_unit_test(test_point_random),
        cmocka_unit_test(test_point_near_limit),
    };
    return cmocka_run_group_tests_name("timeout", tests, NULL, NULL);
}
