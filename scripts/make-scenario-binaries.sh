#!/usr/bin/env bash
# Rebuilds fixtures/scenario/bin from fixtures/scenario/src with Debian's clang-14 and lld-link-14:
# the stand-in kernel (ntoskrnl.exe + ntkrnlmp.pdb) and the sample drivers, each linked at the base the
# scenarios load it at. /Brepro makes the outputs depend only on their inputs. (-ffreestanding is avoided:
# with clang-14 it drops the .pdata/.xdata unwind tables the scenarios are built from.)
set -euo pipefail
cd "$(dirname "$0")/../fixtures/scenario"
mkdir -p bin obj
CFLAGS=(--target=x86_64-pc-windows-msvc -g -gcodeview -fstandalone-debug -O1 -fasynchronous-unwind-tables -fno-stack-protector -fno-builtin -mno-red-zone -Wall -Werror -Wno-unused-variable)
LINK=(lld-link-14 /nodefaultlib /debug:full /Brepro /subsystem:native /filealign:0x200)
clang-14 "${CFLAGS[@]}" -c src/ntstub.c -o obj/ntstub.obj
clang-14 --target=x86_64-pc-windows-msvc -c src/ntstub-traps.s -o obj/ntstub-traps.obj
"${LINK[@]}" /dll /noentry /base:0xfffff80116200000 /pdb:bin/ntkrnlmp.pdb /pdbaltpath:ntkrnlmp.pdb /out:bin/ntoskrnl.exe /implib:obj/ntoskrnl.lib obj/ntstub.obj obj/ntstub-traps.obj
for d in driver:Driver:0xfffff801197f0000 evildriver:EvilDriver:0xfffff80784da0000 ioctl:IoctlDriver:0xfffff80785a00000; do
  IFS=: read -r src name base <<<"$d"
  clang-14 "${CFLAGS[@]}" -c "src/$src.c" -o "obj/$src.obj"
  "${LINK[@]}" /driver /entry:DriverEntry /base:"$base" /pdb:"bin/$name.pdb" /pdbaltpath:"$name.pdb" /out:"bin/$name.sys" "obj/$src.obj" obj/ntoskrnl.lib
done
rm -rf obj
ls -l bin
