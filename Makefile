# sockrepl - a teaching REPL for the BSD sockets API.
#
#   make          build ./sockrepl
#   make run      build and start it
#   make check    build and run the Bats suite, files side by side (installs
#                 test tools as root); JOBS=N files at once
#   make install  PREFIX=/usr/local DESTDIR=   /   make uninstall   /   make clean
#   make lint, make asan, make valgrind, make fuzz FUZZ_SECONDS=N   (hardening)
#   make bench    performance figures against their baselines

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/sockrepl
MANDIR  ?= $(PREFIX)/share/man

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic
LDLIBS  ?= -lreadline -lpthread

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:.c=.o)
DEPS := $(SRCS:.c=.d)

sockrepl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

src/%.o: src/%.c | build-deps
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(DEPS)

# The build needs GNU Readline's headers; say how to get them (or, as root,
# get them) instead of failing with a missing-header error. NEEDS: the tools
# of every goal asked for, so that a newcomer gets one install line for all.
NEEDS = build $(sort $(foreach goal,$(MAKECMDGOALS),$(NEEDS_$(goal))))
NEEDS_check := check
NEEDS_asan := check
NEEDS_lint := harden
NEEDS_valgrind := harden
NEEDS_fuzz := harden
NEEDS_bench := bench
build-deps:
	@tests/need-tools $(NEEDS)

run: sockrepl
	./sockrepl

check: sockrepl build/ppoll/sockrepl
	@tests/need-tools $(NEEDS)
	@tests/run-suite

# sockrepl as built for an architecture without a poll system call (arm64,
# riscv64), where glibc's poll() is ppoll: tests/strace.bats checks its lines.
PPOLL_OBJS := $(SRCS:src/%.c=build/ppoll/%.o)
build/ppoll/%.o: src/%.c | build-deps
	@mkdir -p build/ppoll
	$(CC) $(WARN) -DSOCKREPL_PPOLL -O0 -g -MMD -MP -c -o $@ $<
build/ppoll/sockrepl: $(PPOLL_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(PPOLL_OBJS) $(LDLIBS)
-include $(PPOLL_OBJS:.o=.d)

# The binary finds its lessons (and their challenges/) in ../share/sockrepl/lessons
# beside its bin/.
install: sockrepl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/lessons/challenges $(DESTDIR)$(MANDIR)/man1
	install -m 755 sockrepl $(DESTDIR)$(BINDIR)/sockrepl
	install -m 644 lessons/*.txt lessons/*.html $(DESTDIR)$(DATADIR)/lessons/
	install -m 644 lessons/challenges/*.txt $(DESTDIR)$(DATADIR)/lessons/challenges/
	install -m 644 sockrepl.1 $(DESTDIR)$(MANDIR)/man1/sockrepl.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockrepl $(DESTDIR)$(MANDIR)/man1/sockrepl.1
	rm -rf $(DESTDIR)$(DATADIR)

# ---- hardening: make lint, asan, valgrind, fuzz ---------------------------

# Stricter warnings than the build's, and cppcheck, both as errors. (Cppcheck
# 2.17, Debian 13's, fails on its own note that it limits branch analysis.)
lint:
	@tests/need-tools $(NEEDS)
	$(CC) $(WARN) -Wformat=2 -Wshadow -Werror -fsyntax-only $(SRCS)
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--std=c11 -D_GNU_SOURCE --inline-suppr --suppress=missingIncludeSystem \
		--suppress=normalCheckLevelMaxBranches src/

# The whole Bats suite against a build with AddressSanitizer and UBSan.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
build/asan/sockrepl: $(SRCS) src/sockrepl.h src/errnos.def | build-deps
	@mkdir -p build/asan
	$(CC) $(WARN) $(ASAN_FLAGS) -o $@ $(SRCS) $(LDLIBS)

asan: build/asan/sockrepl build/ppoll/sockrepl
	@tests/need-tools $(NEEDS)
	SOCKREPL=$(CURDIR)/build/asan/sockrepl ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 tests/run-suite

# Every lesson under valgrind, read from the file and through a pipe (which
# starts the stdin watcher thread): no invalid access, no definite or
# possible leak. A lesson that requires the sandbox runs in it.
VALGRIND := valgrind -q --leak-check=full --errors-for-leak-kinds=definite,possible \
	--error-exitcode=1 ./sockrepl --no-echo
valgrind: sockrepl
	@tests/need-tools harden
	@for lesson in lessons/*.txt; do \
		flags=$$(grep -qx 'requires sandbox' $$lesson && echo --sandbox); \
		echo "valgrind: $$lesson$${flags:+ $$flags}"; \
		$(VALGRIND) $$flags < $$lesson > /dev/null || exit 1; \
		echo "valgrind: $$lesson$${flags:+ $$flags} (piped)"; \
		cat $$lesson | $(VALGRIND) $$flags > /dev/null || exit 1; \
	done

# libFuzzer on the command parser, the script reader, and whole scripts
# executed (fuzz_exec: real calls on loopback, in a private network namespace),
# FUZZ_SECONDS each; then the covered edges and, from a coverage build that
# replays the corpora, which src/*.c files were reached (tests/fuzz/run).
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
COV_FLAGS := -g -O0 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping
FUZZ_SRCS := $(filter-out src/main.c,$(SRCS))
FUZZ_DEPS := tests/fuzz/quiet.h $(FUZZ_SRCS) src/sockrepl.h src/errnos.def
build/fuzz/%: tests/fuzz/%.c $(FUZZ_DEPS) | build-deps
	@mkdir -p build/fuzz
	clang -std=c11 -D_GNU_SOURCE $(FUZZ_FLAGS) -o $@ $< $(FUZZ_SRCS) $(LDLIBS)
build/cov/%: tests/fuzz/%.c $(FUZZ_DEPS) | build-deps
	@mkdir -p build/cov
	clang -std=c11 -D_GNU_SOURCE $(COV_FLAGS) -o $@ $< $(FUZZ_SRCS) $(LDLIBS)

fuzz: build/fuzz/fuzz_parse build/fuzz/fuzz_script build/fuzz/fuzz_exec
	@tests/need-tools harden
	tests/fuzz/run $(FUZZ_SECONDS)

# Performance, each figure next to its baseline; rewrites tests/bench/RESULTS.md.
bench:
	@tests/need-tools bench
	tests/bench/run

clean:
	rm -rf sockrepl $(OBJS) $(DEPS) build

.PHONY: run check install uninstall clean build-deps lint asan valgrind fuzz bench
