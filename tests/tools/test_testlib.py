"""tools/testlib.sh's log check (log_has), run as the harness runs it:
sourced by bash under `set -u -o pipefail`."""
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTLIB = os.path.join(ROOT, "tools", "testlib.sh")


def log_has(text, pattern):
    with tempfile.NamedTemporaryFile("wb", suffix=".log", delete=False) as f:
        f.write(text)
        path = f.name
    try:
        script = 'set -u -o pipefail; source "$1"; LOG=$2; log_has "$3"'
        r = subprocess.run(["bash", "-c", script, "bash", TESTLIB, path, pattern])
        return r.returncode == 0
    finally:
        os.unlink(path)


class LogHas(unittest.TestCase):
    def test_match_early_in_a_long_log(self):
        # The boot line first, then more than a pipe buffer of output: a
        # `tr | grep -q` pipeline fails here with SIGPIPE under pipefail.
        log = b"Pecan: threads run on 2 CPUs\r\n" + b"filler line of the log\r\n" * 100000
        for _ in range(3):
            self.assertTrue(log_has(log, "threads run on [0-9]+ CPUs"))

    def test_no_match(self):
        log = b"Pecan: threads run on 1 CPU\r\n" * 10
        self.assertFalse(log_has(log, "threads run on [0-9]+ CPUs"))

    def test_carriage_returns_dropped(self):
        self.assertTrue(log_has(b"PECAN-EXIT 0\r\n", "PECAN-EXIT 0$"))


if __name__ == "__main__":
    unittest.main()
