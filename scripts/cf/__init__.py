"""cf: the modules of scripts/compactfuzz, the project's one driver (scripts/README.md).

Python 3 standard library only. The modules call the project's binaries (regiontool, the fuzz
targets, cf_seedgen, cmake, ctest); they never import a test module.
"""
