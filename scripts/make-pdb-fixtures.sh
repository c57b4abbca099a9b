#!/usr/bin/env bash
# Rebuilds fixtures/pdb/bin/types.dll and types.pdb (the type-reader fixture) with Debian's clang-14 and
# lld-link-14, and the llvm-pdbutil dumps tests compare against when LLVM is not installed.
set -euo pipefail
cd "$(dirname "$0")/../fixtures/pdb"
mkdir -p bin expected
clang-14 --target=x86_64-pc-windows-msvc -g -gcodeview -fstandalone-debug -O1 -fno-builtin -fasynchronous-unwind-tables -fms-extensions -c src/types.c -o bin/types.obj
lld-link-14 /dll /noentry /nodefaultlib /debug:full /Brepro /pdb:bin/types.pdb /pdbaltpath:types.pdb /out:bin/types.dll bin/types.obj
rm -f bin/types.obj bin/types.lib
llvm-pdbutil dump -types bin/types.pdb > expected/types.txt
llvm-pdbutil dump -publics bin/types.pdb > expected/publics.txt
llvm-pdbutil dump -symbols bin/types.pdb > expected/symbols.txt
ls -l bin expected
