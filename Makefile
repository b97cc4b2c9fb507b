# The two commands of the README, and the few around them.
#   make test   install what is missing, configure, build, run every test
#   make demo   swmrd, a simulated detector and a subscriber printing frames
#   make bench  throughput, latency and memory next to their references (bench/README.md)
#   make build  configure and build only
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo bench clean

all: build

deps:
	@bash deploy/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS) -- --no-print-directory

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 300

demo: build
	@bash tools/demo/run-demo.sh $(BUILD_DIR)

bench: build
	/usr/bin/python3 bench/run_bench.py --build $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
