/* Hand-written part of the x86dis test corpus: the instruction forms a
 * kernel and its user programs contain. tools/gen-x86dis-corpus.sh
 * assembles it (gcc -m32 -c), appends a generated sweep over the opcode
 * maps and records objdump's view of every instruction in
 * x86dis_corpus.inc. */
    .text
    .code32
start:
    /* arithmetic, all operand forms */
    add %eax,%ebx; add %al,(%ecx); add (%edx),%esi; add $1,%eax; add $0x12345678,%ebx
    addb $1,(%eax); addw $1,(%eax); addl $1,(%eax); add $-1,%ecx; addl $0x1000,8(%ebp)
    or %ecx,%edx; adc %eax,%eax; sbb %ebx,%ebx; and $0xfffff000,%eax; sub $4,%esp
    xor %eax,%eax; cmp %eax,4(%esp); cmpb $0,(%eax); cmpw $0x10,(%ebx); cmp $0x7f,%al
    test %eax,%eax; test $0x200,%eax; testb $1,0x10(%ebx); test %cl,%dl; testw $1,(%eax)
    inc %eax; dec %edi; incl (%eax); decb (%ebx); incw 4(%ebx)
    neg %eax; not %ebx; negl (%eax); notb 3(%ecx)
    mul %ecx; imul %ecx; div %ebx; idiv %esi; mull (%eax); idivl 8(%ebp); divb %cl
    imul %eax,%ebx; imul (%ecx),%edx; imul $12,%eax,%ecx; imul $1000,%ebx,%ebx; imul $-3,(%eax),%esi
    shl %eax; shl $4,%eax; shl %cl,%eax; shr $31,%edx; sar %cl,%ebx; rol %eax; ror $8,%ax
    rcl %ebx; rcr $2,%cl; shll (%eax); shrl $2,(%eax); sarw %cl,(%ebx); sal $1,%eax
    shld $4,%eax,%edx; shrd $4,%edx,%eax; shld %cl,%ebx,%eax; shrd %cl,%eax,(%ebx)
    lea 4(%esp),%ecx; lea (%eax,%ebx,2),%edx; lea 0x10(,%eax,8),%esi; lea -0x80(%ebp),%edi
    lea 0x12345678(%eax,%ecx,4),%ebx; lea (%esp,%esi,1),%eax; .byte 0x8d,0x74,0x26,0x00
    /* moves */
    mov %eax,%ebx; mov %al,%bl; mov %ax,%bx; mov $0x12345678,%eax; mov $0x12,%ah; mov $0x1234,%dx
    mov (%eax),%ebx; mov %ebx,(%eax); mov 4(%esp),%eax; mov -4(%ebp),%ecx; mov 0x100(%ebx,%ecx,4),%edx
    movl $0,(%eax); movb $0x41,(%ebx); movw $7,2(%ecx); movl $0x1000,0xc0100000
    mov 0x1234,%eax; mov %eax,0x1234; mov 0x1234,%al; mov %al,0x5678; mov 0x10,%ax
    mov %fs:0,%eax; mov %gs:4,%edx; mov %eax,%gs:8; mov %es:(%edi),%eax; movl $1,%ss:(%ebp)
    mov %ds,%eax; mov %eax,%ds; mov %es,(%ebx); mov (%ebx),%fs; mov %cs,%ax; mov %ax,%ss
    movzbl %al,%eax; movzbl (%ebx),%ecx; movzwl %ax,%eax; movzwl 2(%esi),%edx; movzbw %al,%bx
    movsbl %al,%eax; movsbl -1(%ebp),%ecx; movswl %bx,%eax; movswl (%eax),%eax; movsbw (%ecx),%dx
    xchg %eax,%ebx; xchg %ecx,%eax; xchg %eax,(%ebx); xchg %al,(%ecx); xchg %dx,%ax
    cmove %eax,%ebx; cmovne (%ecx),%edx; cmovl %esi,%edi; cmovg %eax,%eax; cmovbe %eax,%eax
    cmovae %ecx,%edx; cmovs %eax,%eax; cmovns %eax,%eax; cmovo %eax,%eax; cmovp %eax,%eax
    seta %al; setb %cl; sete (%ebx); setne %dl; setl %bl; setge %ah; setle %bh; setg %ch
    setbe %al; setae %al; sets %al; setns %al; setp %al; setnp %al; seto %al; setno %al
    cwtl; cltd; cbtw; cwtd; lahf; sahf
    /* stack and control flow */
    push %eax; push %ebp; pop %edi; push $1; push $0x12345678; push $-1; pushl (%eax); popl 4(%ebx)
    pushw $0x10; push %ax; pop %cx; pushw (%eax); push %cs; push %ds; push %es; push %ss
    push %fs; push %gs; pop %ds; pop %es; pop %fs; pop %gs; pop %ss
    pusha; popa; pushf; popf; pushfw; popfw; pushaw; popaw
    enter $16,$0; enter $8,$1; leave; ret; ret $8; lret; lret $4; iret; iretw
    call *%eax; call *(%eax); call *0x10(%ebx); jmp *%ecx; jmp *(%edx,%eax,4); jmp *0xc0100000(,%eax,4)
    lcall *(%eax); ljmp *(%ebx); lcall $0x08,$0x12345678; ljmp $0x10,$0x100
    int $0x80; int3; into; int1; hlt; cli; sti; cld; std; clc; stc; cmc; nop; pause; ud2
    in $0x60,%al; in $0x71,%eax; in $0x40,%ax; in (%dx),%al; in (%dx),%ax; in (%dx),%eax
    out %al,$0x80; out %eax,$0x20; out %ax,$0x20; out %al,(%dx); out %ax,(%dx); out %eax,(%dx)
    insb; insw; insl; outsb; outsw; outsl; rep insl; rep outsb
    movsb; movsw; movsl; rep movsb; rep movsl; cmpsb; repz cmpsl; repnz cmpsb
    stosb; stosw; stosl; rep stosl; rep stosb; lodsb; lodsl; scasb; repnz scasb; repz scasl
    movsl %fs:(%esi),%es:(%edi); lods %gs:(%esi),%al; xlat; aam; aad; aam $16; daa; das; aaa; aas
    bound %eax,(%ebx); arpl %ax,(%ebx); arpl %cx,%dx; les (%eax),%ebx; lds 4(%ecx),%edx
    lss (%eax),%esp; lfs (%ebx),%ecx; lgs (%ecx),%edx
    /* bit operations and atomics */
    bt %eax,%ebx; bts %ecx,(%edx); btr %eax,%eax; btc %ebx,4(%esi); bt $3,%eax; btsl $31,(%eax)
    btrl $0,(%ebx); btcw $15,(%eax); bsf %eax,%ebx; bsr (%ecx),%edx; bswap %eax; bswap %edi
    lock incl (%eax); lock decl 4(%ebx); lock addl $1,(%ecx); lock xadd %eax,(%edx)
    lock cmpxchg %ecx,(%ebx); cmpxchg %al,(%ecx); lock cmpxchg8b (%esi); xadd %bl,%cl
    lock btsl $0,(%eax); lock orl $0,(%esp); lock andb $0xfe,(%eax); lock xchg %eax,(%ebx)
    /* system instructions */
    cpuid; rdtsc; rdtscp; rdmsr; wrmsr; rdpmc; sysenter; sysexit; syscall; sysret; clts; invd; wbinvd
    lgdt (%eax); lidt 6(%ebx); sgdt (%ecx); sidt (%edx); lldt %ax; sldt %eax; ltr %ax; str %eax
    ltr (%eax); lldt (%ebx); sldt (%ecx); str (%edx); verr %ax; verw (%eax); lar %eax,%ebx; lsl (%eax),%ecx
    smsw %eax; smsw (%eax); lmsw %ax; lmsw (%eax); invlpg (%eax); invlpg 0x1000(%ebx)
    mov %cr0,%eax; mov %cr2,%ebx; mov %cr3,%ecx; mov %cr4,%edx; mov %eax,%cr0; mov %ebx,%cr3; mov %esi,%cr4
    mov %db0,%eax; mov %db6,%ebx; mov %db7,%ecx; mov %eax,%db0; mov %edx,%db7; mov %eax,%db3
    fxsave (%eax); fxrstor (%ebx); ldmxcsr (%eax); stmxcsr 4(%esp); xsave (%eax); xrstor (%ebx)
    clflush (%eax); lfence; mfence; sfence; prefetchnta (%eax); prefetcht0 (%ebx); prefetchw (%ecx)
    monitor; mwait; xgetbv; xsetbv; rsm; rdrand %eax; rdseed %ebx; emms
    nopw 0x0(%eax,%eax,1); nopl 0x0(%eax); nopl (%eax); nopw %cs:0x0(%eax,%eax,1); xchg %ax,%ax
    popcnt %eax,%ebx; tzcnt %ecx,%edx; lzcnt (%eax),%eax; endbr32; repz ret
    /* x87 */
    fld %st(1); fld %st(0); flds (%eax); fldl 8(%esp); fldt (%ebx); filds (%eax); fildl (%eax)
    fildll (%eax); fst %st(2); fsts (%eax); fstl (%eax); fstp %st(1); fstps (%eax); fstpl (%eax); fstpt (%eax)
    fists (%eax); fistl (%eax); fistps (%eax); fistpl (%eax); fistpll (%eax)
    fisttps (%eax); fisttpl (%eax); fisttpll (%eax); fbld (%eax); fbstp (%eax)
    fadd %st(1),%st; fadd %st,%st(1); fadds (%eax); faddl (%eax); faddp; faddp %st,%st(2); fiadds (%eax); fiaddl (%eax)
    fsub %st(1),%st; fsub %st,%st(1); fsubs (%eax); fsubl (%eax); fsubp; fsubp %st,%st(3); fisubl (%eax)
    fsubr %st(1),%st; fsubr %st,%st(1); fsubrs (%eax); fsubrl (%eax); fsubrp; fisubrs (%eax)
    fmul %st(1),%st; fmul %st,%st(1); fmuls (%eax); fmull (%eax); fmulp; fimull (%eax)
    fdiv %st(1),%st; fdiv %st,%st(1); fdivs (%eax); fdivl (%eax); fdivp; fidivl (%eax)
    fdivr %st(1),%st; fdivr %st,%st(1); fdivrs (%eax); fdivrl (%eax); fdivrp; fidivrs (%eax)
    fcom %st(1); fcoms (%eax); fcoml (%eax); fcomp %st(2); fcomps (%eax); fcompl (%eax); fcompp
    ficoms (%eax); ficompl (%eax); fucom %st(1); fucomp %st(1); fucompp; fcomi %st(1),%st; fucomi %st(2),%st
    fcomip %st(1),%st; fucomip %st(3),%st; ftst; fxam; fxch %st(1); fxch
    fchs; fabs; fld1; fldz; fldpi; fldl2e; fldl2t; fldlg2; fldln2; fsqrt; fsin; fcos; fsincos; fptan; fpatan
    f2xm1; fyl2x; fyl2xp1; fscale; frndint; fprem; fprem1; fxtract; fdecstp; fincstp; ffree %st(3); fnop
    fcmovb %st(1),%st; fcmove %st(2),%st; fcmovbe %st(3),%st; fcmovu %st(4),%st
    fcmovnb %st(1),%st; fcmovne %st(2),%st; fcmovnbe %st(3),%st; fcmovnu %st(4),%st
    fwait; fninit; finit; fnclex; fclex; fnstsw %ax; fstsw %ax; fnstsw (%eax); fstsw (%ebx)
    fnstcw (%eax); fstcw (%eax); fldcw (%eax); fnsave (%eax); fsave (%eax); frstor (%eax)
    fnstenv (%eax); fstenv (%eax); fldenv (%eax)
    /* SSE and MMX moves and the usual compiler output */
    movaps %xmm0,%xmm1; movaps (%eax),%xmm2; movaps %xmm3,(%ebx); movups %xmm0,%xmm1; movups (%eax),%xmm7
    movups %xmm6,0x10(%esp); movapd %xmm0,%xmm1; movupd (%eax),%xmm1; movss (%eax),%xmm0; movss %xmm1,(%eax)
    movsd (%eax),%xmm0; movsd %xmm2,8(%esp); movss %xmm1,%xmm2; movsd %xmm3,%xmm4
    movd %eax,%xmm0; movd %xmm1,%ebx; movd (%eax),%xmm2; movd %xmm3,(%ebx); movd %eax,%mm0; movd %mm1,(%eax)
    movq %xmm0,(%eax); movq (%eax),%xmm1; movq %xmm1,%xmm2; movq %mm0,%mm1; movq (%eax),%mm2; movq %mm3,(%ebx)
    movdqa %xmm0,%xmm1; movdqa (%eax),%xmm2; movdqa %xmm3,(%ebx); movdqu (%eax),%xmm4; movdqu %xmm5,(%ecx)
    movlps (%eax),%xmm0; movlps %xmm1,(%eax); movhps (%eax),%xmm0; movhps %xmm1,(%eax); movlpd (%eax),%xmm2
    movhpd %xmm3,(%eax); movhlps %xmm1,%xmm0; movlhps %xmm1,%xmm0; movntps %xmm0,(%eax); movntdq %xmm1,(%eax)
    movnti %eax,(%ebx); movntq %mm0,(%eax); movmskps %xmm0,%eax; pmovmskb %xmm1,%ecx; pmovmskb %mm1,%eax
    pxor %xmm0,%xmm0; pxor %mm1,%mm1; por (%eax),%xmm1; pand %xmm2,%xmm3; pandn %xmm4,%xmm5
    xorps %xmm0,%xmm0; xorpd %xmm1,%xmm1; andps (%eax),%xmm2; andnps %xmm3,%xmm4; orps %xmm5,%xmm6; andpd %xmm0,%xmm1
    addps %xmm0,%xmm1; addss (%eax),%xmm2; addsd %xmm3,%xmm4; addpd (%eax),%xmm5; subss %xmm0,%xmm1; subsd (%eax),%xmm2
    mulss %xmm0,%xmm1; mulsd (%eax),%xmm2; divss %xmm0,%xmm1; divsd %xmm2,%xmm3; sqrtss %xmm0,%xmm1; sqrtsd %xmm0,%xmm1
    minss %xmm0,%xmm1; maxsd %xmm0,%xmm1; minps %xmm0,%xmm1; maxpd %xmm0,%xmm1; rcpps %xmm0,%xmm1; rsqrtss %xmm0,%xmm1
    ucomiss %xmm0,%xmm1; ucomisd (%eax),%xmm2; comiss (%eax),%xmm3; comisd %xmm4,%xmm5
    cvtsi2ss %eax,%xmm0; cvtsi2sd %ebx,%xmm1; cvtsi2ssl (%eax),%xmm2; cvtsi2sdl (%eax),%xmm3
    cvttss2si %xmm0,%eax; cvttsd2si %xmm1,%ebx; cvtss2si (%eax),%ecx; cvtsd2si (%eax),%edx
    cvtss2sd %xmm0,%xmm1; cvtsd2ss %xmm2,%xmm3; cvtss2sd (%eax),%xmm1; cvtsd2ss (%eax),%xmm3
    cvtps2pd %xmm0,%xmm1; cvtpd2ps %xmm0,%xmm1; cvtdq2ps %xmm0,%xmm1; cvtps2dq %xmm0,%xmm1; cvttps2dq %xmm0,%xmm1
    cvtdq2pd %xmm0,%xmm1; cvttpd2dq %xmm0,%xmm1; cvtpd2dq %xmm0,%xmm1
    unpcklps %xmm0,%xmm1; unpckhpd (%eax),%xmm2; shufps $0x1b,%xmm0,%xmm1; shufpd $1,%xmm2,%xmm3
    cmpeqps %xmm0,%xmm1; cmpltss %xmm0,%xmm1; cmpnlesd (%eax),%xmm2; cmpordpd %xmm3,%xmm4
    pshufd $0x4e,%xmm0,%xmm1; pshufw $0,%mm0,%mm1; pshufhw $1,%xmm0,%xmm1; pshuflw $2,(%eax),%xmm1
    paddb %xmm0,%xmm1; paddw %mm0,%mm1; paddd (%eax),%xmm2; paddq %xmm0,%xmm1; psubb %xmm0,%xmm1; psubq %mm1,%mm2
    pcmpeqb %xmm0,%xmm1; pcmpeqw %mm0,%mm1; pcmpeqd %xmm0,%xmm0; pcmpgtb %xmm0,%xmm1; pmullw %xmm0,%xmm1
    punpcklbw %xmm0,%xmm1; punpckhdq %mm0,%mm1; punpcklqdq %xmm0,%xmm1; packuswb %xmm0,%xmm1; packssdw %mm0,%mm1
    psrlw $4,%xmm0; psrld $1,%mm1; psrlq $8,%xmm2; psraw $2,%xmm3; psllq $3,%mm4; pslldq $4,%xmm5; psrldq $8,%xmm6
    psllw %xmm0,%xmm1; psrad (%eax),%xmm2; pmaxub %xmm0,%xmm1; pminsw %mm0,%mm1; pavgb %xmm0,%xmm1; psadbw %xmm0,%xmm1
    pmuludq %xmm0,%xmm1; pmaddwd %xmm0,%xmm1; maskmovq %mm0,%mm1; maskmovdqu %xmm0,%xmm1
    /* prefixes and addressing */
    addr16 mov (%bx,%si),%eax; addr16 mov 4(%bp,%di),%ecx; addr16 mov 0x1234,%edx; addr16 lea (%bx),%ax
    addr16 mov -2(%si),%al; addr16 mov 0x100(%bx),%ebx; addr16 movl $5,(%di); addr16 movsb; .byte 0x67,0xf3,0xab
    jcxz .+4; .byte 0x66,0x90; .byte 0x2e,0x90; .byte 0x64,0x90
    mov %es:0x10,%eax; mov %cs:(%eax),%ebx; mov %ss:4(%esp),%ecx; mov %ds:(%ebp),%edx
    mov (,%eax,1),%eax; mov (,%ebx,2),%eax; mov 0x4(,%ecx,8),%eax; mov (%eax,%eax,8),%eax
    mov -0x80000000(%eax),%ebx; mov 0x7fffffff(%ebx),%ecx; mov 0xffffffff,%eax; movl $0xffffffff,-4(%ebp)
    /* branches at both ends of their ranges */
1:  jmp 1b; jmp 2f; je 1b; jne 2f; jb 1b; jae 1b; jbe 1b; ja 1b; js 1b; jns 1b; jp 1b; jnp 1b
    jl 1b; jge 1b; jle 1b; jg 1b; jo 1b; jno 1b; loop 1b; loope 1b; loopne 1b; jecxz 1b; call 1b
    .fill 130, 1, 0x90
2:  jmp 1b; je 1b; jne 3f; call 3f; jmp 3f
    .fill 200, 1, 0x90
3:  ret
    /* prefix corner cases */
    .byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x90
    .byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x90
    .byte 0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x66,0x8b,0x00
    .byte 0xf3,0xf2,0xa4; .byte 0xf2,0xf3,0xa6; .byte 0xf0,0xf3,0x01,0x00; .byte 0xf3,0xf0,0x01,0x00
    .byte 0x2e,0x3e,0x8b,0x00; .byte 0x64,0x65,0xa1,0,0,0,0; .byte 0x66,0x67,0xa5; .byte 0x67,0x66,0xad
    .byte 0x9b,0x66,0xd9,0x38; .byte 0x66,0x9b,0xd9,0x30; .byte 0x9b,0x9b; .byte 0x9b,0x2e,0xd9,0x00
    .byte 0xf0,0x8b,0x00; .byte 0xf0,0x90; .byte 0xf0,0x01,0xc0; .byte 0xf3,0x0f,0x58,0x00,0x66
    .byte 0x66,0xf3,0x0f,0x6f,0x00; .byte 0xf3,0x66,0x0f,0x6f,0x00; .byte 0xf2,0xf3,0x0f,0x10,0x00
    .byte 0x3e,0xff,0xe0; .byte 0x3e,0xff,0x10; .byte 0x2e,0x0f,0x84,0,0,0,0; .byte 0x3e,0xe3,0x00
    .byte 0x26,0xd7; .byte 0x67,0xd7; .byte 0x36,0x67,0xa4; .byte 0x65,0x67,0x8b,0x44,0x10
    .byte 0x66,0x0f,0x1f,0x00; .byte 0x66,0xc8,0x10,0x00,0x01; .byte 0x66,0xc9; .byte 0x66,0x60
    .byte 0x66,0xe3,0x00; .byte 0x66,0xe2,0x00; .byte 0x66,0x70,0x00; .byte 0x66,0x0f,0x80,0,0
    .byte 0x66,0xff,0x20; .byte 0x66,0xff,0xe0; .byte 0x66,0xff,0x28; .byte 0x66,0x8c,0x00
    .byte 0x66,0x8e,0x00; .byte 0x66,0x8e,0xc0; .byte 0x66,0x62,0x00; .byte 0x66,0xc4,0x00
    .byte 0x66,0x0f,0xb2,0x00; .byte 0x66,0x0f,0x01,0x18; .byte 0x66,0x0f,0x00,0x08; .byte 0x66,0x0f,0x01,0x20
    .byte 0x66,0xcd,0x80; .byte 0x66,0xd4,0x0a; .byte 0x66,0x0f,0xa2; .byte 0x66,0xf4; .byte 0x66,0x9b
    .byte 0x66,0x6c; .byte 0x66,0x6d; .byte 0x66,0xf3,0x6f; .byte 0x67,0xf3,0x6c
    .byte 0x66,0xd9,0x00; .byte 0x66,0xdd,0x00; .byte 0x66,0xdf,0x38; .byte 0x67,0xd9,0x06,0x34,0x12
    .byte 0x66,0x0f,0xae,0x00; .byte 0x66,0x0f,0xc7,0x08; .byte 0x66,0x0f,0xc8; .byte 0x66,0x0f,0x20,0xc0
    .byte 0x66,0x0f,0xba,0x20,0x01; .byte 0x66,0x0f,0xa4,0x00,0x01; .byte 0x66,0x0f,0x40,0xc0
    .byte 0x66,0x0f,0x90,0xc0; .byte 0x66,0x0f,0xb0,0x00; .byte 0x66,0x0f,0xc0,0x00
    /* rarer two-byte forms */
    vmread %eax,%ecx; vmwrite (%eax),%ebx; haddps %xmm0,%xmm1; haddpd (%eax),%xmm2; hsubps %xmm0,%xmm1
    addsubpd %xmm0,%xmm1; addsubps (%eax),%xmm2; lddqu (%eax),%xmm3; pinsrw $3,%eax,%xmm1; pinsrw $1,(%eax),%mm2
    pextrw $2,%xmm3,%eax; pextrw $1,%mm4,%ecx; ud1 (%eax),%eax; ud0 %ecx,%edx; femms; getsec
    .byte 0x0f,0x24,0xc8; .byte 0x0f,0x26,0xd9; cldemote (%eax); nopl 0x0(%eax,%eax,1); .byte 0x0f,0x19,0x00
    /* three-byte maps (SSSE3, SSE4, AES, CLMUL, crc32, movbe) */
    pshufb %xmm0,%xmm1; pshufb (%eax),%mm1; palignr $4,%xmm0,%xmm1; palignr $1,(%eax),%mm2
    pblendvb %xmm0,%xmm2,%xmm1; blendvps %xmm0,(%eax),%xmm3; ptest %xmm0,%xmm1; pmovzxbw (%eax),%xmm0
    pmovsxbd (%eax),%xmm1; pmovzxbq (%eax),%xmm2; pmovzxdq %xmm3,%xmm4; movntdqa (%eax),%xmm0
    pextrb $1,%xmm0,%eax; pextrb $2,%xmm0,(%eax); pextrw $3,%xmm1,(%ebx); pextrd $1,%xmm2,%ecx; extractps $2,%xmm3,(%eax)
    pinsrb $1,%eax,%xmm0; pinsrb $2,(%eax),%xmm1; pinsrd $3,(%ebx),%xmm2; insertps $0x10,%xmm1,%xmm2; insertps $0x10,(%eax),%xmm2
    roundss $1,(%eax),%xmm0; roundsd $2,%xmm1,%xmm2; roundps $0,%xmm1,%xmm2; dpps $0xff,%xmm0,%xmm1
    pclmulqdq $0,%xmm0,%xmm1; pclmulqdq $0x11,(%eax),%xmm1; pclmulqdq $0x10,%xmm0,%xmm1; pclmulqdq $5,%xmm0,%xmm1
    pcmpistri $0x0c,%xmm0,%xmm1; aesenc %xmm0,%xmm1; aesimc (%eax),%xmm2; aeskeygenassist $1,%xmm0,%xmm1
    crc32b %al,%eax; crc32w %ax,%eax; crc32l (%eax),%ebx; crc32b (%eax),%ecx; movbe (%eax),%ebx; movbe %ecx,(%edx); movbe (%eax),%bx
    pmulld %xmm0,%xmm1; pminsb %xmm0,%xmm1; phminposuw %xmm0,%xmm1; mpsadbw $1,%xmm0,%xmm1
    .byte 0x3e,0x2e,0x74,0
    .byte 0x2e,0x3e,0x74,0
    .byte 0x3e,0x64,0x74,0
    .byte 0x64,0x3e,0x74,0
    .byte 0x2e,0x3e,0xe3,0
    .byte 0xf2,0xf0,0xdf,0x7e,0x4f; .byte 0xf0,0xf0,0x92; .byte 0x2e,0x64,0xe2,0x00; .byte 0xf2,0xf0,0x01,0x00; .byte 0xf3,0xf0,0x0f,0xc1,0x00; .byte 0xf2,0xf0,0x39,0x00
    /* every 0F 01 register form */
    .byte 0x0f,0x01,0xc0
    .byte 0x0f,0x01,0xc1
    .byte 0x0f,0x01,0xc2
    .byte 0x0f,0x01,0xc3
    .byte 0x0f,0x01,0xc4
    .byte 0x0f,0x01,0xc5
    .byte 0x0f,0x01,0xc6
    .byte 0x0f,0x01,0xc7
    .byte 0x0f,0x01,0xc8
    .byte 0x0f,0x01,0xc9
    .byte 0x0f,0x01,0xca
    .byte 0x0f,0x01,0xcb
    .byte 0x0f,0x01,0xcc
    .byte 0x0f,0x01,0xcd
    .byte 0x0f,0x01,0xce
    .byte 0x0f,0x01,0xcf
    .byte 0x0f,0x01,0xd0
    .byte 0x0f,0x01,0xd1
    .byte 0x0f,0x01,0xd2
    .byte 0x0f,0x01,0xd3
    .byte 0x0f,0x01,0xd4
    .byte 0x0f,0x01,0xd5
    .byte 0x0f,0x01,0xd6
    .byte 0x0f,0x01,0xd7
    .byte 0x0f,0x01,0xd8
    .byte 0x0f,0x01,0xd9
    .byte 0x0f,0x01,0xda
    .byte 0x0f,0x01,0xdb
    .byte 0x0f,0x01,0xdc
    .byte 0x0f,0x01,0xdd
    .byte 0x0f,0x01,0xde
    .byte 0x0f,0x01,0xdf
    .byte 0x0f,0x01,0xe0
    .byte 0x0f,0x01,0xe1
    .byte 0x0f,0x01,0xe2
    .byte 0x0f,0x01,0xe3
    .byte 0x0f,0x01,0xe4
    .byte 0x0f,0x01,0xe5
    .byte 0x0f,0x01,0xe6
    .byte 0x0f,0x01,0xe7
    .byte 0x0f,0x01,0xe8
    .byte 0x0f,0x01,0xe9
    .byte 0x0f,0x01,0xea
    .byte 0x0f,0x01,0xeb
    .byte 0x0f,0x01,0xec
    .byte 0x0f,0x01,0xed
    .byte 0x0f,0x01,0xee
    .byte 0x0f,0x01,0xef
    .byte 0x0f,0x01,0xf0
    .byte 0x0f,0x01,0xf1
    .byte 0x0f,0x01,0xf2
    .byte 0x0f,0x01,0xf3
    .byte 0x0f,0x01,0xf4
    .byte 0x0f,0x01,0xf5
    .byte 0x0f,0x01,0xf6
    .byte 0x0f,0x01,0xf7
    .byte 0x0f,0x01,0xf8
    .byte 0x0f,0x01,0xf9
    .byte 0x0f,0x01,0xfa
    .byte 0x0f,0x01,0xfb
    .byte 0x0f,0x01,0xfc
    .byte 0x0f,0x01,0xfd
    .byte 0x0f,0x01,0xfe
    .byte 0x0f,0x01,0xff
    .byte 0x0f,0x1b,0xff; .byte 0x0f,0x1a,0xc8; .byte 0x0f,0x1b,0xc1; .byte 0x0f,0x1a,0xd3
    .byte 0xf2,0x3e,0x7b,0x00; .byte 0xf2,0x26,0x78,0x00; .byte 0x3e,0xf2,0x74,0x00; .byte 0xf2,0x2e,0xe8,0,0,0,0; .byte 0xf2,0x3e,0xff,0xd0
    .byte 0x9b,0x65,0x90
    .byte 0x9b,0x65,0x66,0x90
    .byte 0x9b,0x66,0x90
    .byte 0x66,0x9b,0x90
    .byte 0x9b,0xf3,0x90
    .byte 0x9b,0x65,0xd9,0x00
    .byte 0x9b,0x64,0x9b,0x90
    .byte 0x9b,0x0f,0x0b
