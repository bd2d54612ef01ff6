# sign: one plain Makefile.  `make`, `make check`, `make check SANITIZE=1`,
# `make demo`, `make bench`, `make install PREFIX=... DESTDIR=...`,
# `make STATIC=1` (build/static/sign, see below).

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
PKGDIR  ?= $(LIBDIR)/pkgconfig
VERSION  = 0.1.0

CC      ?= cc
AR      ?= ar
PKGS     = openssl libcurl jansson libsodium yaml-0.1 yajl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)
# `sign admission`'s HTTPS server (cmd/adm_*.c): libevent's evhttp with
# bufferevent_openssl and its pthreads locking.  The CLI links it; libsign
# does not.
EVENT_PKGS    = libevent_openssl libevent_pthreads
EVENT_CFLAGS := $(shell pkg-config --cflags $(EVENT_PKGS) 2>/dev/null)
EVENT_LIBS   := $(shell pkg-config --libs $(EVENT_PKGS) 2>/dev/null)

WARN     = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wwrite-strings -Wvla
HARDEN   = -fstack-protector-strong -D_FORTIFY_SOURCE=2
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(HARDEN) \
             -fPIC -fvisibility=hidden -Iinclude -Ilibsign $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS ?=
ALL_LDFLAGS = -pthread -Wl,-z,relro,-z,now $(LDFLAGS)

ifeq ($(SANITIZE),1)
ALL_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE -O1
ALL_LDFLAGS += -fsanitize=address,undefined
B = build/san
else ifeq ($(STATIC),1)
# `make STATIC=1`: build/static/sign links a lean libcurl (HTTP and HTTPS on
# OpenSSL, built by scripts/build-curl.sh from Debian's own curl source),
# OpenSSL, jansson, libsodium and glibc statically (the test tools and unit
# tests keep libc shared).  Same code, same tests; it starts in a fraction of
# the time (docs/architecture.md).
B = build/static
CURL_PREFIX = $(CURDIR)/$(B)/deps/curl
STATIC_PC   = PKG_CONFIG_PATH=$(CURL_PREFIX)/lib/pkgconfig pkg-config
PKG_CFLAGS := -I$(CURL_PREFIX)/include -DCURL_STATICLIB $(shell pkg-config --cflags openssl jansson libsodium yaml-0.1 yajl 2>/dev/null)
# (Debian's yajl names its archive libyajl_s.a)
STATIC_LIBS = $(patsubst -lyajl,-l:libyajl_s.a,$(shell $(STATIC_PC) --static --libs $(PKGS) 2>/dev/null))
PKG_LIBS    = -Wl,-Bstatic $(STATIC_LIBS) -Wl,-Bdynamic -lpthread -ldl
STATIC_DEPS = $(CURL_PREFIX)/lib/libcurl.a
# Compact relative relocations (DT_RELR, binutils 2.38 and glibc 2.36): the
# static binary carries 19,000 of them, mostly OpenSSL's tables, and the
# loader reads 450 KiB of .rela.dyn at every start without it.
RELR := $(shell printf 'int main(void){return 0;}' | $(CC) -x c - -Wl,-z,pack-relative-relocs -o /dev/null 2>/dev/null && echo -Wl,-z,pack-relative-relocs)
ALL_LDFLAGS += $(RELR)
# build/static/sign itself is fully static, glibc included, and still
# position-independent (static-pie: ASLR as before): no shared library to
# load or bind at start.  scripts/link-static.sh drops glibc's expected NSS
# notices from that link, and nothing else.
SIGN_LDFLAGS = -static-pie
SIGN_LIBS    = $(STATIC_LIBS) -lpthread -ldl
SIGN_LINK    = ./scripts/link-static.sh
else
B = build
endif

LIB_SRC  = $(sort $(wildcard libsign/*.c))
LIB_OBJ  = $(LIB_SRC:libsign/%.c=$(B)/obj/lib/%.o)
CMD_SRC  = $(sort $(wildcard cmd/*.c))
CMD_OBJ  = $(CMD_SRC:cmd/%.c=$(B)/obj/cmd/%.o)
UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOL_BIN = $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)
HDRS     = $(wildcard include/*.h libsign/*.h cmd/*.h)
# The CLI sees only the public header: no -Ilibsign for cmd/.
CMD_CFLAGS = $(filter-out -Ilibsign,$(ALL_CFLAGS)) $(EVENT_CFLAGS)
# libsign.so exports what the version script libsign.sym lists, under its
# version node, and nothing else (tests/cli/test_build.sh checks it).
LIB_SYMS = libsign.sym

ifeq ($(STATIC),1)
all: $(B)/sign $(B)/libsign.a

$(STATIC_DEPS):
	./scripts/build-curl.sh $(CURL_PREFIX)

$(LIB_OBJ) $(CMD_OBJ): | $(STATIC_DEPS)
else
all: $(B)/sign $(B)/libsign.a $(B)/libsign.so $(B)/libsign.pc
endif

$(B)/obj/lib/%.o: libsign/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DSIGN_BUILDING_LIBRARY -c -o $@ $<

$(B)/obj/cmd/%.o: cmd/%.c include/sign.h include/sign_admission.h $(wildcard cmd/*.h)
	@mkdir -p $(@D)
	$(CC) $(CMD_CFLAGS) -c -o $@ $<

$(B)/libsign.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

$(B)/libsign.so: $(LIB_OBJ) $(LIB_SYMS)
	$(CC) -shared -Wl,-soname,libsign.so.0 -Wl,--version-script=$(LIB_SYMS) $(ALL_LDFLAGS) \
	  -o $@ $(LIB_OBJ) $(PKG_LIBS)

SIGN_LIBS ?= $(PKG_LIBS)

$(B)/sign: $(CMD_OBJ) $(B)/libsign.a
	$(SIGN_LINK) $(CC) $(ALL_LDFLAGS) $(SIGN_LDFLAGS) -o $@ $(CMD_OBJ) $(B)/libsign.a $(EVENT_LIBS) $(SIGN_LIBS)

PC_GEN = printf 'prefix=%s\nlibdir=%s\nincludedir=%s\n\nName: libsign\nDescription: sign and verify container images\nVersion: %s\nRequires.private: %s\nLibs: -L$${libdir} -lsign\nLibs.private: -pthread\nCflags: -I$${includedir}\n' \
	  '$(PREFIX)' '$(LIBDIR)' '$(INCDIR)' '$(VERSION)' '$(PKGS)'

$(B)/libsign.pc: Makefile
	@mkdir -p $(@D)
	$(PC_GEN) > $@

$(B)/tests/%: tests/unit/%.c $(B)/libsign.a $(HDRS) $(wildcard tests/unit/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libsign.a $(PKG_LIBS) $(CMOCKA_LIBS)

# the test servers' shared socket and HTTP plumbing (tests/tools/lib)
TOOL_LIB = $(B)/obj/tools/toolnet.o
$(TOOL_LIB): tests/tools/lib/toolnet.c tests/tools/lib/toolnet.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/tools/%: tests/tools/%.c $(B)/libsign.a $(TOOL_LIB) $(HDRS) tests/tools/lib/toolnet.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/tools/lib $(ALL_LDFLAGS) -o $@ $< $(TOOL_LIB) $(B)/libsign.a $(PKG_LIBS)

# build/tools/sign-hooks: the CLI with the test hooks compiled in
# (-DSIGN_TEST_HOOKS: the fault-injection points of libsign/rotate.c and
# libsign/migrate_tags.c, set from SIGN_TEST_FAIL_AFTER by cmd/main.c,
# which declares it itself and so still needs no internal header), for
# tests/cli/test_rotate.sh and test_migrate.sh.
# build/sign and libsign are built without them.
HOOK_OBJ = $(B)/obj/hooks/lib/rotate.o $(B)/obj/hooks/lib/migrate_tags.o $(B)/obj/hooks/cmd/main.o
$(B)/obj/hooks/lib/%.o: libsign/%.c $(HDRS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DSIGN_BUILDING_LIBRARY -DSIGN_TEST_HOOKS -c -o $@ $<
$(B)/obj/hooks/cmd/main.o: cmd/main.c include/sign.h cmd/cli.h
	@mkdir -p $(@D)
	$(CC) $(CMD_CFLAGS) -DSIGN_TEST_HOOKS -c -o $@ $<
$(B)/tools/sign-hooks: $(HOOK_OBJ) $(filter-out $(B)/obj/cmd/main.o,$(CMD_OBJ)) $(filter-out $(B)/obj/lib/rotate.o $(B)/obj/lib/migrate_tags.o,$(LIB_OBJ))
	@mkdir -p $(@D)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(EVENT_LIBS) $(PKG_LIBS)

deps:
	./scripts/install-deps.sh build $(if $(filter 1,$(STATIC)),static)

test-deps:
	./scripts/install-deps.sh build test static

check: test-deps
	$(MAKE) all-tests
	SIGN_BUILD=$(B) VECTORS=$(VECTORS) ./tests/run.sh $(B)

all-tests: all $(UNIT_BIN) $(TOOL_BIN) $(B)/tools/sign-hooks

# the public test vectors, copied into the tree (tests/vectors/README.md)
VECTORS ?= tests/vectors

# `make fuzz [FUZZ_SECONDS=N]`: the libFuzzer harnesses of tests/fuzz/ (one per
# parser of outside input), built with clang under ASan and UBSan into
# build/fuzz/ from the library's sources compiled the same way, then each run
# for N seconds on its seed corpus; a crash, a leak or a failed check fails
# the target (docs/fuzzing.md).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_B        = build/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# (clang, unlike gcc, flags the va_list formatter in util.c under -Wformat=2)
FUZZ_CFLAGS   = -std=c11 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) \
                -Wno-format-nonliteral -g -O1 \
                $(FUZZ_SAN) -Iinclude -Ilibsign $(PKG_CFLAGS)
FUZZ_SRC      = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN      = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_B)/%)
FUZZ_LIB_OBJ  = $(LIB_SRC:libsign/%.c=$(FUZZ_B)/obj/lib/%.o)

$(FUZZ_B)/obj/lib/%.o: libsign/%.c $(HDRS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -DSIGN_BUILDING_LIBRARY -c -o $@ $<

$(FUZZ_B)/libsign.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_B)/libsign.a $(HDRS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -DFUZZ_VECTORS='"$(abspath $(VECTORS))"' \
	  -o $@ $< $(FUZZ_B)/libsign.a $(PKG_LIBS)

fuzz-deps:
	./scripts/install-deps.sh build fuzz

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-deps
	$(MAKE) fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh $(FUZZ_B)

demo: deps
	$(MAKE) all
	./scripts/demo.sh $(B)

bench: test-deps
	./scripts/install-deps.sh bench
	$(MAKE) all-tests
	$(MAKE) STATIC=1 all
	./tests/bench.sh $(B) build/static

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCDIR) $(DESTDIR)$(PKGDIR) \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(B)/sign $(DESTDIR)$(BINDIR)/sign
	install -m 0644 $(B)/libsign.a $(DESTDIR)$(LIBDIR)/libsign.a
	install -m 0755 $(B)/libsign.so $(DESTDIR)$(LIBDIR)/libsign.so.0
	ln -sf libsign.so.0 $(DESTDIR)$(LIBDIR)/libsign.so
	install -m 0644 include/sign.h $(DESTDIR)$(INCDIR)/sign.h
	install -m 0644 include/sign_admission.h $(DESTDIR)$(INCDIR)/sign_admission.h
	$(PC_GEN) > $(DESTDIR)$(PKGDIR)/libsign.pc
	install -m 0644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 0644 man/*.5 $(DESTDIR)$(MANDIR)/man5/

clean:
	rm -rf build

.PHONY: all deps test-deps check all-tests demo bench install clean fuzz fuzz-deps fuzz-build
