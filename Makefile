# sockrepl - a teaching REPL for the BSD sockets API.
#
#   make          build ./sockrepl
#   make run      build and start it
#   make check    build and run the Bats suite (installs test tools as root)
#   make install  PREFIX=/usr/local DESTDIR=   /   make uninstall   /   make clean

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/sockrepl
MANDIR  ?= $(PREFIX)/share/man

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wpedantic
LDLIBS  ?= -lreadline

SRCS := $(wildcard src/*.c)
OBJS := $(SRCS:.c=.o)
DEPS := $(SRCS:.c=.d)

sockrepl: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

src/%.o: src/%.c | build-deps
	$(CC) $(WARN) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(DEPS)

# The build needs GNU Readline's headers; say how to get them (or, as root,
# get them) instead of failing with a missing-header error.
build-deps:
	@tests/need-tools build

run: sockrepl
	./sockrepl

check: sockrepl
	@tests/need-tools check
	bats tests

# The binary finds its lessons in ../share/sockrepl/lessons beside its bin/.
install: sockrepl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/lessons $(DESTDIR)$(MANDIR)/man1
	install -m 755 sockrepl $(DESTDIR)$(BINDIR)/sockrepl
	install -m 644 lessons/*.txt $(DESTDIR)$(DATADIR)/lessons/
	install -m 644 sockrepl.1 $(DESTDIR)$(MANDIR)/man1/sockrepl.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/sockrepl $(DESTDIR)$(MANDIR)/man1/sockrepl.1
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -f sockrepl $(OBJS) $(DEPS)

.PHONY: run check install uninstall clean build-deps
