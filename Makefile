# The two commands of the README's quick start, and a few conveniences.
#   make demo   install what is missing, build, check and run a bundled example
#   make test   install what is missing, build and run every test (what CI runs)
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all build demo test check bench bench-workspace bench-simulate-cli clean setup

all: build

setup:
	@scripts/setup

build: setup
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@scripts/demo $(BUILD)

# Everything CI runs: the suite with -Werror, again under ASan+UBSan, and a short fuzz run.
test: setup
	@scripts/test-all

# The quick loop: the suite on the normal build only.
check: build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

# Every benchmark, built in its own Release tree (figures: docs/performance.md).
BENCH_BUILD ?= build-release
bench: setup
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) --target bench_compile bench_simulate bench_calendar -j $(JOBS)
	@$(BENCH_BUILD)/bin/bench_compile
	@$(BENCH_BUILD)/bin/bench_simulate
	@$(BENCH_BUILD)/bin/bench_calendar

# The workspace at scale (docs/performance.md): 1,000,000 leads, about two minutes.
bench-workspace: setup
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) --target seqc -j $(JOBS)
	@bench/bench_workspace.sh $(BENCH_BUILD)/bin/seqc 1000000

# `seqc simulate` of 1,000,000 leads against its hand-written floor (docs/performance.md).
bench-simulate-cli: setup
	@cmake -S . -B $(BENCH_BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BENCH_BUILD) --target seqc floor_simulate -j $(JOBS)
	@bench/bench_simulate_cli.sh $(BENCH_BUILD)/bin 1000000

clean:
	rm -rf build build-asan build-release
