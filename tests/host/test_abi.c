/* Tests for include/l4/abi.h: the X.2 ia32 encodings both kernel and user
 * code parse — message tags, thread IDs, fpages, I/O fpages, typed items,
 * IPC error words, timeouts words and KIP info words — against values
 * worked out by hand from the X.2 reference layouts. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "l4/abi.h"

static void test_tag(void **state)
{
    (void)state;
    uint32_t tag = L4ABI_TAG(0xffe6, 2, 0);
    assert_int_equal(tag, 0xffe60002u);
    assert_int_equal(L4ABI_TAG_LABEL(tag), 0xffe6);
    assert_int_equal(L4ABI_TAG_U(tag), 2);
    assert_int_equal(L4ABI_TAG_T(tag), 0);
    tag = L4ABI_TAG(0x1234, 63, 63);
    assert_int_equal(tag, 0x12340fffu);
    assert_int_equal(L4ABI_TAG_U(tag), 63);
    assert_int_equal(L4ABI_TAG_T(tag), 63);
    /* u and t never spill into each other or into the flags */
    assert_int_equal(L4ABI_TAG(0, 64, 0), 0);
    assert_int_equal(L4ABI_TAG(0, 0, 64) & L4ABI_TAG_FLAGS_MASK, 0);
    /* flags: p r x e from bit 12 upward */
    assert_int_equal(L4ABI_TAG_PROPAGATED, 0x1000);
    assert_int_equal(L4ABI_TAG_ERROR, 0x8000);
    assert_int_equal(L4ABI_TAG_U(0xffff8000u | 5), 5);
}

static void test_thread_ids(void)
{
    uint32_t t = L4ABI_TID(50, 1);
    assert_int_equal(t, (50u << 14) | 1);
    assert_int_equal(L4ABI_TID_THREADNO(t), 50);
    assert_int_equal(L4ABI_TID_VERSION(t), 1);
    assert_false(L4ABI_TID_IS_LOCAL(t));
    /* versions whose low 6 bits are zero would look local */
    assert_true(L4ABI_TID_IS_LOCAL(L4ABI_TID(50, 64)));
    assert_true(L4ABI_TID_IS_LOCAL(0xbfe00100u));
    assert_int_equal(L4ABI_TID_THREADNO(0xffffffffu), (1u << 18) - 1);
    assert_int_equal(L4ABI_ANYLOCALTHREAD, 0xffffffc0u);
    assert_true(L4ABI_TID_IS_LOCAL(L4ABI_ANYLOCALTHREAD));
    assert_false(L4ABI_TID_IS_LOCAL(L4ABI_ANYTHREAD));
    assert_int_equal(L4ABI_UTCB_LOCALID(0xbfe00000u), 0xbfe00100u);
}

static void test_ids(void **state)
{
    (void)state;
    test_thread_ids();
}

static void test_fpages(void **state)
{
    (void)state;
    uint32_t f = L4ABI_FPAGE(0x00400000, 22, L4ABI_FPAGE_RWX);
    assert_int_equal(f, 0x00400000u | (22u << 4) | 7);
    assert_int_equal(L4ABI_FPAGE_LOG2(f), 22);
    assert_int_equal(L4ABI_FPAGE_RIGHTS(f), 7);
    assert_int_equal(L4ABI_FPAGE(0x12345678, 12, 4) & L4ABI_FPAGE_BASE_MASK, 0x12345400u);
    assert_int_equal(L4ABI_COMPLETE_FPAGE, 0x10);
    assert_int_equal(L4ABI_FPAGE_LOG2(L4ABI_COMPLETE_FPAGE), 1);
    /* an I/O fpage is told apart by the size-field constant 2 */
    uint32_t io = L4ABI_IOFPAGE(0x3f8, 3);
    assert_int_equal(io, (0x3f8u << 16) | (3u << 10) | (2u << 4));
    assert_true(L4ABI_IS_IOFPAGE(io));
    assert_false(L4ABI_IS_IOFPAGE(f));
    assert_int_equal(L4ABI_IOFPAGE_PORT(io), 0x3f8);
    assert_int_equal(L4ABI_IOFPAGE_LOG2(io), 3);
    assert_int_equal(L4ABI_IOFPAGE_PORT(L4ABI_IOFPAGE(0xfff8, 3)), 0xfff8);
    assert_int_equal(L4ABI_IOFPAGE_LOG2(L4ABI_IOFPAGE_COMPLETE), 16);
}

static void test_items(void **state)
{
    (void)state;
    uint32_t m = L4ABI_MAPITEM_W0(0x00123456, 0);
    assert_int_equal(m, 0x00123400u | 8);
    assert_int_equal(m & L4ABI_ITEM_TYPE_MASK, L4ABI_ITEM_MAP);
    assert_false(L4ABI_ITEM_IS_STRING(m));
    uint32_t g = L4ABI_GRANTITEM_W0(0x1000, 1);
    assert_int_equal(g & L4ABI_ITEM_TYPE_MASK, L4ABI_ITEM_GRANT);
    assert_int_equal(g & L4ABI_ITEM_CONT, 1);
    assert_int_equal(L4ABI_ITEM_SNDBASE(g), 0x1000);
    uint32_t s = L4ABI_STRITEM_W0(4096, 1, 0, 0);
    assert_true(L4ABI_ITEM_IS_STRING(s));
    assert_int_equal(L4ABI_STRITEM_LEN(s), 4096);
    assert_int_equal(L4ABI_STRITEM_NPTRS(s), 1);
    uint32_t c = L4ABI_STRITEM_W0(100, 3, 1, 1);
    assert_int_equal(L4ABI_STRITEM_NPTRS(c), 3);
    assert_true(c & L4ABI_STRITEM_COMPOUND);
    assert_true(c & L4ABI_ITEM_CONT);
    assert_int_equal(L4ABI_STRITEM_LEN(c), 100);
}

static void test_errors_timeouts(void **state)
{
    (void)state;
    uint32_t e = L4ABI_IPCERR(L4ABI_IPCERR_OVERFLOW, 1, 300);
    assert_int_equal(e, (300u << 4) | (4u << 1) | 1);
    assert_int_equal(L4ABI_IPCERR_CODE(e), L4ABI_IPCERR_OVERFLOW);
    assert_int_equal(e & L4ABI_IPCERR_RECV_PHASE, 1);
    assert_int_equal(L4ABI_IPCERR_CODE(L4ABI_IPCERR(L4ABI_IPCERR_TIMEOUT, 0, 0)), 1);
    uint32_t w = L4ABI_TIMEOUTS(L4ABI_TIME_ZERO, L4ABI_TIME_PERIOD(1000, 3));
    assert_int_equal(L4ABI_TIMEOUTS_SND(w), 0x0400);
    assert_int_equal(L4ABI_TIMEOUTS_RCV(w), (3u << 10) | 1000);
    assert_int_equal(L4ABI_TIMEOUTS_RCV(L4ABI_TIMEOUTS(0, 0x1ffff)), 0xffff);
}

static void test_kip_words(void **state)
{
    (void)state;
    uint32_t u = L4ABI_KIP_UTCBINFO(12, 9, 1);
    assert_int_equal(L4ABI_KIP_UTCBINFO_S(u), 12);
    assert_int_equal(L4ABI_KIP_UTCBINFO_A(u), 9);
    assert_int_equal(L4ABI_KIP_UTCBINFO_M(u), 1);
    uint32_t t = L4ABI_KIP_THREADINFO(18, 32, 48);
    assert_int_equal(L4ABI_KIP_THREADINFO_T(t), 18);
    assert_int_equal(L4ABI_KIP_THREADINFO_SYSBASE(t), 32);
    assert_int_equal(L4ABI_KIP_THREADINFO_USERBASE(t), 48);
    uint32_t m = L4ABI_KIP_MEMINFO(0x200, 9);
    assert_int_equal(L4ABI_KIP_MEMINFO_PTR(m), 0x200);
    assert_int_equal(L4ABI_KIP_MEMINFO_N(m), 9);
    uint32_t d0 = L4ABI_MEMDESC_W0(L4ABI_MEMDESC_BOOTLOADER, 1, 0, 0x00165000);
    assert_int_equal(d0 & L4ABI_MEMDESC_TYPE_MASK, 0xe);
    assert_int_equal((d0 >> L4ABI_MEMDESC_SUBTYPE_SHIFT) & 0xf, 1);
    assert_int_equal(d0 & 0xfffffc00u, 0x00165000);
    assert_int_equal(L4ABI_MEMDESC_W1(0x0017ffff), 0x0017fc00u);
    assert_int_equal(L4ABI_KIP_MAGIC, 0x4be6344cu);
    assert_memory_equal(&(uint32_t){L4ABI_KIP_MAGIC}, "L4\xe6K", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tag),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_fpages),
        cmocka_unit_test(test_items),
        cmocka_unit_test(test_errors_timeouts),
        cmocka_unit_test(test_kip_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
