# infrac — one entry point: build, check, install, bench, fuzz.
#
#   make            build ./infrac
#   make examples   compile every bundled example into out/<example>/
#   make check      run the whole test suite (also under ASan+UBSan, and 30 s of fuzzing)
#   make check-fast the suite without sanitizers or fuzzing, sections in parallel:
#                   for iterating; CI runs `make check`
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench      benchmark (medians, ratios against references)
#   make fuzz       libFuzzer over the whole pipeline for FUZZ_SECONDS (600)

CC       ?= cc
FUZZ_SECONDS ?= 600
PREFIX   ?= /usr/local
BUILD    ?= build
PKGS     := yaml-0.1 jansson libgit2
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wmissing-declarations -Wno-unused-parameter
ifeq ($(CI),true)
WARN     += -Werror
endif
ifeq ($(WERROR),1)
WARN     += -Werror
endif
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libgit2 is opened with dlopen when first needed (compiler/gitapi.h): linked
# directly, loading it and its libraries costs more than a whole compile.
PKG_LIBS   := $(shell pkg-config --libs yaml-0.1 jansson 2>/dev/null) -ldl
GIT_SONAME := $(shell objdump -p $$(pkg-config --variable=libdir libgit2)/libgit2.so 2>/dev/null | awk '/SONAME/ { print $$2 }')
# Where SARIF reports link each rule's documentation (docs/RULES.md#RULE):
# the infrac_check workflow builds with the exact revision's docs.
DOCS_URL ?= https://github.com/infrac/infrac/blob/main/docs
CPPFLAGS += -DINFRAC_DOCS_URL='"$(DOCS_URL)"'
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icompiler -Ibackends -I$(BUILD)/gen \
            -DINFRAC_LIBGIT2='"$(or $(GIT_SONAME),libgit2.so)"'
CFLAGS   += -std=c11 -pthread $(OPT) $(WARN) $(SAN) $(PKG_CFLAGS)
LDFLAGS  += -pthread $(SAN)
LDLIBS   += $(PKG_LIBS) -lm

LIB_SRC  := $(filter-out compiler/main.c,$(wildcard compiler/*.c)) $(wildcard backends/*.c)
GEN_SRC  := $(BUILD)/gen/infra.tab.c $(BUILD)/gen/infra.lex.c $(BUILD)/gen/stdlib_ast.c
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_SRC:%.c=%.o)
STDLIB   := $(sort $(wildcard stdlib/*.infra))
UNIT_SRC := $(wildcard tests/unit/*.c)

.PHONY: all examples check check-fast test unit install clean bench fuzz asan

# `make` alone builds in parallel, one job per core; -jN on the command line wins.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

all: infrac

infrac: $(BUILD)/infrac
	cp $< $@

$(BUILD)/infrac: $(BUILD)/compiler/main.o $(BUILD)/libinfrac.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libinfrac.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c $(BUILD)/gen/infra.tab.h | $(BUILD)/gen
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/infra.tab.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-sign-compare -Wno-unused-function -MMD -MP -c -o $@ $<

$(BUILD)/gen:
	mkdir -p $@

$(BUILD)/gen/infra.tab.c $(BUILD)/gen/infra.tab.h: grammar/infra.y | $(BUILD)/gen
	bison -Wall -Werror --defines=$(BUILD)/gen/infra.tab.h -o $(BUILD)/gen/infra.tab.c $<

$(BUILD)/gen/infra.lex.c: grammar/infra.l $(BUILD)/gen/infra.tab.h | $(BUILD)/gen
	flex -o $@ $<

# The stdlib is parsed here, once, and written as C data (tools/stdlib_ast.c):
# the compiler starts with its syntax trees instead of parsing it every run.
# The generator is built from the parser's sources alone, without $(SAN).
$(BUILD)/gen/stdlib_ast.c: $(BUILD)/stdlib-ast $(STDLIB) | $(BUILD)/gen
	$(BUILD)/stdlib-ast $@.tmp $(foreach f,$(STDLIB),$(f)=$(f))
	mv $@.tmp $@

# The build id names the compiler's sources (code and stdlib): a manifest
# written by another build is not trusted to describe this one's output.
ID_SRC := $(sort $(wildcard compiler/*.[ch] backends/*.[ch] grammar/*.[ly])) $(STDLIB)
$(BUILD)/gen/build_id.h: $(ID_SRC) | $(BUILD)/gen
	printf '#define INFRAC_BUILD_ID "%s"\n' "$$(cat $(ID_SRC) | sha256sum | cut -c1-16)" > $@.tmp
	mv $@.tmp $@

$(BUILD)/compiler/repocmd.o $(BUILD)/compiler/main.o: $(BUILD)/gen/build_id.h

STDLIB_AST_SRC := tools/stdlib_ast.c compiler/ast.c compiler/arena.c compiler/diag.c \
                  $(BUILD)/gen/infra.tab.c $(BUILD)/gen/infra.lex.c
$(BUILD)/stdlib-ast: $(STDLIB_AST_SRC) compiler/ast.h compiler/parse_state.h | $(BUILD)/gen
	$(CC) -std=c11 -O1 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Icompiler -I$(BUILD)/gen -o $@ $(STDLIB_AST_SRC)

# Unit tests link the library, not the driver.
$(BUILD)/unit: $(UNIT_SRC:%.c=$(BUILD)/%.o) $(BUILD)/libinfrac.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(BUILD)/unit

examples: infrac
	@./tools/build-examples

check test: infrac unit
	@./tests/run

check-fast: infrac unit
	@INFRAC_SAN=0 INFRAC_FUZZ=0 INFRAC_JOBS=$(shell nproc 2>/dev/null || echo 2) ./tests/run

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" build/asan/infrac build/asan/unit

bench: infrac
	@./bench/run
	@./bench/check.sh
	@./bench/scale

$(BUILD)/bench-timeit: bench/timeit.c
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -O2 -Wall -Wextra -o $@ $< $(shell pkg-config --cflags --libs jansson)

$(BUILD)/bench-gen: bench/gen.c
	@mkdir -p $(BUILD)
	$(CC) -std=c11 -O2 -Wall -Wextra -o $@ $<

fuzz:
	./tests/fuzz/run $(FUZZ_SECONDS)

install: infrac
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 infrac $(DESTDIR)$(PREFIX)/bin/infrac
	install -m 644 man/infrac.1 $(DESTDIR)$(PREFIX)/share/man/man1/infrac.1
	install -m 644 man/infrac.5 $(DESTDIR)$(PREFIX)/share/man/man5/infrac.5
	install -d $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 man/infrac-policy.7 $(DESTDIR)$(PREFIX)/share/man/man7/infrac-policy.7
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	    $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	./infrac completion bash > $(DESTDIR)$(PREFIX)/share/bash-completion/completions/infrac
	./infrac completion zsh > $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_infrac
	./infrac completion fish > $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/infrac.fish

clean:
	rm -rf build infrac out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
