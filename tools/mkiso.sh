#!/usr/bin/env bash
# mkiso.sh OUT.iso KERNEL "cmdline" MODULE...
# Builds a BIOS-bootable GRUB ISO (for Bochs, which cannot load multiboot
# kernels itself). Each MODULE is booted as /boot/<name>.elf with command line
# <name>, in the order given; a MODULE "FILE ARGS" adds ARGS to that line.
set -eu -o pipefail

die() { printf 'mkiso.sh: %s\n' "$*" >&2; exit 2; }
[ $# -ge 3 ] || die "usage: mkiso.sh OUT.iso KERNEL \"cmdline\" MODULE..."
out=$1 kernel=$2 cmdline=$3
shift 3
[ -f "$kernel" ] || die "no such kernel: $kernel"
command -v grub-mkrescue >/dev/null || die "grub-mkrescue not found; run tools/deps.sh --install bochs"
[ -d /usr/lib/grub/i386-pc ] || die "GRUB BIOS modules missing (package grub-pc-bin); run tools/deps.sh --install bochs"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pecan-iso.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/root/boot/grub"

# GRUB's script parser treats $ ; ' " \ etc. specially: quote each word of the
# command line in single quotes ('\'' for a quote inside) so it reaches the
# kernel verbatim. GRUB joins the words with single spaces.
grub_quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
args=
read -r -a words <<<"$cmdline" || true
for w in ${words[@]+"${words[@]}"}; do args+=" $(grub_quote "$w")"; done

cp -- "$kernel" "$tmp/root/boot/pecan.elf"
{
    echo 'set timeout=0'
    echo 'set default=0'
    echo 'menuentry "Pecan" {'
    echo "    multiboot /boot/pecan.elf$args"
    for spec in "$@"; do
        # "FILE ARGS": ARGS follow the name on the module's command line.
        m=${spec%% *} margs=
        [ "$m" = "$spec" ] || read -r -a words <<<"${spec#* }"
        if [ "$m" != "$spec" ]; then
            for w in "${words[@]}"; do margs+=" $(grub_quote "$w")"; done
        fi
        [ -f "$m" ] || die "no such module: $m"
        name=$(basename -- "$m"); name=${name%.elf}
        case $name in *[!A-Za-z0-9_.-]*|'') die "module name '$name' needs to be [A-Za-z0-9_.-]+" ;; esac
        [ ! -e "$tmp/root/boot/$name.elf" ] || die "two modules named $name"
        cp -- "$m" "$tmp/root/boot/$name.elf"
        echo "    module /boot/$name.elf $name$margs"
    done
    echo '    boot'
    echo '}'
} >"$tmp/root/boot/grub/grub.cfg"

# Only the BIOS platform (-d), no locales/themes/extra fonts: smaller and
# faster, and no mtools/EFI image even if grub-efi happens to be installed.
mkdir -p -- "$(dirname -- "$out")"
if ! grub-mkrescue -d /usr/lib/grub/i386-pc --locales= --themes= --fonts= \
        -o "$out" "$tmp/root" >"$tmp/log" 2>&1; then
    cat -- "$tmp/log" >&2
    die "grub-mkrescue failed"
fi
