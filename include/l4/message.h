/* Message tags, typed items, message objects, acceptors and receive
 * buffers. */
#ifndef __L4__MESSAGE_H__
#define __L4__MESSAGE_H__

#include <l4/types.h>
#include <l4/ia32/vregs.h>

#define __L4_NUM_MRS    L4ABI_NUM_MRS
#define __L4_NUM_BRS    L4ABI_NUM_BRS


/* ---- Message tag (MR0) ---- */

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t u     : 6;
        L4_Word_t t     : 6;
        L4_Word_t flags : 4;
        L4_Word_t label : 16;
    } X;
} L4_MsgTag_t;

#define L4_Niltag   ((L4_MsgTag_t){ .raw = 0 })

L4_INLINE L4_Bool_t L4_IsMsgTagEqual(const L4_MsgTag_t l, const L4_MsgTag_t r)
{
    return l.raw == r.raw;
}

L4_INLINE L4_Bool_t L4_IsMsgTagNotEqual(const L4_MsgTag_t l, const L4_MsgTag_t r)
{
    return l.raw != r.raw;
}

L4_INLINE L4_MsgTag_t L4_MsgTagAddLabel(const L4_MsgTag_t t, int label)
{
    L4_MsgTag_t n = t;
    n.X.label = (L4_Word_t)label;
    return n;
}

L4_INLINE L4_MsgTag_t L4_MsgTagAddLabelTo(L4_MsgTag_t *t, int label)
{
    t->X.label = (L4_Word_t)label;
    return *t;
}

L4_INLINE L4_Word_t L4_Label(L4_MsgTag_t t)         { return t.X.label; }
L4_INLINE L4_Word_t L4_UntypedWords(L4_MsgTag_t t)  { return t.X.u; }
L4_INLINE L4_Word_t L4_TypedWords(L4_MsgTag_t t)    { return t.X.t; }

L4_INLINE void L4_Set_Label(L4_MsgTag_t *t, L4_Word_t label)
{
    t->X.label = label;
}

L4_INLINE L4_MsgTag_t L4_MsgTag(void)
{
    L4_MsgTag_t t;
    L4_StoreMR(0, &t.raw);
    return t;
}

L4_INLINE void L4_Set_MsgTag(L4_MsgTag_t t)
{
    L4_LoadMR(0, t.raw);
}


/* ---- Map and grant items ---- */

typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t  C        : 1;
        L4_Word_t  __type   : 3;
        L4_Word_t  __zeros  : 6;
        L4_Word_t  snd_base : 22;
        L4_Fpage_t snd_fpage;
    } X;
} L4_MapItem_t;

typedef L4_MapItem_t L4_GrantItem_t;

L4_INLINE L4_MapItem_t L4_MapItem(L4_Fpage_t f, L4_Word_t SndBase)
{
    L4_MapItem_t m;
    m.raw[0] = L4ABI_MAPITEM_W0(SndBase, 0);
    m.raw[1] = f.raw;
    return m;
}

L4_INLINE L4_Bool_t L4_IsMapItem(L4_MapItem_t m)
{
    return (m.raw[0] & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_MAP;
}

L4_INLINE L4_Fpage_t L4_MapItemSndFpage(L4_MapItem_t m)    { return m.X.snd_fpage; }
L4_INLINE L4_Word_t L4_MapItemSndBase(L4_MapItem_t m)      { return L4ABI_ITEM_SNDBASE(m.raw[0]); }

L4_INLINE L4_GrantItem_t L4_GrantItem(L4_Fpage_t f, L4_Word_t SndBase)
{
    L4_GrantItem_t g;
    g.raw[0] = L4ABI_GRANTITEM_W0(SndBase, 0);
    g.raw[1] = f.raw;
    return g;
}

L4_INLINE L4_Bool_t L4_IsGrantItem(L4_GrantItem_t g)
{
    return (g.raw[0] & L4ABI_ITEM_TYPE_MASK) == L4ABI_ITEM_GRANT;
}

L4_INLINE L4_Fpage_t L4_GrantItemSndFpage(L4_GrantItem_t g) { return g.X.snd_fpage; }
L4_INLINE L4_Word_t L4_GrantItemSndBase(L4_GrantItem_t g)   { return L4ABI_ITEM_SNDBASE(g.raw[0]); }


/* ---- String items ----
 * A string item is a header word followed by j+1 buffer pointers; with the
 * c bit set, another header (substring descriptor) follows. The C bit of
 * an item's first header says whether another item follows. */

typedef union {
    L4_Word_t raw[2];
    struct {
        L4_Word_t C             : 1;
        L4_Word_t __type        : 3;
        L4_Word_t j             : 5;
        L4_Word_t c             : 1;
        L4_Word_t string_length : 22;
        union {
            void *string_ptr;
            void *substring_ptr[1];
        } str;
    } X;
} L4_StringItem_t;

L4_INLINE L4_StringItem_t L4_StringItem(int size, void *address)
{
    L4_StringItem_t s;
    s.raw[0] = L4ABI_STRITEM_W0(size, 1, 0, 0);
    s.X.str.string_ptr = address;
    return s;
}

L4_INLINE L4_Bool_t L4_IsStringItem(L4_StringItem_t *s)
{
    return L4ABI_ITEM_IS_STRING(s->raw[0]);
}

L4_INLINE L4_Bool_t L4_CompoundString(L4_StringItem_t *s)
{
    return s->X.c != 0;
}

L4_INLINE L4_Word_t L4_Substrings(L4_StringItem_t *s)
{
    return L4ABI_STRITEM_NPTRS(s->raw[0]);
}

/* n counts from 1. */
L4_INLINE void *L4_Substring(L4_StringItem_t *s, L4_Word_t n)
{
    return ((void **)((L4_Word_t *)s + 1))[n - 1];
}

/* Next word after the descriptor chain starting at s; *last gets the final
 * descriptor of the chain. */
L4_INLINE L4_StringItem_t *__L4_EndOfString(L4_StringItem_t *s, L4_StringItem_t **last)
{
    L4_Word_t *w = (L4_Word_t *)s;
    L4_Word_t *d;
    do {
        d = w;
        w += 1 + L4ABI_STRITEM_NPTRS(*d);
    } while (*d & L4ABI_STRITEM_COMPOUND);
    if (last)
        *last = (L4_StringItem_t *)d;
    return (L4_StringItem_t *)w;
}

/* Next word after a sequence of string items; *last gets the first
 * descriptor of the final item. */
L4_INLINE L4_StringItem_t *__L4_EndOfStrings(L4_StringItem_t *s, L4_StringItem_t **last)
{
    L4_StringItem_t *item;
    do {
        item = s;
        s = __L4_EndOfString(item, (L4_StringItem_t **)0);
    } while (item->raw[0] & L4ABI_ITEM_CONT);
    if (last)
        *last = item;
    return s;
}

L4_INLINE L4_Word_t __L4_StringWords(L4_StringItem_t *s)
{
    return (L4_Word_t)((L4_Word_t *)__L4_EndOfString(s, (L4_StringItem_t **)0) -
                       (L4_Word_t *)s);
}

L4_INLINE void __L4_Copy_String(L4_StringItem_t *d, L4_StringItem_t *s)
{
    L4_Word_t n = __L4_StringWords(s);
    L4_Word_t *dw = (L4_Word_t *)d, *sw = (L4_Word_t *)s;
    for (L4_Word_t i = 0; i < n; i++)
        dw[i] = sw[i];
}

/* Appends a copy of substr's descriptor chain to dest's chain. */
L4_INLINE L4_StringItem_t *L4_AddSubstringTo(L4_StringItem_t *dest, L4_StringItem_t *substr)
{
    L4_StringItem_t *last;
    L4_StringItem_t *end = __L4_EndOfString(dest, &last);
    last->X.c = 1;
    __L4_Copy_String(end, substr);
    return end;
}

/* Adds one more buffer pointer to the last descriptor of dest. */
L4_INLINE L4_StringItem_t *L4_AddSubstringAddressTo(L4_StringItem_t *dest, void *substring_addr)
{
    L4_StringItem_t *last;
    (void)__L4_EndOfString(dest, &last);
    last->X.j++;
    ((void **)((L4_Word_t *)last + 1))[last->X.j] = substring_addr;
    return dest;
}


/* ---- Cache allocation hints on string items ---- */

typedef struct L4_CacheAllocationHint {
    L4_Word_t raw;
} L4_CacheAllocationHint_t;

#define L4_UseDefaultCacheAllocation ((L4_CacheAllocationHint_t){ .raw = 0 })

L4_INLINE L4_CacheAllocationHint_t L4_CacheAllocationHint(const L4_StringItem_t s)
{
    L4_CacheAllocationHint_t h;
    h.raw = (s.raw[0] & L4ABI_STRITEM_HINT_MASK) >> 1;
    return h;
}

/* Spelling used by some existing programs. */
#define L4_CacheAlloctionHint L4_CacheAllocationHint

L4_INLINE L4_Bool_t L4_IsCacheAllocationHintEqual(const L4_CacheAllocationHint_t l,
                                                  const L4_CacheAllocationHint_t r)
{
    return (l.raw & 3) == (r.raw & 3);
}

L4_INLINE L4_Bool_t L4_IsCacheAllocationHintNotEqual(const L4_CacheAllocationHint_t l,
                                                     const L4_CacheAllocationHint_t r)
{
    return (l.raw & 3) != (r.raw & 3);
}

L4_INLINE L4_StringItem_t L4_AddCacheAllocationHint(const L4_StringItem_t dest,
                                                    const L4_CacheAllocationHint_t h)
{
    L4_StringItem_t s = dest;
    s.raw[0] = (s.raw[0] & ~L4ABI_STRITEM_HINT_MASK) | ((h.raw & 3) << 1);
    return s;
}

L4_INLINE L4_StringItem_t L4_AddCacheAllocationHintTo(L4_StringItem_t *dest,
                                                      const L4_CacheAllocationHint_t h)
{
    *dest = L4_AddCacheAllocationHint(*dest, h);
    return *dest;
}


/* ---- Message objects: a memory image of MR0..MR63 ---- */

typedef union {
    L4_Word_t   raw[__L4_NUM_MRS];
    L4_Word_t   msg[__L4_NUM_MRS];
    L4_MsgTag_t tag;
} L4_Msg_t;

L4_INLINE void L4_MsgClear(L4_Msg_t *msg)
{
    msg->raw[0] = 0;
}

L4_INLINE void L4_MsgPut(L4_Msg_t *msg, L4_Word_t label, int u, L4_Word_t *Untyped,
                         int t, void *Items)
{
    const L4_Word_t *items = (const L4_Word_t *)Items;
    for (int i = 0; i < u; i++)
        msg->msg[1 + i] = Untyped[i];
    for (int i = 0; i < t; i++)
        msg->msg[1 + u + i] = items[i];
    msg->tag.raw = L4ABI_TAG(label, u, t);
}

L4_INLINE void L4_MsgGet(const L4_Msg_t *msg, L4_Word_t *Untyped, void *Items)
{
    int u = (int)msg->tag.X.u, t = (int)msg->tag.X.t;
    L4_Word_t *items = (L4_Word_t *)Items;
    for (int i = 0; i < u; i++)
        Untyped[i] = msg->msg[1 + i];
    for (int i = 0; i < t; i++)
        items[i] = msg->msg[1 + u + i];
}

L4_INLINE L4_MsgTag_t L4_MsgMsgTag(const L4_Msg_t *msg)            { return msg->tag; }
L4_INLINE void L4_Set_MsgMsgTag(L4_Msg_t *msg, L4_MsgTag_t t)      { msg->tag = t; }
L4_INLINE L4_Word_t L4_MsgLabel(const L4_Msg_t *msg)               { return msg->tag.X.label; }
L4_INLINE void L4_Set_MsgLabel(L4_Msg_t *msg, L4_Word_t label)     { msg->tag.X.label = label; }

/* Copies the message (tag and all words) into the MRs. */
L4_INLINE void L4_MsgLoad(L4_Msg_t *msg)
{
    L4_LoadMRs(0, 1 + (int)(msg->tag.X.u + msg->tag.X.t), msg->raw);
}

/* Copies the words described by t out of MR1.. and records t as the tag
 * (MR0 itself is returned by the IPC wrappers, not read back). */
L4_INLINE void L4_MsgStore(L4_MsgTag_t t, L4_Msg_t *msg)
{
    L4_StoreMRs(1, (int)(t.X.u + t.X.t), &msg->raw[1]);
    msg->tag = t;
}

/* Untyped words precede the typed ones, so the items move up by one. */
L4_INLINE void L4_MsgAppendWord(L4_Msg_t *msg, L4_Word_t w)
{
    L4_Word_t u = msg->tag.X.u, t = msg->tag.X.t;
    for (L4_Word_t i = u + t; i > u; i--)
        msg->msg[i + 1] = msg->msg[i];
    msg->msg[u + 1] = w;
    msg->tag.X.u = u + 1;
}

L4_INLINE void __L4_MsgAppendPair(L4_Msg_t *msg, L4_Word_t w0, L4_Word_t w1)
{
    L4_Word_t end = 1 + msg->tag.X.u + msg->tag.X.t;
    msg->msg[end] = w0;
    msg->msg[end + 1] = w1;
    msg->tag.X.t += 2;
}

L4_INLINE void L4_MsgAppendMapItem(L4_Msg_t *msg, L4_MapItem_t m)
{
    __L4_MsgAppendPair(msg, m.raw[0], m.raw[1]);
}

L4_INLINE void L4_MsgAppendGrantItem(L4_Msg_t *msg, L4_GrantItem_t g)
{
    __L4_MsgAppendPair(msg, g.raw[0], g.raw[1]);
}

L4_INLINE void L4_MsgAppendSimpleStringItem(L4_Msg_t *msg, L4_StringItem_t s)
{
    s.X.c = 0;
    s.X.j = 0;
    __L4_MsgAppendPair(msg, s.raw[0], s.raw[1]);
}

L4_INLINE void L4_MsgAppendStringItem(L4_Msg_t *msg, L4_StringItem_t *s)
{
    L4_Word_t end = 1 + msg->tag.X.u + msg->tag.X.t;
    __L4_Copy_String((L4_StringItem_t *)&msg->msg[end], s);
    msg->tag.X.t += __L4_StringWords(s);
}

L4_INLINE void L4_MsgPutWord(L4_Msg_t *msg, L4_Word_t u, L4_Word_t w)
{
    msg->msg[u + 1] = w;
}

L4_INLINE void __L4_MsgPutPair(L4_Msg_t *msg, L4_Word_t t, L4_Word_t w0, L4_Word_t w1)
{
    L4_Word_t at = 1 + msg->tag.X.u + t;
    msg->msg[at] = w0;
    msg->msg[at + 1] = w1;
}

L4_INLINE void L4_MsgPutMapItem(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t m)
{
    __L4_MsgPutPair(msg, t, m.raw[0], m.raw[1]);
}

L4_INLINE void L4_MsgPutGrantItem(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t g)
{
    __L4_MsgPutPair(msg, t, g.raw[0], g.raw[1]);
}

L4_INLINE void L4_MsgPutSimpleStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t s)
{
    s.X.c = 0;
    s.X.j = 0;
    __L4_MsgPutPair(msg, t, s.raw[0], s.raw[1]);
}

L4_INLINE void L4_MsgPutStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
    __L4_Copy_String((L4_StringItem_t *)&msg->msg[1 + msg->tag.X.u + t], s);
}

L4_INLINE L4_Word_t L4_MsgWord(L4_Msg_t *msg, L4_Word_t u)
{
    return msg->msg[u + 1];
}

L4_INLINE void L4_MsgGetWord(L4_Msg_t *msg, L4_Word_t u, L4_Word_t *w)
{
    *w = msg->msg[u + 1];
}

L4_INLINE L4_Word_t L4_MsgGetMapItem(L4_Msg_t *msg, L4_Word_t t, L4_MapItem_t *m)
{
    L4_Word_t at = 1 + msg->tag.X.u + t;
    m->raw[0] = msg->msg[at];
    m->raw[1] = msg->msg[at + 1];
    return 2;
}

L4_INLINE L4_Word_t L4_MsgGetGrantItem(L4_Msg_t *msg, L4_Word_t t, L4_GrantItem_t *g)
{
    return L4_MsgGetMapItem(msg, t, g);
}

/* Returns the number of words the item occupies. */
L4_INLINE L4_Word_t L4_MsgGetStringItem(L4_Msg_t *msg, L4_Word_t t, L4_StringItem_t *s)
{
    L4_StringItem_t *src = (L4_StringItem_t *)&msg->msg[1 + msg->tag.X.u + t];
    __L4_Copy_String(s, src);
    return __L4_StringWords(src);
}


/* ---- Acceptors and receive buffers ---- */

typedef union {
    L4_Word_t raw;
    struct {
        L4_Word_t s         : 1;
        L4_Word_t c         : 1;
        L4_Word_t __zeros   : 2;
        L4_Word_t RcvWindow : 28;
    } X;
} L4_Acceptor_t;

/* String receive buffers, copied to BR1.. by L4_AcceptStrings. */
typedef union {
    L4_Word_t       raw[__L4_NUM_BRS - 1];
    L4_StringItem_t string[(__L4_NUM_BRS - 1) / 2];
} L4_MsgBuffer_t;

#define L4_UntypedWordsAcceptor ((L4_Acceptor_t){ .raw = 0 })
#define L4_StringItemsAcceptor  ((L4_Acceptor_t){ .raw = L4ABI_ACCEPT_STRINGS })

L4_INLINE L4_Acceptor_t L4_MapGrantItems(L4_Fpage_t RcvWindow)
{
    L4_Acceptor_t a;
    a.raw = RcvWindow.raw & L4ABI_ACCEPT_WINDOW_MASK;
    return a;
}

L4_INLINE L4_Acceptor_t L4_AddAcceptor(const L4_Acceptor_t l, const L4_Acceptor_t r)
{
    L4_Acceptor_t a;
    a.raw = (l.raw | r.raw) & (L4ABI_ACCEPT_STRINGS | L4ABI_ACCEPT_CTRLXFER);
    a.raw |= ((r.raw & L4ABI_ACCEPT_WINDOW_MASK) ? r.raw : l.raw) & L4ABI_ACCEPT_WINDOW_MASK;
    return a;
}

L4_INLINE L4_Acceptor_t L4_AddAcceptorTo(L4_Acceptor_t l, const L4_Acceptor_t r)
{
    return L4_AddAcceptor(l, r);
}

L4_INLINE L4_Acceptor_t L4_RemoveAcceptor(const L4_Acceptor_t l, const L4_Acceptor_t r)
{
    L4_Acceptor_t a = l;
    a.raw &= ~(r.raw & (L4ABI_ACCEPT_STRINGS | L4ABI_ACCEPT_CTRLXFER));
    if (r.raw & L4ABI_ACCEPT_WINDOW_MASK)
        a.raw &= ~L4ABI_ACCEPT_WINDOW_MASK;
    return a;
}

L4_INLINE L4_Acceptor_t L4_RemoveAcceptorFrom(L4_Acceptor_t l, const L4_Acceptor_t r)
{
    return L4_RemoveAcceptor(l, r);
}

L4_INLINE L4_Bool_t L4_HasStringItems(const L4_Acceptor_t a)
{
    return (a.raw & L4ABI_ACCEPT_STRINGS) != 0;
}

L4_INLINE L4_Bool_t L4_HasMapGrantItems(const L4_Acceptor_t a)
{
    return (a.raw & L4ABI_ACCEPT_WINDOW_MASK) != 0;
}

L4_INLINE L4_Fpage_t L4_RcvWindow(const L4_Acceptor_t a)
{
    L4_Fpage_t f;
    f.raw = a.raw & L4ABI_ACCEPT_WINDOW_MASK;
    return f;
}

L4_INLINE void L4_Accept(const L4_Acceptor_t a)
{
    L4_LoadBR(0, a.raw);
}

L4_INLINE void L4_AcceptStrings(const L4_Acceptor_t a, L4_MsgBuffer_t *b)
{
    L4_StringItem_t *end = __L4_EndOfStrings(&b->string[0], (L4_StringItem_t **)0);
    L4_LoadBR(0, a.raw);
    L4_LoadBRs(1, (int)((L4_Word_t *)end - b->raw), b->raw);
}

L4_INLINE L4_Acceptor_t L4_Accepted(void)
{
    L4_Acceptor_t a;
    L4_StoreBR(0, &a.raw);
    return a;
}

/* An empty buffer has zero in both the first header and the word after a
 * simple item; a non-empty one always has a non-zero word there. */
L4_INLINE void L4_MsgBufferClear(L4_MsgBuffer_t *b)
{
    b->raw[0] = 0;
    b->raw[2] = 0;
}

L4_INLINE L4_Bool_t __L4_MsgBufferEmpty(L4_MsgBuffer_t *b)
{
    return b->raw[0] == 0 && b->raw[2] == 0;
}

L4_INLINE void L4_MsgBufferAppendRcvString(L4_MsgBuffer_t *b, L4_StringItem_t *s)
{
    L4_StringItem_t *at = &b->string[0], *last;
    if (!__L4_MsgBufferEmpty(b)) {
        at = __L4_EndOfStrings(at, &last);
        last->X.C = 1;
    }
    __L4_Copy_String(at, s);
    at->X.C = 0;
    if (at == &b->string[0] && __L4_StringWords(at) == 2)
        b->raw[2] = ~0UL;     /* mark non-empty even for a zero header */
}

L4_INLINE void L4_MsgBufferAppendSimpleRcvString(L4_MsgBuffer_t *b, L4_StringItem_t s)
{
    s.X.j = 0;
    s.X.c = 0;
    L4_MsgBufferAppendRcvString(b, &s);
}

#endif /* !__L4__MESSAGE_H__ */
