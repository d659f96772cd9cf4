"""tools/prof-top: parsing profiler dumps, symbols, the top check."""
import contextlib
import io
import os
import tempfile
import unittest

from toolload import load

pt = load("prof-top")

DUMP = """\
@PROF v1 begin source=timer running=0 period=1 samples=10 lost=0 counters=none
@P a c0100010 6
@P a 01000004 3
@P a c0100020 1
@P t 4001 3 0
@P t 8001 0 7
@PROF v1 end samples=10
""".splitlines()
NM = """\
c0100000 T kfunc
c0100018 t other
01000000 T ufunc
01000100 D data_not_code
""".splitlines()


class ProfTop(unittest.TestCase):
    def write(self, lines):
        f = tempfile.NamedTemporaryFile("w", delete=False)
        f.write("\n".join(lines) + "\n")
        f.close()
        self.addCleanup(os.unlink, f.name)
        return f.name

    def run_tool(self, args):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = pt.main(args)
        return rc, out.getvalue() + err.getvalue()

    def test_parse(self):
        p = pt.parse(DUMP)[-1]
        self.assertEqual(p.addrs, {0xc0100010: 6, 0x01000004: 3, 0xc0100020: 1})
        self.assertEqual(p.threads, {0x4001: (3, 0), 0x8001: (0, 7)})
        self.assertTrue(p.complete)

    def test_symbols(self):
        s = pt.Symbols()
        s.add_nm_lines(NM)
        self.assertEqual(s.lookup(0xc0100010), ("kfunc", 0x10))
        self.assertEqual(s.lookup(0xc0100020), ("other", 8))
        self.assertEqual(s.lookup(0x01000200), ("ufunc", 0x200))   # data symbols ignored
        self.assertEqual(s.lookup(0x10), (None, 0))

    def test_top(self):
        log, sym = self.write(DUMP), self.write(NM)
        rc, out = self.run_tool([log, "--sym", sym, "--expect-top", "kfunc"])
        self.assertEqual(rc, 0, out)
        self.assertIn("kfunc+0x10", out)
        self.assertIn("[kernel]", out)
        rc, out = self.run_tool([log, "--sym", sym, "--expect-top", "ufunc"])
        self.assertEqual(rc, 1)
        self.assertIn("hottest function is kfunc", out)

    def test_malformed(self):
        lines = list(DUMP)
        lines.insert(2, "@P a zz 3")
        lines.insert(3, "@P q 1 2")
        lines.insert(4, "console noise")
        p = pt.parse(lines)[-1]
        self.assertEqual(p.malformed, 2)
        self.assertEqual(sum(p.addrs.values()), 10)

    def test_errors(self):
        self.assertEqual(self.run_tool([self.write(["nothing here"])])[0], 1)
        self.assertEqual(self.run_tool([self.write(["@PROF v9 begin", "@PROF v9 end"])])[0], 1)
        self.assertEqual(self.run_tool([self.write(DUMP), "--dump", "2"])[0], 1)


if __name__ == "__main__":
    unittest.main()
