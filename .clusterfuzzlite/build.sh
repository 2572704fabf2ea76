#!/bin/bash -eu
# ClusterFuzzLite build step: the same script OSS-Fuzz runs (docs/oss-fuzz.md).
exec "$SRC/compactfuzz/scripts/oss-fuzz/build.sh" "$@"
