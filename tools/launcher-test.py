#!/usr/bin/env python3
"""Scripted session with the `make run` launcher shell (user/root/shell.c).

Boots the kernel with sigma0 and the demo root task under QEMU -icount
(deterministic guest; COM1 on QEMU's stdin/stdout), types commands into
the serial line and checks what each one prints before the next prompt.
Prints one "ok N - ..." / "not ok N - ..." line per check and, last,
"NAME: N passed, N failed" (tools/sum-results.sh reads it).

Usage: launcher-test.py [--name N] [--log FILE] [--result FILE]
                        [--timeout S] [--space small|large] [--short]
                        KERNEL SIGMA0 ROOT
--space: where the root task puts the driver tasks and the echo server
(docs/smallspaces.md; large: ROOT carries the module option nosmall);
each of those demos must say so. --short: only the boot, pingpong,
serial, kbd, the break key and exit (suites root-small, root-nosmall).
Environment: V=1 echoes the serial output live.
"""
import argparse
import os
import re
import subprocess
import sys
import threading
import time

PROMPT = "pecan> "


class Guest:
    """QEMU with the guest's serial line on pipes; output kept whole."""

    def __init__(self, cmd, log):
        self.log = open(log, "wb") if log else None
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.out = ""
        self.mark = 0               # where the current command's output starts
        self.eof = False            # QEMU's output read to its end
        self.cv = threading.Condition()
        self.reader = threading.Thread(target=self._reader, daemon=True)
        self.reader.start()

    def _reader(self):
        while True:
            b = self.proc.stdout.read1(4096)
            if not b:
                break
            if self.log:
                self.log.write(b)
                self.log.flush()
            if os.environ.get("V") == "1":
                sys.stderr.write(b.decode("latin-1"))
            with self.cv:
                self.out += b.decode("latin-1").replace("\r", "")
                self.cv.notify_all()
        with self.cv:
            self.eof = True
            self.cv.notify_all()

    def wait_for(self, pattern, timeout):
        """Waits until pattern (a regex) appears after the mark; returns
        the output from the mark to the end of the match, or None."""
        rx = re.compile(pattern, re.M)
        end = time.time() + timeout
        with self.cv:
            while True:
                m = rx.search(self.out, self.mark)
                if m:
                    return self.out[self.mark:m.end()]
                left = end - time.time()
                if left <= 0 or self.eof:
                    m = rx.search(self.out, self.mark)
                    return self.out[self.mark:m.end()] if m else None
                self.cv.wait(min(left, 0.5))

    def send(self, text):
        with self.cv:
            self.mark = len(self.out)
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def command(self, line, timeout, extra=""):
        """Types line (and Enter, then `extra` at once); returns everything
        printed up to the next prompt, or None if none came."""
        self.send(line + "\r" + extra)
        return self.wait_for("^" + re.escape(PROMPT), timeout)


class Checks:
    def __init__(self):
        self.n = self.failed = 0
        self.report = []            # every line printed, for --result

    def say(self, line):
        print(line)
        sys.stdout.flush()
        self.report.append(line)

    def ok(self, cond, what, text=None):
        self.n += 1
        self.say(("ok %d - %s" if cond else "not ok %d - %s") % (self.n, what))
        if not cond:
            self.failed += 1
            for line in (text or "(no output)").splitlines()[-25:]:
                self.say("#   " + line)
        return cond


def has(text, *patterns):
    return text is not None and all(re.search(p, text, re.M) for p in patterns)


def space_lines(space, demo):
    """What `demo` says about its task's space at its start and end."""
    if space == "small":
        return [r"^%s: task in a small space \(32 MiB window at 0\)" % demo,
                r"^%s: task still in its small space at its end" % demo]
    return [r"^%s: task in a large space \(nosmall\)" % demo]


def session(g, c, t, space, short):
    out = g.wait_for("^" + re.escape(PROMPT), t)
    policy = (r"^root task: driver tasks and the echo server in small spaces" if space == "small"
              else r"^root task: driver tasks and the echo server in large spaces \(nosmall\)")
    c.ok(has(out, policy, r"^root task: launcher shell started as thread",
             r"^Pecan launcher shell; 'help' lists"),
         "boot reaches the shell prompt; the root task names the %s-space policy" % space, out)
    if not short:
        general(g, c, t)
    demos(g, c, t, space)
    if not short:
        after_demos(g, c, t)
    g.send("exit\r")
    out = g.wait_for(r"^pecan: shutdown requested by thread [0-9a-f]+, code 0", t)
    try:
        status = g.proc.wait(t)
    except subprocess.TimeoutExpired:
        status = None
    c.ok(out is not None and status == 33, "exit shuts the machine down (QEMU status %s)" % status,
         out)


def general(g, c, t):

    out = g.command("help", t)
    c.ok(has(out, r"^  help +this list", r"^  ps +threads", r"^  kdb +enter the kernel debugger",
             r"^  exit ", r"^  pingpong ", r"^  vmm ", r"^  ds ", r"^  serial ", r"^  kbd "),
         "help lists the commands and the five demos", out)

    out = g.command("ps", t)
    c.ok(has(out, r"^  ID +NO\.VER +NAME +SPACE +STATE +PRIO +PARTNER",
             r"^  [0-9a-f]{8} +60\.1 +shell +\d+ +running +\d+ +- +privileged",
             r"^  [0-9a-f]{8} +48\.1 +sigma0 +\d+ +recv +\d+ +any +privileged",
             r"^  [0-9a-f]{8} +50\.1 +root +\d+ +recv +\d+ ",
             r"^  [0-9a-f]{8} +32\.1 +idle +kernel +ready",
             r"^ps: \d+ threads in 2 user spaces"),
         "ps: the shell running, sigma0 waiting for anyone, root asleep, the idle thread; "
         "two user spaces", out)

    out = g.command("frobnicate", t)
    c.ok(has(out, r"^shell: unknown command 'frobnicate'; 'help' lists the commands"),
         "an unknown command is named and refused", out)

    out = g.command("vmm", 4 * t)
    c.ok(has(out, r"^shell: starting demo vmm", r"^guest: booting",
             r"^guest: user process says 5050",
             r"^vmm: guest stopped: unknown instruction at [0-9a-f]+ \(its last instruction",
             r"^vmm: \d+ exits, \d+ page faults", r"^shell: demo vmm finished"),
         "vmm: the guest boots in its own task, runs to its end, back to the shell", out)

    out = g.command("vmm", 4 * t)
    c.ok(has(out, r"^guest: user process says 5050", r"^shell: demo vmm finished"),
         "vmm runs a second time from a fresh guest image", out)

    out = g.command("ds", 4 * t)
    c.ok(has(out, r"^ds client: file root\.elf \(\d+ bytes\) attached read-only at 40000000: "
                  r"starts 7f 'ELF'",
             r"^ds client: 8 anonymous pages at 50000000 written and read back, 0 bad words; "
             r"the region manager resolved \d+ faults",
             r"^ds: \d+ faults resolved through regions, \d+ passed on to us",
             r"^shell: demo ds finished"),
         "ds: a file and anonymous memory mapped through a region manager", out)


def demos(g, c, t, space):
    """The demos whose tasks the policy puts into small spaces."""
    out = g.command("pingpong", 4 * t)
    c.ok(has(out, *space_lines(space, "pingpong")) and
         has(out, r"^pingpong: echo task [0-9a-f]+ in its own space",
             r"^pingpong: round 1: \d+ ticks per round trip",
             r"^pingpong: round 8: \d+ ticks per round trip",
             r"^pingpong: best \d+ ticks", r"^shell: demo pingpong finished"),
         "pingpong: eight rounds of live figures (%s space), then back to the shell" % space, out)

    out = g.command("pingpong", 4 * t, extra="q")
    c.ok(has(out, r"^pingpong: stopped after \d+ rounds", r"^shell: demo pingpong finished"),
         "pingpong: 'q' stops it early", out)

    out = g.command("serial", 4 * t, extra="hi\rq")
    c.ok(has(out, *space_lines(space, "serial")) and
         has(out, r"^serial driver: type keys", r"^hi$", r"^serial driver: 'q' typed, bye",
             r"^shell: demo serial finished"),
         "serial: the driver task (%s space) echoes typed keys and ends on 'q'" % space, out)

    out = g.command("kbd", 4 * t)
    c.ok(has(out, *space_lines(space, "kbd")) and
         has(out, r"^kbd driver: scancode 19 'p'", r"^kbd driver: scancode 31 'n'",
             r"^kbd driver: Enter, bye", r"^shell: demo kbd finished"),
         "kbd: the keyboard driver task (%s space) decodes the typed scancodes and ends on Enter"
         % space, out)

    # The serial driver gave IRQ 4 back when its task ended: the kernel's
    # break key works again at the prompt (then `c` and Enter for the
    # shell's prompt).
    g.send("\x1b")
    out = g.wait_for(r"--- KDB: break key", min(t, 10))
    if out is not None:
        g.send("c\r\r")
        out = (out or "") + (g.wait_for("^" + re.escape(PROMPT), 4 * t) or "")
    c.ok(has(out, r"--- KDB: break key", r"^" + re.escape(PROMPT)),
         "the break key enters the kernel debugger after the serial demo", out)


def after_demos(g, c, t):
    out = g.command("ps", t)
    c.ok(has(out, r"^ps: \d+ threads in 2 user spaces") and
         not has(out, r"pingpong|serial-drv|kbd-drv|vmm-guest|ds-rm|ds-client"),
         "ps after the demos: every demo task is gone (the managers remain in the root task)",
         out)

    # Today L4_KDB_Enter prints a line and returns. An interactive kernel
    # debugger (issue 13 part A) waits for its own commands: if the shell
    # is not back soon, type KDB_CONTINUE (default "c") to leave it.
    g.send("kdb\r")
    out = g.wait_for("^" + re.escape(PROMPT), min(t, 10))
    if out is None:
        g.proc.stdin.write((os.environ.get("KDB_CONTINUE", "c") + "\r").encode())
        g.proc.stdin.flush()
        out = g.wait_for("^" + re.escape(PROMPT), 4 * t)
    c.ok(has(out, r"--- KDB: thread [0-9a-f]+: launcher shell: kdb command",
             r"^kdb: back in the shell"), "kdb enters the kernel debugger and comes back", out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="launcher")
    ap.add_argument("--log")
    ap.add_argument("--result")
    ap.add_argument("--timeout", type=float, default=60.0,
                    help="seconds for one command's output (demos get 4x)")
    ap.add_argument("--space", choices=("small", "large"), default="small")
    ap.add_argument("--short", action="store_true")
    ap.add_argument("--smp", type=int, default=1, help="CPUs (QEMU -smp)")
    ap.add_argument("kernel")
    ap.add_argument("sigma0")
    ap.add_argument("root")
    a = ap.parse_args()
    cmd = [os.environ.get("QEMU", "qemu-system-i386"), "-kernel", a.kernel,
           "-initrd", "%s,%s" % (a.sigma0, a.root), "-m", "128", "-display", "none",
           "-serial", "stdio", "-monitor", "none", "-no-reboot", "-nic", "none",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-rtc", "clock=vm",
           "-icount", "shift=0,sleep=off"]
    if a.smp > 1:
        cmd += ["-smp", str(a.smp)]
    g = Guest(cmd, a.log)
    c = Checks()
    try:
        session(g, c, a.timeout, a.space, a.short)
    finally:
        if g.proc.poll() is None:
            g.proc.kill()
            g.proc.wait()
        g.reader.join(5)
    c.say("%s: %d passed, %d failed" % (a.name, c.n - c.failed, c.failed))
    if a.result:
        with open(a.result, "w") as f:
            f.write("\n".join(c.report) + "\n")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
