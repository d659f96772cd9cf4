#!/usr/bin/env python3
"""Runs the host tools' unit tests (tests/tools/test_*.py) and prints the
"trace-tools: N passed, N failed" line that tools/sum-results.sh reads."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py", top_level_dir=here)
result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
print("trace-tools: %d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
