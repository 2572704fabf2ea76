#!/bin/bash
# compactfuzz fuzz targets for OSS-Fuzz and ClusterFuzzLite (docs/oss-fuzz.md).
#
# Honours exactly what OSS-Fuzz's base-builder sets: $CC $CXX $CFLAGS $CXXFLAGS (sanitizer and
# coverage instrumentation), $LIB_FUZZING_ENGINE (the engine: libFuzzer, AFL++'s driver, ...;
# never hard-coded here), $SRC (sources), $WORK (scratch: the CMake tree) and $OUT (results).
# Per target <t> (every harness/fuzz_*.cc) it writes to $OUT:
#   <t>                   the fuzz target
#   <t>_seed_corpus.zip   corpus/<t>/ + corpus/regressions/<t>/, flat
#   <t>.dict, <t>.options copies of corpus/<t>.dict and corpus/<t>.options (both required)
# The same script runs in the base-builder image (source at $SRC/compactfuzz), from
# .clusterfuzzlite/build.sh, as an OSS-Fuzz projects/compactfuzz/build.sh copy, and locally
# (`scripts/compactfuzz oss-fuzz` sets the variables the way OSS-Fuzz does).
set -euo pipefail

die() { echo "oss-fuzz/build.sh: error: $*" >&2; exit 1; }
note() { echo "oss-fuzz/build.sh: $*"; }

for var in CC CXX LIB_FUZZING_ENGINE OUT WORK; do
  [[ -n "${!var:-}" ]] || die "\$$var is not set (OSS-Fuzz's base-builder sets it; locally use scripts/compactfuzz oss-fuzz)"
done
CFLAGS="${CFLAGS:-}"
CXXFLAGS="${CXXFLAGS:-}"

# The source tree: $CF_SOURCE_DIR if given, else the tree this script lives in, else
# $SRC/compactfuzz (when this file was copied to projects/compactfuzz/build.sh -> $SRC/build.sh).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Physical paths (pwd -P), so a symlinked $SRC/compactfuzz maps to one CMake source directory.
if [[ -n "${CF_SOURCE_DIR:-}" ]]; then
  root="$(cd "$CF_SOURCE_DIR" && pwd -P)"
elif [[ -f "$here/../../CMakeLists.txt" && -d "$here/../../harness" ]]; then
  root="$(cd "$here/../.." && pwd -P)"
elif [[ -n "${SRC:-}" && -d "$SRC/compactfuzz/harness" ]]; then
  root="$(cd "$SRC/compactfuzz" && pwd -P)"
else
  die "cannot find the compactfuzz sources (looked at $here/../.. and \${SRC}/compactfuzz; set CF_SOURCE_DIR)"
fi
[[ -f "$root/CMakeLists.txt" ]] || die "$root/CMakeLists.txt not found"

# The targets: one per harness/fuzz_*.cc, so a new harness needs no edit here.
targets=()
for f in "$root"/harness/fuzz_*.cc; do
  [[ -e "$f" ]] || continue
  t="$(basename "$f" .cc)"
  [[ "$t" =~ ^[A-Za-z0-9_-]+$ ]] || die "target name '$t' ($f): OSS-Fuzz allows letters, digits, _ and - only"
  targets+=("$t")
done
(( ${#targets[@]} > 0 )) || die "no harness/fuzz_*.cc in $root"
note "sources $root; targets: ${targets[*]}"

# Check the per-target files first: a missing dictionary or options file fails the build
# before minutes of compiling, naming the file.
missing=()
for t in "${targets[@]}"; do
  for f in "$root/corpus/$t.dict" "$root/corpus/$t.options"; do
    [[ -f "$f" ]] || missing+=("$f")
  done
  [[ -d "$root/corpus/$t" ]] || missing+=("$root/corpus/$t/ (seed directory)")
done
if (( ${#missing[@]} > 0 )); then
  printf 'oss-fuzz/build.sh: error: missing: %s\n' "${missing[@]}" >&2
  die "every target needs corpus/<t>/ seeds, corpus/<t>.dict and corpus/<t>.options"
fi

# Configure in $WORK. CMAKE_BUILD_TYPE is empty so only $CFLAGS/$CXXFLAGS apply (no -O2/-g of
# a build type); CF_FUZZ=external adds no instrumentation of its own and links each target with
# $LIB_FUZZING_ENGINE; CF_TESTS=OFF skips the GoogleTest suites and benchmarks.
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); else generator=(-G "Unix Makefiles"); fi
build="$WORK/compactfuzz-build"
# A tree configured from another source directory cannot be reused: start it afresh.
if [[ -f "$build/CMakeCache.txt" ]] && ! grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$root" "$build/CMakeCache.txt"; then
  note "$build was configured for another source directory; removing it"
  rm -rf "$build"
fi
mkdir -p "$build" "$OUT"
cmake -S "$root" -B "$build" "${generator[@]}" \
  -DCMAKE_BUILD_TYPE= \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DCF_FUZZ=external -DCF_LIB_FUZZING_ENGINE="$LIB_FUZZING_ENGINE" \
  -DCF_TESTS=OFF -DCF_WERROR=OFF -DCF_SANITIZE= -DCF_COVERAGE=OFF \
  || die "cmake configure failed (build tree $build)"
jobs="${CF_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}"
cmake --build "$build" -j "$jobs" --target "${targets[@]}" || die "build of ${targets[*]} failed"

# Install each target, its seed corpus (flat zip), dictionary and options into $OUT.
for t in "${targets[@]}"; do
  bin="$build/bin/$t"
  [[ -x "$bin" ]] || die "$t: built, but $bin is not there"
  cp "$bin" "$OUT/$t"
  cp "$root/corpus/$t.dict" "$OUT/$t.dict"
  cp "$root/corpus/$t.options" "$OUT/$t.options"
  zip="$OUT/${t}_seed_corpus.zip"
  rm -f "$zip"
  # Flat: seeds and regression reproducers side by side (README*/dotfiles skipped); a name
  # clash between the two directories is an error rather than a silently lost seed.
  python3 - "$zip" "$root/corpus/$t" "$root/corpus/regressions/$t" <<'PY' || die "$t: writing $zip failed"
import sys, zipfile
from pathlib import Path
out, dirs = sys.argv[1], [Path(d) for d in sys.argv[2:]]
seen = {}
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for d in dirs:
        if not d.is_dir():
            continue
        for f in sorted(p for p in d.iterdir() if p.is_file()):
            if f.name.startswith((".", "README")):
                continue
            if f.name in seen:
                sys.exit(f"seed name clash: {f} and {seen[f.name]}")
            seen[f.name] = f
            z.write(f, f.name)
print(f"oss-fuzz/build.sh: {Path(out).name}: {len(seen)} seeds")
PY
done
note "done: ${#targets[@]} targets in $OUT"
