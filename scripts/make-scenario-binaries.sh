#!/usr/bin/env bash
# Rebuilds the scenario binaries from fixtures/scenario/src with Debian's clang-14 and lld-link-14: the
# stand-in kernel (ntoskrnl.exe + ntkrnlmp.pdb) and the sample drivers, each linked at the base the
# scenarios load it at.
#   scripts/make-scenario-binaries.sh [OUTDIR]     (default: fixtures/scenario/bin)
# The outputs depend only on the sources and the compiler version, not on where the tree lives: everything
# is compiled and linked inside a scratch directory with relative paths, clang records "." as its
# compilation directory, lld-link's /pdbsourcepath:. replaces the working directory it would write into the
# PDB, and /Brepro derives the PDB GUID and the image timestamps from the contents instead of the clock.
# (-ffreestanding is avoided: with clang-14 it drops the .pdata/.xdata unwind tables the scenarios need.)
set -euo pipefail
export LC_ALL=C TZ=UTC
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/fixtures/scenario/bin}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$here/fixtures/scenario/src" "$work/src"
cd "$work"
mkdir -p bin obj
# -ffile-compilation-dir=. : the CodeView build info says "." instead of the scratch path. (No
# -ffile-prefix-map: clang copies it, scratch path included, into the command line it records.)
CFLAGS=(--target=x86_64-pc-windows-msvc -g -gcodeview -fstandalone-debug -O1 -fasynchronous-unwind-tables -fno-stack-protector -fno-builtin -mno-red-zone -Wall -Werror -Wno-unused-variable -ffile-compilation-dir=.)
LINK=(lld-link-14 /nodefaultlib /debug:full /pdbsourcepath:. /subsystem:native /filealign:0x200)
clang-14 "${CFLAGS[@]}" -c src/ntstub.c -o obj/ntstub.obj
for s in ntstub-traps ntstub-except; do clang-14 --target=x86_64-pc-windows-msvc -ffile-compilation-dir=. -c "src/$s.s" -o "obj/$s.obj"; done
"${LINK[@]}" /Brepro /dll /noentry /base:0xfffff80116200000 /pdb:bin/ntkrnlmp.pdb /pdbaltpath:ntkrnlmp.pdb /out:bin/ntoskrnl.exe /implib:obj/ntoskrnl.lib obj/ntstub.obj obj/ntstub-traps.obj obj/ntstub-except.obj
# EvilDriver carries the 0x7E walkthrough's link time (its `lmvm` Timestamp, 65171B40) instead of a /Brepro
# hash; lld-link still derives the PDB GUID from the contents, so the build stays byte for byte.
for d in driver:Driver:0xfffff801197f0000:/Brepro evildriver:EvilDriver:0xfffff80784da0000:/timestamp:0x65171B40 ioctl:IoctlDriver:0xfffff80785a00000:/Brepro; do
  IFS=: read -r src name base stamp stampValue <<<"$d"
  clang-14 "${CFLAGS[@]}" -c "src/$src.c" -o "obj/$src.obj"
  "${LINK[@]}" "$stamp${stampValue:+:$stampValue}" /driver /entry:DriverEntry /base:"$base" /pdb:"bin/$name.pdb" /pdbaltpath:"$name.pdb" /out:"bin/$name.sys" "obj/$src.obj" obj/ntoskrnl.lib
done
if grep -rl --fixed-strings "$work" bin >/dev/null; then
  echo "make-scenario-binaries: an output still names the scratch directory $work" >&2
  exit 1
fi
# Readers (tests of other work in progress) may be using OUTDIR: stage next to it, then rename file by file.
stage="$(mktemp -d "$out/.stage.XXXXXX")"
cp bin/* "$stage/"
for f in "$stage"/*; do mv -f "$f" "$out/"; done
rmdir "$stage"
ls -l "$out"
