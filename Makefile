# Thin wrapper over CMake + Ninja. `make run` and `make test` are the two
# set-up commands of the README; both install missing packages first.
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps build run test test-quick asan tsan bench fuzz install clean format

all: build

deps:
	@bash scripts/deps.sh

build/build.ninja: CMakeLists.txt
	cmake -S . -B build -G Ninja $(CMAKE_FLAGS) >/dev/null

build: deps build/build.ninja
	cmake --build build -j $(JOBS)

run: build
	./build/dagwood run build/examples/demo.yaml --input "the lord of the rings"
	./build/dagwood run build/examples/wasm.yaml --input "Hello WASM World"

# Every test under the normal build, the AddressSanitizer build and (for the
# threaded parts) the ThreadSanitizer build; one closing summary line.
test: deps
	@bash scripts/test.sh

test-quick: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

asan: deps
	cmake -S . -B build-asan -G Ninja -DDW_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build build-asan -j $(JOBS)

tsan: deps
	cmake -S . -B build-tsan -G Ninja -DDW_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug $(CMAKE_FLAGS) >/dev/null
	cmake --build build-tsan -j $(JOBS)

bench: build
	cmake --build build --target bench -j $(JOBS)

fuzz: deps
	@bash scripts/fuzz.sh $(FUZZ_SECONDS)

install: build
	cmake --install build --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.c' '*.h' '*.cpp')

clean:
	rm -rf build build-asan build-tsan build-fuzz build-clang build-release build-*.log
