/* A small printf. 64-bit conversions avoid libgcc by dividing in 16-bit
 * steps. */
#include <stdint.h>
#include <l4/kdebug.h>
#include "libc.h"

struct sink {
    void (*put)(struct sink *, char);
    char *buf;          /* snprintf only */
    size_t size;
    size_t len;         /* characters produced so far */
};

/* n /= base, returning the remainder; base <= 16. */
static unsigned divmod(uint64_t *n, unsigned base)
{
    uint32_t hi = (uint32_t)(*n >> 32), lo = (uint32_t)*n;
    uint32_t qhi = hi / base, r = hi % base;
    uint32_t mid = (r << 16) | (lo >> 16);
    uint32_t qmid = mid / base;
    r = mid % base;
    uint32_t low = (r << 16) | (lo & 0xffff);
    uint32_t qlo = low / base;
    r = low % base;
    *n = ((uint64_t)qhi << 32) | (qmid << 16) | qlo;
    return r;
}

static void emit(struct sink *s, char c)
{
    s->put(s, c);
    s->len++;
}

static void pad(struct sink *s, char c, int n)
{
    while (n-- > 0)
        emit(s, c);
}

enum {
    F_LEFT = 1, F_PLUS = 2, F_SPACE = 4, F_ALT = 8, F_ZERO = 16,
    F_HEXPREFIX = 32,           /* %p: "0x" even for zero */
};

static void put_number(struct sink *s, uint64_t v, int neg, unsigned base,
                       int upper, int flags, int width, int prec)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24], prefix[3];
    int n = 0, np = 0, nonzero = v != 0;

    while (v != 0)
        tmp[n++] = digits[divmod(&v, base)];
    if (n == 0 && prec != 0)
        tmp[n++] = '0';         /* only an explicit precision 0 prints nothing */

    int zeros = prec > n ? prec - n : 0;
    if ((flags & F_ALT) && base == 8 && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
        zeros = 1;

    if (neg)
        prefix[np++] = '-';
    else if (flags & F_PLUS)
        prefix[np++] = '+';
    else if (flags & F_SPACE)
        prefix[np++] = ' ';
    if (base == 16 && (((flags & F_ALT) && nonzero) || (flags & F_HEXPREFIX))) {
        prefix[np++] = '0';
        prefix[np++] = upper ? 'X' : 'x';
    }

    int len = np + zeros + n;
    if (!(flags & F_LEFT) && (flags & F_ZERO) && prec < 0 && width > len) {
        zeros += width - len;
        len = width;
    }
    if (!(flags & F_LEFT))
        pad(s, ' ', width - len);
    for (int i = 0; i < np; i++)
        emit(s, prefix[i]);
    pad(s, '0', zeros);
    while (n > 0)
        emit(s, tmp[--n]);
    if (flags & F_LEFT)
        pad(s, ' ', width - len);
}

static void put_string(struct sink *s, const char *str, int flags, int width, int prec)
{
    int n = 0;
    if (!str)
        str = "(null)";
    while (str[n] && (prec < 0 || n < prec))
        n++;
    if (!(flags & F_LEFT))
        pad(s, ' ', width - n);
    for (int i = 0; i < n; i++)
        emit(s, str[i]);
    if (flags & F_LEFT)
        pad(s, ' ', width - n);
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            emit(s, *fmt);
            continue;
        }
        const char *start = fmt++;
        int flags = 0, width = 0, prec = -1, size = 0;   /* size: -2 hh, -1 h, 1 l, 2 ll */

        for (;; fmt++) {
            if (*fmt == '-') flags |= F_LEFT;
            else if (*fmt == '+') flags |= F_PLUS;
            else if (*fmt == ' ') flags |= F_SPACE;
            else if (*fmt == '#') flags |= F_ALT;
            else if (*fmt == '0') flags |= F_ZERO;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            if (width < 0) {
                flags |= F_LEFT;
                width = -width;
            }
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        for (;; fmt++) {
            if (*fmt == 'h') size--;
            else if (*fmt == 'l') size++;
            else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') size = *fmt == 'j' ? 2 : 1;
            else break;
        }

        uint64_t u;
        int64_t i;
        switch (*fmt) {
        case 'd':
        case 'i':
            if (size >= 2) i = va_arg(ap, long long);
            else if (size == 1) i = va_arg(ap, long);
            else i = va_arg(ap, int);
            if (size == -1) i = (short)i;
            else if (size <= -2) i = (signed char)i;
            u = i < 0 ? -(uint64_t)i : (uint64_t)i;
            put_number(s, u, i < 0, 10, 0, flags, width, prec);
            break;
        case 'u':
        case 'o':
        case 'x':
        case 'X':
            if (size >= 2) u = va_arg(ap, unsigned long long);
            else if (size == 1) u = va_arg(ap, unsigned long);
            else u = va_arg(ap, unsigned int);
            if (size == -1) u = (unsigned short)u;
            else if (size <= -2) u = (unsigned char)u;
            put_number(s, u, 0, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16,
                       *fmt == 'X', flags & ~(F_PLUS | F_SPACE), width, prec);
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put_number(s, u, 0, 16, 0, flags | F_HEXPREFIX, width, prec);
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            if (!(flags & F_LEFT))
                pad(s, ' ', width - 1);
            emit(s, c);
            if (flags & F_LEFT)
                pad(s, ' ', width - 1);
            break;
        }
        case 's':
            put_string(s, va_arg(ap, const char *), flags, width, prec);
            break;
        case '%':
            emit(s, '%');
            break;
        default:                /* unknown: print the directive as is */
            while (start <= fmt && *start)
                emit(s, *start++);
            if (!*fmt)
                fmt--;
            break;
        }
    }
    return (int)s->len;
}

static void put_console(struct sink *s, char c)
{
    (void)s;
    L4_KDB_PrintChar(c);
}

static void put_buffer(struct sink *s, char c)
{
    if (s->len + 1 < s->size)
        s->buf[s->len] = c;
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink s = { put_console, 0, 0, 0 };
    return format(&s, fmt, ap);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink s = { put_buffer, buf, size, 0 };
    int n = format(&s, fmt, ap);
    if (size > 0)
        buf[s.len < size ? s.len : size - 1] = '\0';
    return n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int putchar(int c)
{
    L4_KDB_PrintChar((char)c);
    return (unsigned char)c;
}

int puts(const char *str)
{
    while (*str)
        L4_KDB_PrintChar(*str++);
    L4_KDB_PrintChar('\n');
    return 0;
}
