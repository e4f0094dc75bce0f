# The two commands: `make run` and `make test`. Both install what is missing,
# build, then run. Everything else here is a helper for them.
BUILD ?= build
JOBS ?= $(shell nproc)
PORT ?= 8080
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: run test deps build bench bench-pg bench-lifecycle bench-slowloris bench-nats bench-erp clean

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/src/cli/ordo serve --demo --listen 127.0.0.1:$(PORT)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	bash bench/placement.sh

bench-pg: build
	bash bench/postgres.sh

bench-lifecycle: build
	bash bench/lifecycle.sh

bench-slowloris: build
	bash bench/slowloris.sh

bench-nats: build
	bash bench/nats.sh

bench-erp: build
	bash bench/erp.sh

clean:
	rm -rf $(BUILD)
