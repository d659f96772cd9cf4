# Pecan top-level build. `make` builds the kernel and every user program,
# `make run` boots the demo, `make test` runs every test suite,
# `make bench` the benchmarks, `make iso` a GRUB image, `make debug` QEMU
# with a gdb stub. Build options live in config.mk.

include config.mk

B        := build
CC       := gcc
LD       := ld
ARCHFLAGS := -m32 -march=i686
CFLAGS_COMMON := $(ARCHFLAGS) -std=gnu11 -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-builtin \
	-mno-sse -mno-mmx -mno-80387 -nostdinc \
	-isystem $(shell $(CC) -m32 -print-file-name=include) \
	-Wall -Wextra -Werror -g $(OPT) -Iinclude
KCFLAGS  := $(CFLAGS_COMMON) -Ikernel -Ilib -DKDB=$(KDB) -DMAX_CPUS=$(MAX_CPUS) \
	-DTICK_US=$(TICK_US) -DKMEM_POOL_MB=$(KMEM_POOL_MB)u -DKMEM_SPACE_LIMIT_KB=$(KMEM_SPACE_LIMIT_KB)u \
	-DIRQOFF_STATS=$(IRQOFF_STATS) -DTRACE=$(TRACE) -DTRACE_ENTRIES=$(TRACE_ENTRIES) \
	-DPROF_BUCKETS=$(PROF_BUCKETS) -DFASTPATH=$(FASTPATH) -DSTATS=$(STATS) -mno-red-zone
UCFLAGS  := $(CFLAGS_COMMON) -Iuser/lib -Iuser/drivers -Iuser/servers -Ilib
ASFLAGS  := $(ARCHFLAGS) -Iinclude -Ikernel -Ilib -D__ASSEMBLER__ -g -DMAX_CPUS=$(MAX_CPUS) \
	-DIRQOFF_STATS=$(IRQOFF_STATS) -DFASTPATH=$(FASTPATH) -DSTATS=$(STATS) -DTRACE=$(TRACE)
LDFLAGS  := -m elf_i386 -nostdlib -z noexecstack --no-warn-rwx-segments

# ---- lib ------------------------------------------------------------------
# lib/: pure code shared by the kernel, user programs and the host tests
# (formatting, the x86 decoder and disassembler, ELF parsing, basic types).
# Built twice: with the kernel's flags into an archive the kernel links
# against, and with the user flags into libl4.a; each program pulls in
# only what it uses. The host tests build the same sources natively.
LIBSRC := $(wildcard lib/*.c)
KLIBOBJ := $(patsubst lib/%.c,$(B)/lib/%.o,$(LIBSRC))
KLIB := $(B)/lib/libpure.a

$(B)/lib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(KLIB): $(KLIBOBJ)
	@rm -f $@ && ar rcs $@ $^

# ---- kernel ---------------------------------------------------------------
KSRC := $(wildcard kernel/*.c kernel/arch/ia32/*.c kernel/arch/ia32/*.S)
# The kernel debugger (docs/kdb.md): its files are left out with KDB=0.
ifeq ($(KDB),1)
KSRC += $(wildcard kernel/kdb/*.c kernel/arch/ia32/kdb/*.c)
endif
KOBJ := $(patsubst %,$(B)/%.o,$(basename $(KSRC)))

$(B)/pecan.elf: $(KOBJ) $(KLIB) kernel/arch/ia32/kernel.ld
	@echo "  LD      $@"
	@$(LD) $(LDFLAGS) -T kernel/arch/ia32/kernel.ld -o $@ $(KOBJ) $(KLIB)

# The kernel's symbol table (nm -n), for tools/prof-top's kernel hot spots.
$(B)/pecan.sym: $(B)/pecan.elf
	@nm -n $< > $@

$(B)/kernel/%.o: kernel/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@
$(B)/kernel/%.o: kernel/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -MMD -MP -c $< -o $@

# ---- user -----------------------------------------------------------------
# libl4 and the small libc: every .c/.S in user/lib; the servers in
# user/servers (dataspace managers) are in the same archive.
LSRC := $(wildcard user/lib/*.c user/lib/*.S user/servers/*.c)
LOBJ := $(patsubst %,$(B)/%.o,$(basename $(LSRC))) \
	$(patsubst lib/%.c,$(B)/user/purelib/%.o,$(LIBSRC))

$(B)/user/purelib/%.o: lib/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (user)"
	@$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@
LIBL4 := $(B)/user/libl4.a

$(LIBL4): $(LOBJ)
	rm -f $@ && ar rcs $@ $^

# User-level device drivers (user/drivers): a library that the root task
# and test programs link; each program pulls in only what it uses.
DSRC := $(wildcard user/drivers/*.c)
DOBJ := $(patsubst %,$(B)/%.o,$(basename $(DSRC)))
LIBDRV := $(B)/user/libdrivers.a

$(LIBDRV): $(DOBJ)
	rm -f $@ && ar rcs $@ $^

$(B)/user/%.o: user/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(UCFLAGS) -MMD -MP -c $< -o $@
$(B)/user/%.o: user/%.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(ASFLAGS) -MMD -MP -c $< -o $@

# A user program is a directory user/<dir> linked at the address given in
# its link.addr file (physical == virtual for root servers). An optional
# `uses` file there names further source folders linked in (e.g. user/vmm).
user_srcs = $(wildcard $(foreach d,user/$(1) $(shell cat user/$(1)/uses 2>/dev/null),$(d)/*.c $(d)/*.S))
define user_prog
$(B)/user/$(1).elf: $$(patsubst %,$(B)/%.o,$$(basename $$(call user_srcs,$(2)))) $$(LIBDRV) $$(LIBL4)
	$$(LD) $$(LDFLAGS) -Ttext-segment=$$(shell cat user/$(2)/link.addr) -e _start -o $$@ \
		$$(filter %.o,$$^) $$(LIBDRV) $$(LIBL4)
USER_PROGS += $(B)/user/$(1).elf
endef

$(eval $(call user_prog,sigma0,sigma0))
$(eval $(call user_prog,root,root))
$(eval $(call user_prog,trace-demo,trace-demo))
$(foreach t,$(notdir $(wildcard user/tests/*)),$(eval $(call user_prog,test-$(t),tests/$(t))))
$(foreach t,$(notdir $(wildcard user/bench/*)),$(eval $(call user_prog,bench-$(t),bench/$(t))))
# Deliberately broken boot images for the bad-input boot tests.
$(foreach t,$(notdir $(wildcard user/bad/*)),$(eval $(call user_prog,bad-$(t),bad/$(t))))

all: $(B)/pecan.elf $(USER_PROGS)
all: $(KLIB) $(B)/pecan.sym
.DEFAULT_GOAL := all

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- running ---------------------------------------------------------------
QEMU_BASE := qemu-system-i386 -m $(QEMU_MEM) -display none -serial stdio \
	-monitor none -no-reboot -nic none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 -icount shift=0,sleep=off

# ROOT_ARGS: the root task's command line (e.g. `make run ROOT_ARGS=nosmall`).
DEMO_MODS := $(B)/user/sigma0.elf,$(B)/user/root.elf$(if $(ROOT_ARGS), $(ROOT_ARGS))

deps-run:
	@tools/deps.sh --install build qemu
# The launcher shell waits for typing: sleep=on lets guest time follow the
# host clock while the guest idles (the tests use sleep=off), so the demos'
# timeouts are real seconds.
run: deps-run all
	@echo "Pecan in QEMU: the launcher shell is on this terminal; 'help' lists the demos, 'exit' or Ctrl-C quits."
	-@$(subst sleep=off,sleep=on,$(QEMU_BASE)) -kernel $(B)/pecan.elf -initrd "$(DEMO_MODS)"

# QEMU waits for gdb; the guest's serial output goes to build/debug-serial.log
# so that gdb keeps the terminal.
debug: all
	@tools/deps.sh --install build qemu debug
	@$(subst -serial stdio,-serial file:$(B)/debug-serial.log,$(QEMU_BASE)) \
	  -kernel $(B)/pecan.elf -initrd "$(DEMO_MODS)" -s -S & pid=$$!; \
	  gdb -q -x tools/gdbinit; kill $$pid 2>/dev/null; true

iso: all
	@tools/deps.sh --install bochs
	tools/mkiso.sh $(B)/pecan.iso $(B)/pecan.elf "" $(B)/user/sigma0.elf $(B)/user/root.elf

include tests/suites.mk

clean:
	rm -rf $(B)

.PHONY: all run deps-run debug iso clean test bench
