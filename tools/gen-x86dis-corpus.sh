#!/bin/sh
# Regenerates tests/host/x86dis_corpus.inc, the test corpus of
# tests/host/test_x86dis.c: the hand-written tests/host/x86dis_corpus.S plus
# a generated sweep over the opcode maps (every one-byte opcode, the 0F map,
# the x87 escapes, with memory and register ModRM forms, SIB and
# displacement forms, and prefixes; each case sits in its own 16-byte slot
# padded with 0x90, so immediates and displacements read 0x90 bytes),
# assembled with `gcc -m32 -c` and disassembled by objdump in both syntaxes
# (tools/x86dis-objdump.sh). Needs gcc and binutils; the generated file is
# checked in, so the host tests do not.
#
#   tools/gen-x86dis-corpus.sh [-f] [-1] [-16] [-l listing] [out.inc]
#     -f          full sweep: all eight ModRM reg values for every opcode
#                 (the checked-in corpus varies reg only where it selects
#                 the instruction: groups, x87); about 4x larger
#     -1          the hand-written part only, no sweep
#     -16         16-bit code: everything assembled after .code16 and
#                 disassembled with -M i8086 (x86dis_code16); the default
#                 output is then tests/host/x86dis_corpus16.inc
#     -l listing  also keep objdump's listing (tools/x86dis-objdump.sh
#                 format), e.g. for build/host/x86dis_check
set -e
cd "$(dirname "$0")/.."
full=0
nosweep=0
code16=
listing=
for a in "$@"; do
    case $a in
    -16) code16=-16 ;;
    *) set -- "$@" "$a" ;;
    esac
    shift
done
while getopts f1l: opt; do
    case $opt in
    f) full=1 ;;
    1) nosweep=1 ;;
    l) listing=$OPTARG ;;
    *) echo "usage: $0 [-f] [-1] [-16] [-l listing] [out.inc]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
out=${1:-tests/host/x86dis_corpus${code16#-}.inc}
tmp=${TMPDIR:-/tmp}/x86dis-corpus.$$
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT

# Left out of the sweep (not covered, see docs/kdb.md "Disassembler"):
# 0f 0f (3DNow!), 0f 1a/1b (MPX), 0f 78/79 (prefixed: SSE4a extrq/insertq),
# the 0f 38 / 0f 3a opcodes listed in skip3 (VMX invept..., SHA, GFNI, Key
# Locker, adcx/adox, movdir*, enqcmd, CET shadow-stack stores, RAO-INT),
# c4/c5/62 with a register ModRM (VEX and EVEX prefixes). Undefined opcodes
# are swept: they must print "(bad)".
awk -v full=$full 'BEGIN {
    # memory forms for every reg value; SIB, disp8, disp32, absolute
    nm = split("00 08 10 18 20 28 30 38 04,88 44,24,f0 84,8d,78,56,34,12 05,78,56,34,12 45,fc c1 ca d3 dc e5 ee f7 f8 ff", M, " ")
    # opcodes whose ModRM reg field selects the instruction
    split("80 81 82 83 8f c0 c1 c6 c7 d0 d1 d2 d3 f6 f7 fe ff", G1, " ")
    for (i in G1) grp1[G1[i]] = 1
    split("00 01 0d 18 71 72 73 ae ba c7", G2, " ")
    for (i in G2) grp2[G2[i]] = 1
    skip1["0f"] = 1; skip1["9b"] = 1
    split("26 2e 36 3e 64 65 66 67 f0 f2 f3", P, " ")
    for (i in P) skip1[P[i]] = 1
    split("0f 38 3a 1a 1b 78 79", S, " ")
    for (i in S) skip2[S[i]] = 1
    # three-byte opcodes of extensions x86dis leaves out (docs/kdb.md)
    split("38,80 38,81 38,82 38,c8 38,c9 38,ca 38,cb 38,cc 38,cd 38,cf 38,d8 38,dc 38,dd 38,de 38,df 38,f5 38,f6 38,f8 38,f9 38,fa 38,fb 38,fc 3a,cc 3a,ce 3a,cf", S3, " ")
    for (i in S3) skip3[S3[i]] = 1
    for (op = 0; op < 256; op++) {
        o = sprintf("%02x", op)
        if (o in skip1) continue
        for (m = 1; m <= nm; m++) {
            if ((o == "c4" || o == "c5" || o == "62") && M[m] ~ /^[c-f]/) continue
            if (!full && !(o in grp1) && !keep(M[m])) continue
            slot(o "," M[m])
        }
        slot("66," o ",00"); slot("66," o ",c1"); slot("67," o ",00"); slot("67," o ",46,fc")
        slot("67," o ",06,34,12"); slot("64," o ",00"); slot("f3," o); slot("f2," o); slot("2e," o)
    }
    for (op = 0; op < 256; op++) {
        o = sprintf("%02x", op)
        if (o in skip2) continue
        for (m = 1; m <= nm; m++) {
            if (!full && !(o in grp2) && !keep(M[m])) continue
            slot("0f," o "," M[m])
            if (M[m] == "00" || M[m] == "c1" || M[m] == "dc" || M[m] == "f7") {
                slot("66,0f," o "," M[m]); slot("f3,0f," o "," M[m]); slot("f2,0f," o "," M[m])
            }
        }
    }
    for (map = 0; map < 2; map++) {
        mp = map ? "3a" : "38"
        for (op = 0; op < 256; op++) {
            o = sprintf("%02x", op)
            if ((mp "," o) in skip3) continue
            for (m = 1; m <= nm; m++) {
                if (!keep(M[m]) && !full) continue
                slot("0f," mp "," o "," M[m])
                if (M[m] == "00" || M[m] == "c1") {
                    slot("66,0f," mp "," o "," M[m]); slot("f3,0f," mp "," o "," M[m])
                    slot("f2,0f," mp "," o "," M[m])
                }
            }
        }
    }
    for (op = 216; op < 224; op++) {
        o = sprintf("%02x", op)
        for (m = 0; m < 256; m++) {
            if (m < 192 && m % 8 != 0) continue
            slot(o "," sprintf("%02x", m))
            if (m < 192 || op == 219 || op == 223) slot("9b," o "," sprintf("%02x", m))
        }
    }
}
function keep(modrm) {
    return modrm !~ /^(08|10|18|20|28|30|38|ca|d3|e5|ee|ff)$/
}
function slot(bytes,   n, b, i, line) {
    n = split(bytes, b, ",")
    line = "    .byte "
    for (i = 1; i <= n; i++) line = line (i > 1 ? "," : "") "0x" b[i]
    print line
    print "    .fill " 16 - n ", 1, 0x90"
}' > "$tmp/sweep.S"

[ $nosweep = 0 ] || : > "$tmp/sweep.S"
{
    [ -z "$code16" ] || echo "    .code16"
    cat tests/host/x86dis_corpus.S
    echo "    .p2align 4, 0x90"
    cat "$tmp/sweep.S"
} > "$tmp/corpus.S"
gcc -m32 -c "$tmp/corpus.S" -o "$tmp/corpus.o"
tools/x86dis-objdump.sh $code16 "$tmp/corpus.o" > "$tmp/corpus.lst"
[ -z "$listing" ] || cp "$tmp/corpus.lst" "$listing"

# One entry per instruction: address, the bytes the disassembler gets (the
# instruction's own; for "(bad)" and fwait the next 15 bytes), expected length (-1
# for "(bad)") and both texts. The single-byte nops that pad the sweep's
# slots are left out, and so is an instruction seen before with the same
# bytes and text (padding after a short instruction often decodes alike).
awk -F'|' '
    BEGIN { n = 0 }
    function cstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return "\"" s "\"" }
    /^S/ || NF < 4 || $1 == "" { next }
    {
        addr[n] = $1; off[n] = length(stream) / 2; hex[n] = $2
        att[n] = $3; intel[n] = $4
        stream = stream $2
        n++
    }
    END {
        print "/* Generated by tools/gen-x86dis-corpus.sh from tests/host/x86dis_corpus.S"
        print " * and the opcode sweep, disassembled by objdump. Do not edit. */"
        for (i = 0; i < n; i++) {
            if (hex[i] == "90" && i > 0 && hex[i - 1] == "90" && i + 1 < n && hex[i + 1] == "90")
                continue
            if (hex[i] == "90" && off[i] % 16 != 0 && i > 1100)
                continue
            if ((hex[i] "|" att[i]) in seen)
                continue                # the same bytes and text again
            seen[hex[i] "|" att[i]] = 1
            # Any "(bad)" (also "data16 (bad)", "(bad) (%eax)") is an
            # undecodable instruction: x86dis returns -1 and prints "(bad)".
            if (att[i] ~ /\(bad\)/)
                printf "{ 0x%s, \"%s\", -1, \"(bad)\", \"(bad)\" },\n", addr[i], substr(stream, 2 * off[i] + 1, 30)
            else if (att[i] ~ /fwait$/)
                # objdump decides where an fwait ends by the bytes after it
                printf "{ 0x%s, \"%s\", %d, %s, %s },\n", addr[i], substr(stream, 2 * off[i] + 1, 30), length(hex[i]) / 2, cstr(att[i]), cstr(intel[i])
            else
                printf "{ 0x%s, \"%s\", %d, %s, %s },\n", addr[i], hex[i], length(hex[i]) / 2, cstr(att[i]), cstr(intel[i])
        }
    }' "$tmp/corpus.lst" > "$out"
echo "$out: $(grep -c '^{ 0x' "$out") instructions"
