#!/usr/bin/env bash
# Installs everything modelshield needs to build, test, fuzz and benchmark, from Debian's packages.
set -euo pipefail
packages=(
  build-essential cmake ninja-build clang libclang-rt-14-dev
  pkg-config libssl-dev zlib1g-dev libbz2-dev liblzma-dev liblz4-dev libsimdjson-dev nlohmann-json3-dev libcli11-dev libfmt-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-h5py python3-numpy python3-torch python3-sklearn python3-joblib python3-lz4 python3-jsonschema
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
