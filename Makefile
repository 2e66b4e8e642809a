# Thin wrapper over Meson: make, make run, make test, make fuzz, make bench.
BUILD ?= build
SAN   ?= build-san
FUZZ  ?= build-fuzz
MESON ?= meson

.PHONY: all deps run test test-unit sanitize fuzz bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	@./scripts/deps.sh
	$(MESON) setup $(BUILD) -Dwerror=true >/dev/null

$(SAN)/build.ninja:
	@./scripts/deps.sh
	$(MESON) setup $(SAN) -Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false >/dev/null

$(FUZZ)/build.ninja:
	@./scripts/deps.sh
	CC=clang $(MESON) setup $(FUZZ) -Dfuzz=true -Db_lundef=false >/dev/null

deps:
	./scripts/deps.sh

# Start the bundled lab (Samba personas in network namespaces), scan it from
# the scanner namespace and print the report.
run: all
	./tests/lab/run-demo.sh

# Unit tests, corpus replays and the Samba integration tests, in the normal
# build and again under ASan+UBSan, the lab tests marked "loaded-pass" once
# more beside a CPU hog (SMBW_LOADED_PASS=0: not), plus a short libFuzzer
# smoke run of every fuzz target; lists every skip with its reason and ends
# with "N passed, N failed, N skipped" (a skip not on
# tests/skip-allowlist.txt fails the run).
test: all $(SAN)/build.ninja $(FUZZ)/build.ninja
	ninja -C $(SAN)
	ninja -C $(FUZZ)
	FUZZ_BUILD=$(FUZZ) FUZZ_SMOKE_SECONDS=$${FUZZ_SMOKE_SECONDS:-4} ./tests/run.sh $(BUILD) $(SAN)

# Without root: the unit tests and corpus replays of the normal build only
# (the Samba lab needs root); the lab shows as an allowed, listed skip.
test-unit: all
	SMBW_SKIP_INTEGRATION=1 ./tests/run.sh $(BUILD)

# the ASan build alone; the loaded pass belongs to make test (normal build)
sanitize: $(SAN)/build.ninja
	ninja -C $(SAN)
	SMBW_LOADED_PASS=$${SMBW_LOADED_PASS:-0} ./tests/run.sh $(SAN)

fuzz: $(FUZZ)/build.ninja
	ninja -C $(FUZZ)
	./tests/fuzz/run-fuzz.sh $(FUZZ) $${FUZZ_SECONDS:-60}

bench: all
	./scripts/deps.sh --bench
	./bench/run.sh

# smbwatch, its man page, the monitor's systemd unit and example config
# under PREFIX (meson's default /usr/local; e.g. make install PREFIX=/usr)
install: all
	$(if $(PREFIX),$(MESON) configure $(BUILD) -Dprefix=$(PREFIX) >/dev/null && ninja -C $(BUILD),)
	$(MESON) install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN) $(FUZZ)
