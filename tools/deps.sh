#!/usr/bin/env bash
# deps.sh [--check|--install] GROUP...
# The one list of Debian 12 packages Pecan needs, by group. --check (default)
# exits 1 if any is missing; --install installs missing ones as root, or
# prints the sudo command to run and exits 1. Silent when all are present.
set -eu -o pipefail

usage() {
    cat <<'EOF'
usage: deps.sh [--check|--install] GROUP...
groups: build host-test trace qemu bochs debug all
EOF
}

pkgs_of() {
    case $1 in
        build)     echo make gcc gcc-multilib binutils ;;
        host-test) echo libcmocka-dev pkg-config python3 ;;
        # The trace and profile tools (tools/trace2chrome, tools/prof-top)
        # and their tests: Python 3 and matplotlib for the PNG timeline.
        trace)     echo python3 python3-matplotlib ;;
        qemu)      echo qemu-system-x86 ;;
        # bochs depends on "bochs-wx | bochs-gui"; naming bochs-term (the
        # ncurses display plugin, libbx_term_gui.so, which provides bochs-gui)
        # satisfies that without pulling in wxWidgets.
        bochs)     echo bochs bochs-term bochsbios vgabios grub-pc-bin grub-common xorriso mtools ;;
        debug)     echo gdb ;;
        all)       echo "$(pkgs_of build) $(pkgs_of host-test) $(pkgs_of trace) $(pkgs_of qemu) $(pkgs_of bochs) $(pkgs_of debug)" ;;
        *)         return 1 ;;
    esac
}

# On a machine without dpkg we can only look for the programs themselves.
cmds_of() {
    case $1 in
        build)     echo make gcc ld ;;
        host-test) echo pkg-config python3 ;;
        trace)     echo python3 ;;
        qemu)      echo qemu-system-i386 ;;
        bochs)     echo bochs grub-mkrescue xorriso ;;
        debug)     echo gdb ;;
        all)       echo make gcc ld pkg-config python3 qemu-system-i386 bochs grub-mkrescue xorriso gdb ;;
    esac
}

mode=check
case ${1:-} in
    --check)   mode=check; shift ;;
    --install) mode=install; shift ;;
    -h|--help) usage; exit 0 ;;
esac
[ $# -gt 0 ] || { usage >&2; exit 2; }

want=()
for g in "$@"; do
    list=$(pkgs_of "$g") || { echo "deps.sh: unknown group '$g'" >&2; usage >&2; exit 2; }
    for p in $list; do want+=("$p"); done
done

if ! command -v dpkg-query >/dev/null; then
    missing=()
    for g in "$@"; do for c in $(cmds_of "$g"); do
        command -v "$c" >/dev/null || missing+=("$c")
    done; done
    [ ${#missing[@]} -eq 0 ] && exit 0
    echo "deps.sh: not Debian; missing programs: ${missing[*]}" >&2
    echo "deps.sh: the Debian packages would be: ${want[*]}" >&2
    exit 1
fi

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}
missing=()
for p in "${want[@]}"; do
    installed "$p" || case " ${missing[*]-} " in *" $p "*) ;; *) missing+=("$p") ;; esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$mode" = check ]; then
    echo "deps.sh: missing packages: ${missing[*]}" >&2
    echo "deps.sh: install them with: tools/deps.sh --install $*" >&2
    exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "deps.sh: missing packages; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi
echo "deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# Recommends are left out on purpose: for qemu-system-x86 they are the GUI,
# OVMF and block drivers, hundreds of MB the tests never use.
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
# Verify, so a package that apt skipped is reported here and not as a
# confusing failure later.
still=()
for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
if [ ${#still[@]} -gt 0 ]; then
    echo "deps.sh: still missing after install: ${still[*]}" >&2
    exit 1
fi
