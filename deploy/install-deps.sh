#!/usr/bin/env bash
# Installs the Debian (bookworm) packages swmrd needs to build, test, run the demo and
# the benchmarks. Idempotent: installs only what is missing, and refreshes the package
# lists only when something is.
#
#   install-deps.sh           what `make build`, `make test`, `make demo` and `make bench` need
#   install-deps.sh checks    also clang, libFuzzer and the linters, for `make sanitize`,
#                             `make fuzz` and `make lint`
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config
    # core / daemon libraries
    libhdf5-dev libzmq3-dev cppzmq-dev libmsgpack-cxx-dev libspdlog-dev libyaml-cpp-dev
    libsystemd-dev
    # HTTP endpoint, metrics, JSON and the command lines
    libmicrohttpd-dev prometheus-cpp-dev nlohmann-json3-dev libcli11-dev
    # HDF5 filter plugins (LZ4, BZip2; Blosc; Bitshuffle, as Eiger and Jungfrau files use)
    hdf5-filter-plugin hdf5-filter-plugin-blosc-serial bitshuffle
    # tests
    doctest-dev
    # python client, its tests and the reference checks (Debian's /usr/bin/python3)
    python3 python3-h5py python3-zmq python3-msgpack python3-numpy python3-pytest
    python3-lz4 python3-blosc python3-hdf5plugin python3-hypothesis
    # the HTTP tests: Prometheus' own text parser, a headless browser for the live view
    python3-prometheus-client chromium python3-pil
    # make demo shows /metrics with it
    curl
    # the end-to-end test of a filesystem that stops answering (a FUSE passthrough)
    fuse3 python3-fusepy
    # deployment checks
    systemd
)
if [ "${1:-}" = checks ]; then
    # libFuzzer is clang's; ASan, UBSan and TSan come with GCC already
    packages+=(clang-14 libclang-rt-14-dev libfuzzer-14-dev)
    # the house style: make lint
    packages+=(clang-format flake8)
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-deps: all ${#packages[@]} packages present"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
