"""The installed distribution: name, version, dependencies, typing marker, public names."""

from __future__ import annotations

import os
import unittest
from importlib import metadata

import licensor


class PackageTest(unittest.TestCase):
    def test_public_names(self):
        for name in licensor.__all__:
            self.assertTrue(hasattr(licensor, name), name)
        self.assertEqual(licensor.__version__, "0.1.0")

    def test_distribution_metadata(self):
        try:
            dist = metadata.distribution("licensor-client")
        except metadata.PackageNotFoundError:
            self.skipTest("licensor-client is not installed (running from the sources)")
        self.assertEqual(dist.version, licensor.__version__)
        requires = sorted(r.split(";")[0].replace(" ", "").replace("(", "").replace(")", "")
                          for r in dist.requires or [])
        self.assertEqual(requires, ["cryptography>=38", "requests>=2.28"])
        self.assertEqual(dist.metadata["Requires-Python"], ">=3.9")
        package_dir = os.path.dirname(licensor.__file__)
        self.assertTrue(os.path.exists(os.path.join(package_dir, "py.typed")))


if __name__ == "__main__":
    unittest.main()
