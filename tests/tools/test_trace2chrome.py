"""tools/trace2chrome: parsing (including malformed and interleaved
dumps), the Chrome trace-event JSON and the PNG."""
import contextlib
import io
import json
import os
import random
import tempfile
import unittest

from toolload import load

t2c = load("trace2chrome")

# Lines printed by the kernel (trace-demo), check bytes computed by
# kernel/trace.c: the tool's check must agree with them.
KERNEL_DUMP = """\
@TRACE v1 begin cpus=1 tsc_per_us=999 entries=1024 mask=0 thread=0
@T 0 0 1780fb1 send c8001 d0001 0 1 d5
@T 0 1 1780fea recv d0001 c8001 0 1 10
@T 0 2 178106c switch c8001 d0001 0 0 97
@T 0 3 178119b pf d0001 1005123 100138d 2 50
@T 0 4 17813bf send d0001 cc001 ffe20002 1 0e
@T 0 5 17813f8 recv cc001 d0001 ffe20002 1 49
@T 0 6 178147a switch d0001 cc001 0 0 ed
@T 0 7 178167f send cc001 d0001 80 0 70
@T 0 8 17816b8 recv d0001 cc001 80 0 ab
@T 0 9 17817a4 map cc001 d0001 10050c7 0 36
@T 0 10 1781ea9 switch cc001 d0001 0 0 2a
@T 0 11 1782078 send d0001 c8001 2000000 1 ba
@T 0 12 17820b1 recv c8001 d0001 2000000 1 f5
@T 0 13 1782158 switch d0001 c8001 0 0 9f
@TRACE v1 end records=14 lost=0
""".splitlines()


def line(cpu, seq, tsc, type_, thread, a, b=0, c=0):
    chk = t2c.check_byte(cpu, seq, tsc, t2c.TYPES.index(type_), thread, a, b, c)
    return "@T %d %d %x %s %x %x %x %x %02x" % (cpu, seq, tsc, type_, thread, a, b, c, chk)


def run_main(args):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = t2c.main(args)
    return rc, err.getvalue()


class Parse(unittest.TestCase):
    def test_kernel_dump(self):
        d = t2c.parse(KERNEL_DUMP)[-1]
        self.assertEqual(len(d.records), 14)
        self.assertEqual(d.malformed, 0)
        self.assertTrue(d.complete)
        self.assertEqual(d.tsc_per_us, 999)
        self.assertEqual([r.seq for r in d.records], list(range(14)))
        pf = d.records[3]
        self.assertEqual((pf.type, pf.thread, pf.a, pf.b, pf.c),
                         ("pf", 0xd0001, 0x1005123, 0x100138d, 2))

    def test_corrupted_check_byte(self):
        lines = list(KERNEL_DUMP)
        lines[4] = lines[4].replace("1005123", "1005124")   # a digit changed in transit
        d = t2c.parse(lines)[-1]
        self.assertEqual(len(d.records), 13)
        self.assertEqual(d.malformed, 1)

    def test_interleaved_output(self):
        lines = list(KERNEL_DUMP)
        # Another CPU's text before a record on the same line: still found.
        lines[2] = "sigma0: hello" + lines[2]
        # A record broken in two by other output: both halves dropped.
        half = len(lines[5]) // 2
        lines[5:6] = [lines[5][:half] + "root: x", "y" + lines[5][half:]]
        # Plain console lines between records are not records and not errors.
        lines.insert(8, "ok 3 - something")
        d = t2c.parse(lines)[-1]
        self.assertEqual(len(d.records), 13)
        self.assertEqual(d.malformed, 1)     # the "@T" half; the other has no marker
        self.assertIn(2, [r.seq for r in d.records])

    def test_malformed_fields(self):
        good = line(0, 0, 100, "send", 0x4001, 0x8001, 0x10000, 1)
        bad = [
            good.replace("send", "sned"),                  # unknown type
            good + " 00",                                  # an extra field
            good.rsplit(" ", 1)[0],                        # check byte missing
            good.replace("4001", "4g01"),                  # not hex
            "@T 0 1 64 send 123456789 8001 10000 1 00",    # word wider than 32 bits
            "@T 999 1 64 irq 0 0 0 0 00",                  # CPU out of range
            "@T",                                          # nothing
            "@T 0 1 " + "f" * 20 + " irq 0 0 0 0 00",      # TSC too long
        ]
        dump = ["@TRACE v1 begin tsc_per_us=1", good] + bad + ["@TRACE v1 end records=1 lost=0"]
        d = t2c.parse(dump)[-1]
        self.assertEqual(len(d.records), 1)
        self.assertEqual(d.malformed, len(bad))

    def test_duplicates_and_order(self):
        a = line(0, 0, 500, "irq", 1, 4)
        b = line(1, 0, 100, "irq", 2, 5)
        c = line(0, 1, 300, "irq", 1, 6)
        d = t2c.parse(["@TRACE v1 begin tsc_per_us=1", a, b, c, a, "@TRACE v1 end"])[-1]
        self.assertEqual([(r.cpu, r.seq) for r in d.records], [(1, 0), (0, 1), (0, 0)])

    def test_version(self):
        with self.assertRaises(t2c.TraceError):
            t2c.parse(["@TRACE v2 begin tsc_per_us=1", "@TRACE v2 end"])

    def test_unfinished_and_header_garbage(self):
        d = t2c.parse(["@TRACE v1 begin tsc_per_us=zero junk", line(0, 0, 5, "irq", 0, 1)])[-1]
        self.assertFalse(d.complete)
        self.assertEqual(d.tsc_per_us, 1)
        self.assertEqual(len(d.records), 1)

    def test_records_outside_a_dump_ignored(self):
        ds = t2c.parse([line(0, 0, 5, "irq", 0, 1)] + KERNEL_DUMP)
        self.assertEqual(len(ds), 1)
        self.assertEqual(len(ds[0].records), 14)

    def test_random_garbage_never_crashes(self):
        rnd = random.Random(13)
        alphabet = "@T 0123456789abcdefvxyz\t-=\r"
        for _ in range(300):
            lines = list(KERNEL_DUMP)
            for _ in range(rnd.randrange(1, 6)):
                i = rnd.randrange(len(lines))
                s = lines[i]
                j = rnd.randrange(len(s) + 1)
                lines[i] = s[:j] + "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(4))) \
                    + s[j + rnd.randrange(3):]
            try:
                ds = t2c.parse(lines)
            except t2c.TraceError:
                continue
            for d in ds:
                json.dumps(t2c.to_chrome(d))


class Chrome(unittest.TestCase):
    def setUp(self):
        self.d = t2c.parse(KERNEL_DUMP)[-1]
        self.j = t2c.to_chrome(self.d)
        self.ev = self.j["traceEvents"]

    def test_tracks(self):
        names = {(e["pid"], e.get("tid")): e["args"]["name"] for e in self.ev
                 if e["ph"] == "M" and e["name"] == "thread_name"}
        for gid in (0xc8001, 0xcc001, 0xd0001):
            self.assertIn((t2c.PID_THREADS, gid), names)
        self.assertEqual(names[(t2c.PID_CPUS, 0)], "cpu 0")

    def test_flows(self):
        starts = [e for e in self.ev if e["ph"] == "s"]
        ends = [e for e in self.ev if e["ph"] == "f"]
        self.assertEqual(len(starts), 4)          # four messages, each sent and received
        self.assertEqual(sorted(e["id"] for e in starts), sorted(e["id"] for e in ends))
        by_id = {e["id"]: e for e in ends}
        pf_flow = [s for s in starts if s["tid"] == 0xd0001 and by_id[s["id"]]["tid"] == 0xcc001]
        self.assertEqual(len(pf_flow), 1)         # the fault IPC: faulter -> pager
        for s in starts:
            self.assertLessEqual(s["ts"], by_id[s["id"]]["ts"])
            self.assertEqual(by_id[s["id"]]["bp"], "e")

    def test_running_slices(self):
        run = [e for e in self.ev if e["ph"] == "X" and e["name"] == "running"]
        self.assertEqual([e["tid"] for e in run], [0xc8001, 0xd0001, 0xcc001, 0xd0001])  # the last switch ends the dump
        for e in run:
            self.assertGreaterEqual(e["dur"], 0)
        cpu = [e for e in self.ev if e["ph"] == "X" and e["pid"] == t2c.PID_CPUS]
        self.assertEqual(len(cpu), len(run))

    def test_events_named(self):
        names = [e["name"] for e in self.ev if e["ph"] == "X" and e.get("cat") == "pf"]
        self.assertEqual(names, ["page fault 0x1005123"])
        sends = [e["name"] for e in self.ev if e.get("cat") == "send"]
        self.assertTrue(any("page fault w" in n for n in sends), sends)

    def test_empty_dump(self):
        d = t2c.parse(["@TRACE v1 begin tsc_per_us=5", "@TRACE v1 end records=0 lost=0"])[-1]
        self.assertEqual(t2c.to_chrome(d)["traceEvents"], [])


class Command(unittest.TestCase):
    def write(self, lines):
        f = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)
        f.write("\n".join(lines) + "\n")
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def test_json_and_names(self):
        log = self.write(["@N c8001 main"] + KERNEL_DUMP)
        out = log + ".json"
        self.addCleanup(lambda: os.path.exists(out) and os.unlink(out))
        rc, err = run_main([log, "-o", out, "--strict"])
        self.assertEqual(rc, 0, err)
        self.assertIn("14 records", err)
        with open(out) as f:
            j = json.load(f)
        self.assertIn("main t50.1 (0xc8001)", [e["args"]["name"] for e in j["traceEvents"]
                                               if e["name"] == "thread_name"])

    def test_no_dump(self):
        rc, err = run_main([self.write(["hello", "@T 0 0 1 irq 0 0 0 0 00"])])
        self.assertEqual(rc, 1)
        self.assertIn("no trace dump", err)

    def test_missing_file(self):
        rc, _ = run_main(["/nonexistent/trace.log"])
        self.assertEqual(rc, 1)

    def test_strict(self):
        lines = list(KERNEL_DUMP)
        lines[3] = lines[3][:-1] + "0"
        log = self.write(lines)
        self.assertEqual(run_main([log])[0], 0)
        self.assertEqual(run_main([log, "--strict"])[0], 1)
        self.assertEqual(run_main([self.write(KERNEL_DUMP[:-1]), "--strict"])[0], 1)

    def test_pick_dump(self):
        second = [l.replace("recv", "recv") for l in KERNEL_DUMP[:3]] + ["@TRACE v1 end"]
        log = self.write(KERNEL_DUMP + second)
        rc, err = run_main([log])
        self.assertIn("2 records", err)
        rc, err = run_main([log, "--dump", "1"])
        self.assertIn("14 records", err)
        self.assertEqual(run_main([log, "--dump", "3"])[0], 1)

    def test_png(self):
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            self.skipTest("matplotlib missing (tools/deps.sh --install trace)")
        log = self.write(KERNEL_DUMP)
        png = log + ".png"
        self.addCleanup(lambda: os.path.exists(png) and os.unlink(png))
        rc, err = run_main([log, "--png", png])
        self.assertEqual(rc, 0, err)
        with open(png, "rb") as f:
            self.assertEqual(f.read(8), b"\x89PNG\r\n\x1a\n")


if __name__ == "__main__":
    unittest.main()
