/* printf-style formatting without libc or libgcc.
 *
 * Every conversion is rendered into a small local digit buffer and then
 * emitted with padding, so the output callback sees each character once and
 * the return value is simply the number of callback invocations.
 * 64-bit values are divided only through udiv64 (shift-and-subtract), so the
 * ia32 build never needs __udivdi3/__umoddi3. */
#include "format.h"

uint64_t udiv64(uint64_t n, uint32_t d, uint32_t *rem)
{
    if (d == 0) {                   /* caller bug: be defined, not trap */
        if (rem)
            *rem = 0;
        return UINT64_MAX;
    }
    uint32_t hi = (uint32_t)(n >> 32), lo = (uint32_t)n;
    if (hi == 0) {                  /* common case: plain 32-bit divide */
        if (rem)
            *rem = lo % d;
        return lo / d;
    }
    /* High word by 32-bit division; then the low 32 bits by long division.
     * Invariant: r < d, so (r << 1 | bit) fits in 33 bits of a uint64_t. */
    uint32_t qhi = hi / d;
    uint64_t r = hi % d;
    uint32_t qlo = 0;
    for (int i = 31; i >= 0; i--) {
        r = (r << 1) | ((lo >> i) & 1);
        if (r >= d) {
            r -= d;
            qlo |= 1u << i;
        }
    }
    if (rem)
        *rem = (uint32_t)r;
    return ((uint64_t)qhi << 32) | qlo;
}

struct fmt_state {
    format_out_t out;
    void *arg;
    int n;                          /* characters emitted so far */
};

static void put(struct fmt_state *st, char c)
{
    st->out(c, st->arg);
    st->n++;
}

static void pad(struct fmt_state *st, char c, int count)
{
    while (count-- > 0)
        put(st, c);
}

#define F_LEFT  1       /* '-': pad on the right */
#define F_ZERO  2       /* '0': pad numbers with zeros after sign/prefix */
#define F_ALT   4       /* '#': 0x prefix for non-zero hex */

/* Emits prefix (sign and/or "0x"), then digits, honouring width, precision
 * (minimum digit count) and flags. digits[0..len) is most-significant first. */
static void emit_number(struct fmt_state *st, const char *prefix,
                        const char *digits, int len, int flags, int width,
                        int prec)
{
    int plen = 0;
    while (prefix[plen])
        plen++;
    int zeros = prec > len ? prec - len : 0;
    int body = plen + zeros + len;
    int fill = width > body ? width - body : 0;

    if (!(flags & F_LEFT) && (flags & F_ZERO) && prec < 0) {
        zeros += fill;              /* zero padding goes between prefix and digits */
        fill = 0;
    }
    if (!(flags & F_LEFT))
        pad(st, ' ', fill);
    for (int i = 0; i < plen; i++)
        put(st, prefix[i]);
    pad(st, '0', zeros);
    for (int i = 0; i < len; i++)
        put(st, digits[i]);
    if (flags & F_LEFT)
        pad(st, ' ', fill);
}

/* Renders v in base 10 or 16 into the tail of buf (24 bytes is enough for
 * 2^64-1 in decimal); returns a pointer to the first digit and its length. */
static const char *render(uint64_t v, unsigned base, bool upper, char *buf,
                          int bufsize, int *len)
{
    const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char *p = buf + bufsize;
    do {
        uint32_t r;
        if (base == 16) {
            r = (uint32_t)v & 15;
            v >>= 4;
        } else {
            v = udiv64(v, base, &r);
        }
        *--p = dig[r];
    } while (v != 0);
    *len = (int)(buf + bufsize - p);
    return p;
}

int kformat(format_out_t out, void *arg, const char *fmt, va_list ap)
{
    struct fmt_state st = { out, arg, 0 };
    va_list args;
    va_copy(args, ap);

    for (const char *f = fmt; *f; f++) {
        if (*f != '%') {
            put(&st, *f);
            continue;
        }
        const char *start = f++;    /* for echoing unknown conversions */

        int flags = 0;
        for (;; f++) {
            if (*f == '-')
                flags |= F_LEFT;
            else if (*f == '0')
                flags |= F_ZERO;
            else if (*f == '#')
                flags |= F_ALT;
            else
                break;
        }

        int width = 0;
        if (*f == '*') {
            width = va_arg(args, int);
            if (width < 0) {        /* negative '*' width means left-justify */
                flags |= F_LEFT;
                width = width < -100000 ? 100000 : -width;  /* no -INT_MIN */
            }
            f++;
        } else {
            while (*f >= '0' && *f <= '9' && width < 100000)
                width = width * 10 + (*f++ - '0');
        }

        int prec = -1;              /* -1: no precision given */
        if (*f == '.') {
            f++;
            prec = 0;
            if (*f == '*') {
                prec = va_arg(args, int);
                if (prec < 0)
                    prec = -1;
                f++;
            } else {
                while (*f >= '0' && *f <= '9' && prec < 100000)
                    prec = prec * 10 + (*f++ - '0');
            }
        }

        int lng = 0;                /* 0: int, 1: long, 2: long long, 3: size_t */
        if (*f == 'l') {
            lng = 1;
            if (*++f == 'l') {
                lng = 2;
                f++;
            }
        } else if (*f == 'z') {
            lng = 3;
            f++;
        }

        char buf[24];
        const char *digits;
        int len;
        uint64_t v;
        const char *prefix = "";

        switch (*f) {
        case 'c': {
            char c = (char)va_arg(args, int);
            emit_number(&st, "", &c, 1, flags & F_LEFT, width, -1);
            break;
        }
        case 's': {
            const char *s = va_arg(args, const char *);
            if (!s)
                s = "(null)";
            len = 0;                /* strnlen bounded by precision */
            while ((prec < 0 || len < prec) && s[len])  /* bound first */
                len++;
            emit_number(&st, "", s, len, flags & F_LEFT, width, -1);
            break;
        }
        case 'd':
        case 'i': {
            int64_t sv;
            if (lng == 2)
                sv = va_arg(args, long long);
            else if (lng == 1)
                sv = va_arg(args, long);
            else if (lng == 3)
                sv = (int64_t)va_arg(args, size_t);  /* no ssize_t: treat as signed width */
            else
                sv = va_arg(args, int);
            /* Negate in unsigned arithmetic so INT64_MIN is well defined. */
            v = sv < 0 ? (uint64_t)0 - (uint64_t)sv : (uint64_t)sv;
            if (sv < 0)
                prefix = "-";
            goto number10;
        }
        case 'u':
        case 'x':
        case 'X':
            if (lng == 2)
                v = va_arg(args, unsigned long long);
            else if (lng == 1)
                v = va_arg(args, unsigned long);
            else if (lng == 3)
                v = va_arg(args, size_t);
            else
                v = va_arg(args, unsigned int);
            if (*f == 'u')
                goto number10;
            if ((flags & F_ALT) && v != 0)
                prefix = *f == 'X' ? "0X" : "0x";
            digits = render(v, 16, *f == 'X', buf, sizeof(buf), &len);
            goto emit;
        number10:
            digits = render(v, 10, false, buf, sizeof(buf), &len);
        emit:
            if (prec == 0 && v == 0)    /* C rule: %.0d of zero prints nothing */
                len = 0;
            emit_number(&st, prefix, digits, len, flags, width, prec);
            break;
        case 'p':
            v = (uintptr_t)va_arg(args, void *);
            digits = render(v, 16, false, buf, sizeof(buf), &len);
            emit_number(&st, "0x", digits, len, flags, width, prec);
            break;
        case '%':
            put(&st, '%');
            break;
        default:
            /* Unknown conversion (or a trailing '%'): echo it verbatim so
             * the mistake is visible in the output. */
            for (const char *q = start; q <= f && *q; q++)
                put(&st, *q);
            if (!*f)
                f--;                /* don't step past the terminator */
            break;
        }
    }
    va_end(args);
    return st.n;
}

struct buf_state {
    char *buf;
    size_t size;
    size_t pos;                     /* total characters produced */
};

static void buf_out(char c, void *arg)
{
    struct buf_state *b = arg;
    if (b->size > 0 && b->pos < b->size - 1)
        b->buf[b->pos] = c;
    b->pos++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buf_state b = { buf, size, 0 };
    int n = kformat(buf_out, &b, fmt, ap);
    if (size > 0)
        buf[b.pos < size ? b.pos : size - 1] = '\0';
    return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
