#!/usr/bin/env bash
# Rebuilds the PE/PDB reader fixtures in fixtures/pdb/bin with Debian's clang-14 and lld-link-14, and the
# llvm-pdbutil dumps tests compare against when LLVM is not installed:
#   types.dll + types.pdb   the type-reader fixture (fixtures/pdb/src/types.c)
#   forwarders.dll          export forwarders (Fwd1=ntdll.RtlAllocateHeap, by name and by ordinal)
#   unwind.dll              prologs needing UWOP_SAVE_XMM128, UWOP_SAVE_XMM128_FAR and both UWOP_ALLOC_LARGE forms
# The outputs depend only on the sources and the compiler version, not on where the tree lives: everything
# is built in a scratch directory with relative paths, clang records "." as its compilation directory,
# /pdbsourcepath:. replaces the working directory lld-link would write into the PDB, and /Brepro derives
# the PDB GUID and the timestamps from the contents instead of the clock.
set -euo pipefail
export LC_ALL=C TZ=UTC
here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/fixtures/pdb"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$out/src" "$work/src"
cd "$work"
mkdir -p bin obj expected
CC=(clang-14 --target=x86_64-pc-windows-msvc -ffile-compilation-dir=. -fno-builtin)
LINK=(lld-link-14 /dll /noentry /nodefaultlib /Brepro /pdbsourcepath:.)
"${CC[@]}" -g -gcodeview -fstandalone-debug -O1 -fasynchronous-unwind-tables -fms-extensions -c src/types.c -o obj/types.obj
"${LINK[@]}" /debug:full /pdb:bin/types.pdb /pdbaltpath:types.pdb /out:bin/types.dll /implib:obj/types.lib obj/types.obj
"${CC[@]}" -O1 -c src/forwarders.c -o obj/forwarders.obj
"${LINK[@]}" /export:Fwd1=ntdll.RtlAllocateHeap /export:Fwd2=kernel32.#42 /export:Fwd3=KERNELBASE.GetLastError /out:bin/forwarders.dll /implib:obj/forwarders.lib obj/forwarders.obj
# No stack probes: __chkstk would come from the runtime, which is not linked.
"${CC[@]}" -O1 -fasynchronous-unwind-tables -mno-stack-arg-probe -c src/unwind.c -o obj/unwind.obj
"${LINK[@]}" /out:bin/unwind.dll /implib:obj/unwind.lib obj/unwind.obj
llvm-pdbutil dump -types bin/types.pdb > expected/types.txt
llvm-pdbutil dump -publics bin/types.pdb > expected/publics.txt
llvm-pdbutil dump -symbols bin/types.pdb > expected/symbols.txt
if grep -rl --fixed-strings "$work" bin expected >/dev/null; then
  echo "make-pdb-fixtures: an output still names the scratch directory $work" >&2
  exit 1
fi
cp bin/* "$out/bin/"
cp expected/* "$out/expected/"
ls -l "$out/bin" "$out/expected"
