"""README.md's code blocks are valid: every python block compiles, every json block
parses (test_e2e*.py run the same calls against the real server)."""

from __future__ import annotations

import json
import re
import unittest
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


class ReadmeTest(unittest.TestCase):
    def test_code_blocks(self):
        blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
        kinds = [kind for kind, _ in blocks]
        self.assertGreaterEqual(kinds.count("python"), 4)
        for i, (kind, code) in enumerate(blocks):
            with self.subTest(block=i, kind=kind):
                self.assertIn(kind, ("python", "json", "sh"), "every block names its language")
                if kind == "python":
                    compile(code, f"README.md block {i}", "exec")
                elif kind == "json":
                    json.loads(code.replace("…", ""))


if __name__ == "__main__":
    unittest.main()
