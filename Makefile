# Liandong top-level build. `make` builds every binary into build/bin;
# `make SAN=1` builds an ASan+UBSan variant into build-san/; `make test`
# prepares the machine (deploy/install-deps.sh) and runs tests/run.sh.
# Sources are discovered by directory so that adding a file never needs a
# Makefile edit: lib/*.c -> libliandong.a, services/X/*.c -> X.a + bin/X.

CC      ?= cc
SAN     ?= 0
FUZZ    ?= 0
ifeq ($(FUZZ),1)
# libFuzzer build: every object instrumented, fuzz drivers linked with the
# fuzzer runtime (clang only).
CC       = clang
BUILD   ?= build-fuzz
SANFLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
OPT      = -O1 -g
else ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      = -O1 -g
else
BUILD   ?= build
SANFLAGS =
OPT      = -O2 -g
endif

PKGS    := libzmq libprotobuf-c libuv opencc jansson libpq libmicrohttpd libcrypto expat libsodium
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

GEN     := $(BUILD)/gen
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror $(OPT) $(SANFLAGS) \
           -Ilib -I$(GEN) $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS  += $(PKG_LIBS) -lm

SERVICES := router ledger notifier gateway
# `make` alone builds everything (the first rule below would otherwise be an archive).
.DEFAULT_GOAL := all
PROTO    := $(wildcard proto/*.proto)
PROTO_C  := $(patsubst proto/%.proto,$(GEN)/%.pb-c.c,$(PROTO))
PROTO_PY := $(patsubst proto/%.proto,$(GEN)/py/%_pb2.py,$(PROTO))

LIB_SRC  := $(wildcard lib/*.c)
LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(PROTO_C:.c=.o)
LIB_A    := $(BUILD)/libliandong.a

# service archives: everything in the service directory except main.c
define svc_rules
$(1)_DIR  := $(2)
$(1)_SRC  := $$(filter-out $(2)/main.c,$$(wildcard $(2)/*.c))
$(1)_OBJ  := $$(patsubst %.c,$(BUILD)/obj/%.o,$$($(1)_SRC))
$(1)_A    := $(BUILD)/$(1).a
$$($(1)_A): $$($(1)_OBJ)
	@mkdir -p $$(@D)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/bin/$(1): $(BUILD)/obj/$(2)/main.o $$($(1)_A) $(LIB_A)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
ALL_ARCHIVES += $$($(1)_A)
BINS += $(BUILD)/bin/$(1)
endef
$(foreach s,$(SERVICES),$(eval $(call svc_rules,$(s),services/$(s))))
$(eval $(call svc_rules,petition,tools/petition))

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
PARITY_SRC  := $(wildcard tests/parity/*.c)
PARITY_BINS := $(patsubst tests/parity/%.c,$(BUILD)/parity/%,$(PARITY_SRC))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)

.SECONDARY:
.PHONY: all test run bench clean deps unit san fmt lint fuzz fuzz-bins bench-bins deb deb-test faults
all: $(BINS) $(UNIT_BINS) $(PARITY_BINS) $(PROTO_PY)

$(GEN)/%.pb-c.c $(GEN)/%.pb-c.h: proto/%.proto
	@mkdir -p $(GEN)
	protoc-c --proto_path=proto --c_out=$(GEN) $<

$(GEN)/py/%_pb2.py: proto/%.proto
	@mkdir -p $(GEN)/py
	protoc --proto_path=proto --python_out=$(GEN)/py $<

$(GEN)/%.pb-c.o: $(GEN)/%.pb-c.c
	$(CC) $(CFLAGS) -Wno-unused-parameter -c -o $@ $<

$(BUILD)/obj/%.o: %.c $(PROTO_C)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Tests, benchmarks and fuzzers reach into the services' own headers.
$(BUILD)/obj/tests/%.o: CFLAGS += -Iservices/router -Iservices/ledger -Iservices/notifier -Iservices/gateway

$(LIB_A): $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(ALL_ARCHIVES) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_ARCHIVES) $(LIB_A) $(LDLIBS) -lcmocka

# Printers of C rules that SQL repeats, read by tests/system/test_parity.py.
$(BUILD)/parity/%: $(BUILD)/obj/tests/parity/%.o $(ALL_ARCHIVES) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_ARCHIVES) $(LIB_A) $(LDLIBS)

BENCH_SRC  := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(ALL_ARCHIVES) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(ALL_ARCHIVES) $(LIB_A) $(LDLIBS)
bench-bins: $(BENCH_BINS)

FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(ALL_ARCHIVES) $(LIB_A)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $< $(ALL_ARCHIVES) $(LIB_A) $(LDLIBS)

fuzz:
	$(MAKE) FUZZ=1 fuzz-bins
fuzz-bins: $(FUZZ_BINS)

unit: $(UNIT_BINS)

deps:
	bash deploy/install-deps.sh

# `make run LIANDONG_CLOCK_SPEED=3600` (or the variable in the environment):
# every service and the CLI on one accelerated clock, an hour a second
# (lib/clock.h, deploy/run.sh anchors it).
run: deps
	$(MAKE) all
	bash deploy/run.sh

test: deps
	$(MAKE) all
	$(MAKE) SAN=1 all
	$(MAKE) fuzz
	bash tests/run.sh

# The long fault campaign (issue 12): several minutes of SIGKILLs, PostgreSQL
# restarts and 20-second freezes under load; prints its figures.
faults: deps
	$(MAKE) all
	LIANDONG_BUILD=$(BUILD) /usr/bin/python3 tests/faults/campaign.py

bench: deps
	$(MAKE) all bench-bins
	bash tests/bench/run.sh

# The Debian package (dpkg-deb, dpkg-shlibdeps) from this tree's build, and
# its test on a fresh bookworm chroot (debootstrap; minutes, needs root and
# Debian's archive): README "Installing as a Debian service".
deb: deps
	$(MAKE) all
	bash deploy/deb/build.sh $(BUILD) $(BUILD)/deb

deb-test: deb
	command -v debootstrap >/dev/null || apt-get install -y -q debootstrap
	bash tests/deb/test_deb.sh $$(ls -t $(BUILD)/deb/liandong_*.deb | head -1)

fmt:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	bash tests/lint.sh

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The failover cluster (deploy/cluster.sh, docs/failover.md) and its test
# under load; not part of `make test` (pg_auto_failover, ~2 minutes).
CLUSTER_DIR ?= var/cluster
.PHONY: cluster cluster-stop failover
cluster: all
	bash deploy/cluster.sh start $(CLUSTER_DIR)
cluster-stop:
	bash deploy/cluster.sh stop $(CLUSTER_DIR)
failover: all
	LIANDONG_BUILD=$(BUILD) /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/failover
