# The two commands of the README, and the few around them.
#   make test   install what is missing, configure, build, run every test
#   make demo   swmrd, a simulated detector and a subscriber printing frames
#   make bench  throughput, latency and memory next to their references (bench/README.md)
#   make build  configure and build only
#   make sanitize  every test under ASan+UBSan, the end-to-end tests against a TSan swmrd
#   make fuzz      each libFuzzer target for FUZZ_SECONDS (fuzz/README.md)
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= fuzz_headers fuzz_control fuzz_replies fuzz_fetch fuzz_config fuzz_hdf5_layout \
                fuzz_hostile_layout
# CI fuzzes swmrd's own decoders, and hostile files against the confined reader process
# (HDF5 is known to crash on hostile files: fuzz_hdf5_layout, which reads them in-process,
# runs in `make fuzz` only).
FUZZ_CI = fuzz_headers fuzz_control fuzz_replies fuzz_fetch fuzz_config fuzz_hostile_layout

.PHONY: all deps deps-checks build test lint demo bench bench-smoke stress sanitize fuzz fuzz-build fuzz-ci clean

all: build

deps:
	@bash deploy/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) -- --no-print-directory

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

# The house style, checked: clang-format (.clang-format) on every C++ file, flake8 (.flake8)
# on every Python file. `clang-format -i FILE` mends a C++ file.
lint: deps-checks
	git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror
	flake8 $$(git ls-files '*.py')
	@echo "lint: clang-format and flake8 clean"

demo: build
	@bash tools/demo/run-demo.sh $(BUILD_DIR)

# Every stall case of test_stalled_peers.py, STRESS_ROUNDS times in a row (not in CI's run).
STRESS_ROUNDS ?= 20
stress: build
	/usr/bin/python3 tests/e2e/stress.py $(BUILD_DIR) $(STRESS_ROUNDS)

bench: build
	/usr/bin/python3 bench/run_bench.py --build $(BUILD_DIR)

# Every figure with the smallest sizes, in about a minute: CI runs it so that no figure can
# break unseen. Its numbers are not worth reading.
bench-smoke: build
	/usr/bin/python3 bench/run_bench.py --build $(BUILD_DIR) --smoke

deps-checks:
	@bash deploy/install-deps.sh checks

sanitize: deps-checks
	bash tests/sanitize/run.sh

fuzz-build: deps-checks build
	cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
	    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSWMRD_FUZZ=ON -DSWMRD_BUILD_TESTS=OFF

fuzz: fuzz-build
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_all -- --no-print-directory
	bash fuzz/run-fuzzers.sh $(FUZZ_BUILD_DIR) $(BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-ci: fuzz-build
	cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target fuzz_ci -- --no-print-directory
	bash fuzz/run-fuzzers.sh $(FUZZ_BUILD_DIR) $(BUILD_DIR) $(FUZZ_SECONDS) $(FUZZ_CI)

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_BUILD_DIR) build-asan build-tsan
