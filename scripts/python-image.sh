#!/usr/bin/env bash
# Builds a small container image holding this machine's python3 (Debian's), its standard library,
# the libraries they load, and /bin/sh, head and cat — enough for Evolve's Docker backend to run
# Python evaluators — without a registry: the files go into a tarball that `podman import` or
# `docker import` turns into an image.
#
#   bash scripts/python-image.sh [IMAGE] [podman|docker]     (default: localhost/evolve-python:latest, podman)
#
# Does nothing when the image already exists.
set -euo pipefail
image="${1:-localhost/evolve-python:latest}"
engine="${2:-podman}"
if "$engine" image inspect "$image" >/dev/null 2>&1; then exit 0; fi
python="$(readlink -f /usr/bin/python3)"
stdlib="$(/usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/bin" "$root/usr/lib/x86_64-linux-gnu" "$root/usr/lib64" "$root/etc" "$root/tmp/eval" "$root/problem" "$root/candidate"
ln -s usr/bin "$root/bin"; ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
for tool in sh dash head cat; do cp -a "/usr/bin/$tool" "$root/usr/bin/"; done
cp -a "$python" "$root/usr/bin/"
ln -sf "$(basename "$python")" "$root/usr/bin/python3"
mkdir -p "$root$(dirname "$stdlib")"
cp -a "$stdlib" "$root$(dirname "$stdlib")/"
rm -rf "$root$stdlib/test" "$root$stdlib/idlelib" "$root$stdlib/tkinter" "$root$stdlib/ensurepip"
# The dynamic loader and every library the interpreter, the tools and the stdlib's extensions load.
loader="$(readlink -f /lib64/ld-linux-x86-64.so.2)"
cp -L "$loader" "$root/usr/lib/x86_64-linux-gnu/"
ln -sf "/usr/lib/x86_64-linux-gnu/$(basename "$loader")" "$root/usr/lib64/ld-linux-x86-64.so.2"
{ ldd "$python" /usr/bin/dash /usr/bin/head /usr/bin/cat; find "$root$stdlib" -name "*.so" -exec ldd {} + 2>/dev/null || true; } \
  | awk '/=>/ && $3 ~ /^\// {print $3}' | sort -u | while read -r library; do
    cp -nL "$library" "$root/usr/lib/x86_64-linux-gnu/"
  done
printf 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp/eval:/usr/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo "evolve: building the image $image ($(du -sh "$root" | cut -f1)) with $engine import" >&2
tar -C "$root" -cf "$root.tar" .
if ! "$engine" import --change 'CMD ["/usr/bin/python3"]' "$root.tar" "$image" >"$root.log" 2>&1; then
  cat "$root.log" >&2
  rm -f "$root.tar" "$root.log"
  exit 1
fi
rm -f "$root.tar" "$root.log"
