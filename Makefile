# nncc — build, test, demo, benchmark.
#
#   make          the compiler (build/nncc) and the runtime (build/libnncc_rt.a + runtime/nncc_rt.h)
#   make demo     build, compile an example network, train it, show the result
#   make check    unit tests (Check), golden files, end-to-end tests
#   make san      the tests under ASan + UBSan
#   make fuzz     every libFuzzer harness of tests/fuzz for FUZZ_SECONDS (60) each
#   make bench    speed against numpy and PyTorch
#   make deps     install what pkg-config cannot find (Debian, apt-get)
#   make install  PREFIX (/usr/local), DESTDIR; make uninstall; make deb (a .deb in build/deb/)

SHELL   := /bin/bash
CC      ?= cc
BUILD   ?= build
PKGS    := yaml-0.1 check libcjson hdf5 zlib
# Debian package for each pkg-config name above.
DEB_yaml-0.1 := libyaml-dev
DEB_check    := check
DEB_libcjson := libcjson-dev
DEB_hdf5     := libhdf5-dev
DEB_zlib     := zlib1g-dev

WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror
OPT     ?= -O2 -g
CFLAGS_ALL = -std=c11 $(OPT) $(WARN) -fopenmp -D_POSIX_C_SOURCE=200809L -Iruntime -Icompiler -I$(BUILD) $(SAN)

pc = $(shell pkg-config $(1) $(2) 2>/dev/null)
RT_CFLAGS := $(call pc,--cflags,libcjson hdf5 zlib)
RT_LIBS   := $(call pc,--libs,libcjson hdf5 zlib) -lm
YAML_LIBS := $(call pc,--libs,yaml-0.1)
CHECK_LIBS := $(call pc,--libs,check)
# nncc --mpi: MPI as pkg-config names it (Debian: libopenmpi-dev). Without it, no
# libnncc_rt_mpi.a is built and nncc --mpi says so.
MPI_CFLAGS := $(call pc,--cflags,mpi-c)
MPI_LIBS   := $(call pc,--libs,mpi-c)

COMPILER_SRC := $(filter-out compiler/main.c,$(wildcard compiler/*.c))
RUNTIME_SRC  := $(wildcard runtime/*.c)
TEMPLATES    := $(sort $(wildcard templates/*.c templates/*.h))
UNIT_SRC     := $(wildcard tests/unit/*.c)

COMPILER_OBJ := $(COMPILER_SRC:%.c=$(BUILD)/%.o) $(BUILD)/templates.o
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
UNIT_OBJ     := $(UNIT_SRC:%.c=$(BUILD)/%.o)

NNCC    := $(BUILD)/nncc
RTLIB   := $(BUILD)/libnncc_rt.a
RTLIB_MPI := $(if $(MPI_LIBS),$(BUILD)/libnncc_rt_mpi.a)

.PHONY: all build deps deps-quiet test-deps bench-deps demo check unit scripts san fuzz bench clean golden-update
.DELETE_ON_ERROR:

# The public targets install missing dependencies first, then re-run make, so pkg-config's
# answers below are read after the install.
all: deps-quiet
	@$(MAKE) --no-print-directory build

build: $(NNCC) $(RTLIB) $(RTLIB_MPI)

# ---- dependencies ----------------------------------------------------------------------------
# Both demo and check run this: on a fresh Debian machine it installs what is missing.
deps:
	@missing=""; for p in $(PKGS); do pkg-config --exists $$p || missing="$$missing $$p"; done; \
	command -v pkg-config >/dev/null || missing="pkg-config $$missing"; \
	if [ -z "$$missing" ]; then echo "deps: all found ($(PKGS))"; exit 0; fi; \
	debs="pkg-config"; for p in $$missing; do case $$p in \
	  yaml-0.1) debs="$$debs $(DEB_yaml-0.1)";; check) debs="$$debs $(DEB_check)";; \
	  libcjson) debs="$$debs $(DEB_libcjson)";; hdf5) debs="$$debs $(DEB_hdf5)";; \
	  zlib) debs="$$debs $(DEB_zlib)";; esac; done; \
	echo "deps: missing$$missing; installing:$$debs"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	else echo "deps: not root and no sudo: run 'apt-get install$$debs' as root" >&2; exit 1; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$debs >/dev/null || \
	{ echo "deps: apt-get failed: install$$debs by hand" >&2; exit 1; }

# What only the tests need: reference Python (numpy, yaml; torch for the cross-checks), Fashion-MNIST, clang, the Cortex-M
# toolchain, and an aarch64 cross compiler with qemu-user (the armv8-a schedule's self-test).
TEST_DEBS := python3-numpy python3-yaml python3-torch dataset-fashion-mnist clang gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm \
             gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user

# tests/t_install.sh: building the .deb, reading the man page.
TEST_DEBS += debhelper dpkg-dev man-db
# make fuzz: libFuzzer and the sanitizer runtimes (Debian 12's clang only recommends them).
TEST_DEBS += libclang-rt-14-dev
# tests/t_mpi.sh: nncc --mpi under mpirun (then make builds libnncc_rt_mpi.a).
TEST_DEBS += libopenmpi-dev openmpi-bin

# make bench's peers: numpy and PyTorch through OpenBLAS (numpy on the reference BLAS is 20x slower).
BENCH_DEBS := python3-numpy python3-torch libopenblas0-pthread libopenmpi-dev openmpi-bin

test-deps bench-deps: DEBS = $(if $(filter bench-deps,$@),$(BENCH_DEBS),$(TEST_DEBS))
test-deps bench-deps:
	@missing=""; for d in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$d 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$d"; done; \
	if [ -n "$$missing" ]; then \
	  echo "$@: installing$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null; then SUDO=sudo; \
	  else echo "$@: not root and no sudo: run 'apt-get install$$missing' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null || \
	  { echo "$@: apt-get failed: install$$missing by hand" >&2; exit 1; }; fi

deps-quiet:
	@for p in $(PKGS); do pkg-config --exists $$p || { $(MAKE) --no-print-directory deps; break; }; done

# ---- the compiler and the runtime ----------------------------------------------------------

$(BUILD)/%.o: %.c compiler/nncc.h compiler/registry.h runtime/nncc_rt.h runtime/rt_internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(RT_CFLAGS) -c $< -o $@

# Templates are built into the binary: one C string per file, named by its file name.
$(BUILD)/templates.c: $(TEMPLATES) Makefile
	@mkdir -p $(BUILD)
	@{ echo '/* generated from templates/ by make: do not edit */'; \
	   echo '#include <stddef.h>'; \
	   echo 'const struct { const char *name; const char *text; } embedded_templates[] = {'; \
	   for f in $(TEMPLATES); do \
	     printf '    {"%s",\n' "$$(basename $$f)"; \
	     sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/     "/' -e 's/$$/\\n"/' $$f; \
	     echo '    },'; \
	   done; \
	   echo '    {NULL, NULL}};'; } > $@

$(BUILD)/templates.o: $(BUILD)/templates.c
	$(CC) $(CFLAGS_ALL) -c $< -o $@

# nncc links the runtime too: --emit infer reads weights and data through the runtime's loaders.
$(NNCC): $(BUILD)/compiler/main.o $(COMPILER_OBJ) $(RTLIB)
	$(CC) $(CFLAGS_ALL) $^ $(YAML_LIBS) $(RT_LIBS) -o $@

$(RTLIB): $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

# rt_main_mpi(): the one runtime file that needs MPI, in an archive of its own.
$(BUILD)/runtime/mpi/rt_mpi.o: runtime/mpi/rt_mpi.c runtime/nncc_rt.h runtime/rt_internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(MPI_CFLAGS) -c $< -o $@

$(BUILD)/libnncc_rt_mpi.a: $(BUILD)/runtime/mpi/rt_mpi.o
	@rm -f $@
	ar rcs $@ $^

# nncc finds the runtime beside itself; driver mode links with these flags. The stamp holds them,
# rewritten when they change (MPI installed after a first build), so driver.o is built again.
$(BUILD)/compiler/driver.o: CFLAGS_ALL += -DNNCC_RT_LIBS='"$(RT_LIBS)"' $(if $(MPI_LIBS),-DNNCC_MPI_LIBS='"$(MPI_LIBS)"')
$(BUILD)/compiler/driver.o: $(BUILD)/link-flags.stamp
$(BUILD)/link-flags.stamp: FORCE
	@mkdir -p $(BUILD)
	@echo '$(RT_LIBS) | $(MPI_LIBS)' > $@.new; if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi
.PHONY: FORCE

# ---- tests -----------------------------------------------------------------------------------

# One Check runner collects every suite: each tests/unit/*.c defines `Suite *NAME_suite(void)`.
$(BUILD)/suites.h: $(UNIT_SRC)
	@mkdir -p $(BUILD)
	@sed -n 's/^Suite \*\([a-z_0-9]*\)_suite(void).*/X(\1)/p' $(UNIT_SRC) > $@

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(BUILD)/suites.h compiler/nncc.h runtime/nncc_rt.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(RT_CFLAGS) -Wno-missing-prototypes $(call pc,--cflags,check) -c $< -o $@

$(BUILD)/unit_tests: $(UNIT_OBJ) $(COMPILER_OBJ) $(RTLIB)
	$(CC) $(CFLAGS_ALL) $(UNIT_OBJ) $(COMPILER_OBJ) $(RTLIB) $(YAML_LIBS) $(RT_LIBS) $(CHECK_LIBS) -o $@

unit: build $(BUILD)/unit_tests
	cd tests && ../$(BUILD)/unit_tests

# The shell tests: every tests/t_*.sh (golden files, end to end, examples, loaders on real files).
scripts: build
	@NNCC=$(CURDIR)/$(NNCC) NNCC_TEST_CFLAGS="$(SAN)" tests/run_all.sh

golden-update: all
	@UPDATE=1 NNCC=$(CURDIR)/$(NNCC) bash tests/t_golden.sh

check: deps-quiet test-deps
	@$(MAKE) --no-print-directory build
	@$(MAKE) --no-print-directory unit scripts

# Every libFuzzer harness of tests/fuzz (clang, ASan + UBSan): the regression inputs once, then
# FUZZ_SECONDS (default 60) of fuzzing each; exits non-zero on any finding.
FUZZ_SECONDS ?= 60
fuzz: deps-quiet test-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash tests/fuzz/run.sh

san:
	NNCC_TEST_FULL=0 $(MAKE) BUILD=build-san OPT="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

# ---- the main job ----------------------------------------------------------------------------

demo: all
	@bash tests/demo.sh

bench: deps-quiet bench-deps
	@$(MAKE) --no-print-directory build
	@bash tests/bench/run.sh

clean:
	rm -rf build build-san

# ---- install, uninstall, a Debian package ----------------------------------------------------
# GNU's variables: `make install PREFIX=$HOME/.local`, `make install DESTDIR=/tmp/stage PREFIX=/usr`.
# The installed nncc finds its runtime from its own path (bindir/../lib, bindir/../include), so
# a prefix can be moved or unpacked anywhere; keep libdir and includedir beside bindir.

VERSION      := $(shell sed -n 's/.*NNCC_VERSION "\(.*\)".*/\1/p' compiler/nncc.h)
PREFIX       ?= /usr/local
prefix       ?= $(PREFIX)
exec_prefix  ?= $(prefix)
bindir       ?= $(exec_prefix)/bin
libdir       ?= $(exec_prefix)/lib
includedir   ?= $(prefix)/include
datarootdir  ?= $(prefix)/share
mandir       ?= $(datarootdir)/man
man1dir      ?= $(mandir)/man1
docdir       ?= $(datarootdir)/doc/nncc
pkgconfigdir ?= $(libdir)/pkgconfig
INSTALL         ?= install
INSTALL_PROGRAM ?= $(INSTALL)
INSTALL_DATA    ?= $(INSTALL) -m 644

# cJSON as an archive for `nncc -o PROGRAM --static` (Debian ships libcjson as a shared library
# only); the runtime itself is built against the system's libcjson.
CJSON_LIB := $(BUILD)/libnncc_cjson.a
build: $(CJSON_LIB)
$(CJSON_LIB): third_party/cjson/cJSON.c third_party/cjson/cJSON.h
	@mkdir -p $(BUILD)/third_party
	$(CC) -std=c89 $(OPT) -c $< -o $(BUILD)/third_party/cJSON.o
	@rm -f $@
	ar rcs $@ $(BUILD)/third_party/cJSON.o

# The libraries of a --static link, as archives: Debian's libhdf5.a needs libsz and libaec.
RT_STATIC_LIBS := $(call pc,--libs,hdf5) -lsz -laec $(call pc,--libs,zlib) -lm
$(BUILD)/compiler/driver.o: CFLAGS_ALL += -DNNCC_RT_STATIC_LIBS='"$(RT_STATIC_LIBS)"'

EXAMPLE_FILES := $(sort $(shell find examples -type f \( -name '*.yaml' -o -name '*.csv' -o -name '*.c' \
                   -o -name '*.h' -o -name '*.md' -o -name '*.py' \) -not -path '*-out/*'))
EXAMPLE_DIRS  := $(sort $(patsubst %/,%,$(dir $(EXAMPLE_FILES))))

.PHONY: install uninstall deb
install: build
	$(INSTALL) -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(includedir) \
	   $(DESTDIR)$(man1dir) $(addprefix $(DESTDIR)$(docdir)/,$(EXAMPLE_DIRS))
	$(INSTALL_PROGRAM) $(NNCC) $(DESTDIR)$(bindir)/nncc
	$(INSTALL_DATA) $(RTLIB) $(CJSON_LIB) $(RTLIB_MPI) $(DESTDIR)$(libdir)/
	$(INSTALL_DATA) runtime/nncc_rt.h $(DESTDIR)$(includedir)/nncc_rt.h
	sed -e 's|@prefix@|$(prefix)|' -e 's|@libdir@|$(libdir)|' -e 's|@includedir@|$(includedir)|' \
	    -e 's|@VERSION@|$(VERSION)|' nncc-rt.pc.in > $(DESTDIR)$(pkgconfigdir)/nncc-rt.pc
	chmod 644 $(DESTDIR)$(pkgconfigdir)/nncc-rt.pc
	$(INSTALL_DATA) doc/nncc.1 $(DESTDIR)$(man1dir)/nncc.1
	@for f in $(EXAMPLE_FILES); do echo "$(INSTALL_DATA) $$f $(DESTDIR)$(docdir)/$$f"; \
	  $(INSTALL_DATA) $$f $(DESTDIR)$(docdir)/$$f || exit 1; done

# Removes what install wrote, and the directories of nncc's own (docdir); never bin/ or lib/.
uninstall:
	rm -f $(DESTDIR)$(bindir)/nncc $(DESTDIR)$(libdir)/libnncc_rt.a $(DESTDIR)$(libdir)/libnncc_cjson.a \
	   $(DESTDIR)$(libdir)/libnncc_rt_mpi.a \
	   $(DESTDIR)$(includedir)/nncc_rt.h $(DESTDIR)$(pkgconfigdir)/nncc-rt.pc $(DESTDIR)$(man1dir)/nncc.1
	rm -f $(addprefix $(DESTDIR)$(docdir)/,$(EXAMPLE_FILES))
	@for d in $(DESTDIR)$(docdir) $(addprefix $(DESTDIR)$(docdir)/,$(EXAMPLE_DIRS)); do echo "$$d"; done | sort -r | \
	  while read -r d; do [ ! -d "$$d" ] || rmdir "$$d" 2>/dev/null || echo "uninstall: kept $$d (not empty)"; done

# A .deb, built by dpkg-buildpackage from a copy of the tree (git's files when this is a checkout)
# in DEBDIR, so the working tree and its build/ are left alone. Needs debhelper.
DEBDIR ?= $(BUILD)/deb
deb:
	rm -rf $(DEBDIR) && mkdir -p $(DEBDIR)/nncc-$(VERSION)
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git ls-files -z --cached --others --exclude-standard | \
	    tar --null -T - --ignore-failed-read -cf - | tar -xf - -C $(DEBDIR)/nncc-$(VERSION); \
	else tar --exclude=./build --exclude=./build-san --exclude='./*-out' -cf - . | tar -xf - -C $(DEBDIR)/nncc-$(VERSION); fi
	cd $(DEBDIR)/nncc-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	@ls $(DEBDIR)/*.deb
