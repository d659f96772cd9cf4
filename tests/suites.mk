# Test suites and benchmarks. Every suite writes build/test/<name>.res with
# its "name: N passed, N failed" line; sum-results.sh adds them up and
# prints the totals last.

T := $(B)/test
QT := tools/qemu-test.sh
BT := tools/bochs-test.sh
SIGMA0 := $(B)/user/sigma0.elf

# Suites that boot a test program as the root task under QEMU. Suites with
# their own rule below register with SPECIAL_SUITES (the rule test-NAME)
# and SPECIAL_RESULTS (the .res file it writes).
QEMU_SUITES := boot $(filter-out boot,$(notdir $(wildcard user/tests/*)))

$(T):
	@mkdir -p $@

# A module that is not an ELF file, for the bad-input boots.
$(T)/not-elf.bin: | $(T)
	@printf 'this is not an ELF executable\n' > $@

test-deps:
	@tools/deps.sh --install build host-test trace qemu bochs

test-host: | $(T)
	-@$(MAKE) -s --no-print-directory -C tests/host > $(T)/host.log 2>&1; \
	  tail -1 $(T)/host.log | tee $(T)/host.res

test-qemu-%: all | $(T)
	-@$(QT) --name $* --log $(T)/$*.log --result $(T)/$*.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-$*.elf | tail -1

# The interrupt and I/O suites once more on the 8259 (the IO-APIC is the
# default where present).
SPECIAL_SUITES += irq-pic
SPECIAL_RESULTS += irq-pic
test-irq-pic: all | $(T)
	-@$(QT) --name irq-pic --append noapic --log $(T)/irq-pic.log --result $(T)/irq-pic.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-irq.elf | tail -1

# The dataspace suite reads an extra boot module as a file; its text must
# match TEXT_MODULE in user/tests/dataspace/dataspace.c.
$(T)/dataspace.txt: | $(T)
	@printf 'Pecan dataspace test: this file is read through a region.\n' > $@

test-qemu-dataspace: all $(T)/dataspace.txt
	-@$(QT) --name dataspace --log $(T)/dataspace.log --result $(T)/dataspace.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-dataspace.elf $(T)/dataspace.txt | tail -1

# The compat suite once more for each other compiler setting: -O0 and -O2,
# frame pointer on and off (the plain build is -O2 with frame pointer), so
# that libl4's inline assembly meets different register allocations.
COMPAT_VARIANTS := O0 O2-nofp O0-nofp
compat_flags = $(filter-out $(OPT),$(UCFLAGS)) $(if $(findstring O0,$(1)),-O0,-O2) \
	$(if $(findstring nofp,$(1)),-fomit-frame-pointer)
$(B)/user/compat-%/compat.o: user/tests/compat/compat.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< ($*)"
	@$(CC) $(call compat_flags,$*) -MMD -MP -c $< -o $@
$(B)/user/test-compat-%.elf: $(B)/user/compat-%/compat.o $(B)/user/tests/compat/harness.o $(LIBDRV) $(LIBL4)
	$(LD) $(LDFLAGS) -Ttext-segment=$(shell cat user/tests/compat/link.addr) -e _start -o $@ \
		$(filter %.o,$^) $(LIBDRV) $(LIBL4)
.SECONDARY: $(foreach v,$(COMPAT_VARIANTS),$(B)/user/compat-$(v)/compat.o)
SPECIAL_SUITES += $(addprefix compat-,$(COMPAT_VARIANTS))
SPECIAL_RESULTS += $(addprefix compat-,$(COMPAT_VARIANTS))
$(addprefix test-compat-,$(COMPAT_VARIANTS)): test-compat-%: all $(B)/user/test-compat-%.elf | $(T)
	-@$(QT) --name compat-$* --log $(T)/compat-$*.log --result $(T)/compat-$*.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-compat-$*.elf | tail -1

# Firmware tables (platform_probe.c): QEMU's ACPI MADT with two CPUs, and
# its MP table when ACPI is off (SeaBIOS lists only the boot processor
# there, with or without ACPI); the interrupt suite must pass either way.
SPECIAL_SUITES += platform-acpi platform-mp
SPECIAL_RESULTS += platform-acpi platform-mp
test-platform-acpi: all | $(T)
	-@$(QT) --name platform-acpi --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^platform: ACPI MADT: 2 CPU\(s\), APIC IDs 0 1; 1 IO-APIC\(s\) \[id 0 at fec00000, GSI 0\]; IRQ 0 -> GSI 2' \
	  --log $(T)/platform-acpi.log --result $(T)/platform-acpi.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-irq.elf | tail -1
test-platform-mp: all | $(T)
	-@$(QT) --name platform-mp --qemu-arg -smp --qemu-arg 2 --qemu-arg -no-acpi \
	  --expect-log '^platform: MP table: 1 CPU\(s\), APIC IDs 0; 1 IO-APIC\(s\) \[id 0 at fec00000, GSI 0\]; IRQ 0 -> GSI 2' \
	  --log $(T)/platform-mp.log --result $(T)/platform-mp.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-irq.elf | tail -1

# Multiprocessor start-up (docs/smp.md): the application processors come
# up and park while an in-guest suite runs on the boot processor. Under
# -icount the CPUs run in turn (repeatable); smp-mttcg runs them on host
# threads in parallel (no -icount). smp2-pic sends the IPIs from the local
# APIC as the firmware left it (noapic: the 8259 serves the interrupts).
# smp-up is a MAX_CPUS=1 kernel on two CPUs, smp-stall a CPU that never
# reports (test=smpstall), smp17 one CPU more than MAX_CPUS=16 (default).
SPECIAL_SUITES += smp2 smp2-pic smp4 smp4-nosmp smp17 smp-stall smp-up smp-mttcg
SPECIAL_RESULTS += smp2 smp2-pic smp4 smp4-nosmp smp17 smp-stall smp-up smp-mttcg
test-smp2: all | $(T)
	-@$(QT) --name smp2 --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^smp: 2 of 2 CPU\(s\) up \(APIC IDs 0 1\)$$' \
	  --log $(T)/smp2.log --result $(T)/smp2.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1
test-smp2-pic: all | $(T)
	-@$(QT) --name smp2-pic --qemu-arg -smp --qemu-arg 2 --append noapic \
	  --expect-log '^smp: 2 of 2 CPU\(s\) up \(APIC IDs 0 1\)$$' \
	  --log $(T)/smp2-pic.log --result $(T)/smp2-pic.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-irq.elf | tail -1
test-smp4: all | $(T)
	-@$(QT) --name smp4 --qemu-arg -smp --qemu-arg 4 \
	  --expect-log '^smp: 4 of 4 CPU\(s\) up \(APIC IDs 0 1 2 3\)$$' \
	  --log $(T)/smp4.log --result $(T)/smp4.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-irq.elf | tail -1
test-smp4-nosmp: all | $(T)
	-@$(QT) --name smp4-nosmp --qemu-arg -smp --qemu-arg 4 --append nosmp \
	  --expect-log '^smp: nosmp: 1 of 4 CPU\(s\) up \(APIC IDs 0\), 3 not started$$' \
	  --log $(T)/smp4-nosmp.log --result $(T)/smp4-nosmp.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1
test-smp17: all | $(T)
	-@$(QT) --name smp17 --qemu-arg -smp --qemu-arg 17 \
	  --expect-log '^smp: 16 of 17 CPU\(s\) up \(APIC IDs 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\), 1 not started \(MAX_CPUS=16\)$$' \
	  --log $(T)/smp17.log --result $(T)/smp17.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1
test-smp-stall: all | $(T)
	-@$(QT) --name smp-stall --qemu-arg -smp --qemu-arg 3 --append test=smpstall \
	  --expect-log '^smp: APIC ID 1 entered the trampoline but did not report; left out$$' \
	  --expect-log '^smp: 2 of 3 CPU\(s\) up \(APIC IDs 0 2\)$$' \
	  --log $(T)/smp-stall.log --result $(T)/smp-stall.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1
test-smp-up: all | $(T)
	@$(MAKE) -s --no-print-directory B=$(B)/up MAX_CPUS=1 $(B)/up/pecan.elf
	-@$(QT) --name smp-up --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^smp: 1 of 2 CPU\(s\) up \(APIC IDs 0\), 1 not started \(MAX_CPUS=1\)$$' \
	  --log $(T)/smp-up.log --result $(T)/smp-up.res \
	  $(B)/up/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1
test-smp-mttcg: all | $(T)
	-@$(QT) --name smp-mttcg --no-icount --qemu-arg -accel --qemu-arg tcg,thread=multi \
	  --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^smp: 2 of 2 CPU\(s\) up \(APIC IDs 0 1\)$$' \
	  --log $(T)/smp-mttcg.log --result $(T)/smp-mttcg.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1

# Threads on every CPU (docs/smp.md, issue 10 steps 2-4): the suite `smp`
# needs more than one CPU, so its pattern rule runs it on two (make test),
# smp-4 on four. smp2-<suite> runs existing suites unchanged on a two-CPU
# kernel (the APs idle with their timers ticking and take the kernel lock).
SMP2_SUITES := mem strings exc irq
SPECIAL_SUITES += smp-4 $(addprefix smp2-,$(SMP2_SUITES))
SPECIAL_RESULTS += smp-4 $(addprefix smp2-,$(SMP2_SUITES))
test-qemu-smp: all | $(T)
	-@$(QT) --name smp --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^smp: threads run on 2 CPU\(s\)' \
	  --log $(T)/smp.log --result $(T)/smp.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smp.elf | tail -1
test-smp-4: all | $(T)
	-@$(QT) --name smp-4 --qemu-arg -smp --qemu-arg 4 \
	  --expect-log '^smp: threads run on 4 CPU\(s\)' \
	  --log $(T)/smp-4.log --result $(T)/smp-4.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smp.elf | tail -1
# The stress suite smpstress: multi-threaded TCG, no -icount, two CPUs
# (its pattern rule), and once more on four (smpstress-4).
SPECIAL_SUITES += smpstress-4 fuzz-smp2
SPECIAL_RESULTS += smpstress-4 fuzz-smp2
# The fuzzer on two CPUs: a quarter of Schedule's random processor words
# become CPU numbers there (cpu_word in fuzz.c), so victims migrate.
test-fuzz-smp2: all | $(T)
	-@$(QT) --name fuzz-smp2 --timeout 240 --qemu-arg -smp --qemu-arg 2 \
	  --log $(T)/fuzz-smp2.log --result $(T)/fuzz-smp2.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-fuzz.elf | tail -1
test-qemu-smpstress: all | $(T)
	-@$(QT) --name smpstress --no-icount --timeout 240 --qemu-arg -accel --qemu-arg tcg,thread=multi \
	  --qemu-arg -smp --qemu-arg 2 --log $(T)/smpstress.log --result $(T)/smpstress.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smpstress.elf | tail -1
test-smpstress-4: all | $(T)
	-@$(QT) --name smpstress-4 --no-icount --timeout 240 --qemu-arg -accel --qemu-arg tcg,thread=multi \
	  --qemu-arg -smp --qemu-arg 4 --log $(T)/smpstress-4.log --result $(T)/smpstress-4.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smpstress.elf | tail -1
# smp=spread: new user threads homed round robin over the CPUs, so these
# unchanged suites run their IPC, ExchangeRegisters, deletion and paging
# across CPUs (strings and exc are left out: some of their checks assume
# one CPU's scheduling order or count one CPU's switches; docs/smp.md).
SPREAD_SUITES := core mem threads
SPECIAL_SUITES += $(addprefix spread-,$(SPREAD_SUITES))
SPECIAL_RESULTS += $(addprefix spread-,$(SPREAD_SUITES))
$(addprefix test-spread-,$(SPREAD_SUITES)): test-spread-%: all | $(T)
	-@$(QT) --name spread-$* --append smp=spread --qemu-arg -smp --qemu-arg 2 \
	  --log $(T)/spread-$*.log --result $(T)/spread-$*.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-$*.elf | tail -1
$(addprefix test-smp2-,$(SMP2_SUITES)): test-smp2-%: all | $(T)
	-@$(QT) --name smp2-$* --qemu-arg -smp --qemu-arg 2 \
	  --log $(T)/smp2-$*.log --result $(T)/smp2-$*.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-$*.elf | tail -1

# sigma0 drives ports itself (issue 9): a sigma0 built with SIGMA0_IO_TEST
# writes port 0x80 and reads the RTC before it serves the root task.
$(B)/user/sigma0-io/sigma0.o: user/sigma0/sigma0.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (io test)"
	@$(CC) $(UCFLAGS) -DSIGMA0_IO_TEST -MMD -MP -c $< -o $@
$(B)/user/sigma0-io.elf: $(B)/user/sigma0-io/sigma0.o $(LIBDRV) $(LIBL4)
	$(LD) $(LDFLAGS) -Ttext-segment=$(shell cat user/sigma0/link.addr) -e _start -o $@ \
		$(filter %.o,$^) $(LIBDRV) $(LIBL4)
SPECIAL_SUITES += sigma0-io
SPECIAL_RESULTS += sigma0-io
test-sigma0-io: all $(B)/user/sigma0-io.elf | $(T)
	-@$(QT) --name sigma0-io --log $(T)/sigma0-io.log --result $(T)/sigma0-io.res \
	  $(B)/pecan.elf $(B)/user/sigma0-io.elf $(B)/user/test-boot.elf | tail -1

# The `make run` launcher shell (user/root/shell.c): a scripted session
# over the serial line (tools/launcher-test.py) with the demo's own boot
# modules: help, ps, an unknown command, every demo, kdb, exit.
SPECIAL_SUITES += launcher
SPECIAL_RESULTS += launcher
test-launcher: all | $(T)
	-@python3 tools/launcher-test.py --name launcher --log $(T)/launcher.log \
	  --result $(T)/launcher.res $(B)/pecan.elf $(SIGMA0) $(B)/user/root.elf | tail -1

SPECIAL_SUITES += kfault
SPECIAL_RESULTS += kfault
test-kfault: all | $(T)
	-@$(QT) --name kfault --expect-panic 'KERNEL FAULT: page fault' \
	  --append "test=kfault" --log $(T)/kfault.log --result $(T)/kfault.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1

SPECIAL_SUITES += dfault
SPECIAL_RESULTS += dfault
test-dfault: all | $(T)
	-@$(QT) --name dfault --expect-panic 'KERNEL FAULT: double fault' \
	  --append "test=doublefault" --log $(T)/dfault.log --result $(T)/dfault.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1

SPECIAL_SUITES += badelf
SPECIAL_RESULTS += badelf
test-badelf: all $(T)/not-elf.bin
	-@$(QT) --name badelf --expect-panic 'module 1 \(root task\) is not a loadable ELF32' \
	  --log $(T)/badelf.log --result $(T)/badelf.res \
	  $(B)/pecan.elf $(SIGMA0) $(T)/not-elf.bin | tail -1

SPECIAL_SUITES += badaddr
SPECIAL_RESULTS += badaddr
test-badaddr: all | $(T)
	-@$(QT) --name badaddr --expect-panic 'root task segment \[20000000, .*is not in free RAM: .* is not RAM' \
	  --log $(T)/badaddr.log --result $(T)/badaddr.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bad-highlink.elf | tail -1

# Conventional memory is usable for boot images (suite lowmem), except
# what the kernel keeps there: an image on the trampoline page is refused.
SPECIAL_SUITES += lowlink
SPECIAL_RESULTS += lowlink
test-lowlink: all | $(T)
	-@$(QT) --name lowlink --expect-panic 'root task segment \[00001000, .*is not in free RAM: \[00000000, 00002000\) is kept by the kernel' \
	  --log $(T)/lowlink.log --result $(T)/lowlink.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bad-lowlink.elf | tail -1

SPECIAL_SUITES += nomods
SPECIAL_RESULTS += nomods
test-nomods: all | $(T)
	-@$(QT) --name nomods --expect-panic 'no boot modules' \
	  --log $(T)/nomods.log --result $(T)/nomods.res $(B)/pecan.elf | tail -1

SPECIAL_SUITES += bochs
SPECIAL_RESULTS += bochs-boot
test-bochs: all | $(T)
	-@$(BT) --name bochs-boot --log $(T)/bochs-boot.log --result $(T)/bochs-boot.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1

# Debian's Bochs 2.7 is built with SMP support ("SMP support: yes" in its
# log): two CPUs, the AP started through the trampoline and parked.
SPECIAL_SUITES += bochs-smp
SPECIAL_RESULTS += bochs-smp
test-bochs-smp: all | $(T)
	-@$(BT) --name bochs-smp \
	  --bochsrc "cpu: model=corei7_skylake_x, count=2, ips=100000000, reset_on_triple_fault=0, ignore_bad_msrs=0" \
	  --expect-log '^smp: 2 of 2 CPU\(s\) up \(APIC IDs 0 1\)$$' \
	  --log $(T)/bochs-smp.log --result $(T)/bochs-smp.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1
# The smp suite on Bochs's two CPUs (finely interleaved, unlike QEMU's
# round robin under -icount).
SPECIAL_SUITES += bochs-smp-suite
SPECIAL_RESULTS += bochs-smp-suite
test-bochs-smp-suite: all | $(T)
	-@$(BT) --name bochs-smp-suite --timeout 600 \
	  --bochsrc "cpu: model=corei7_skylake_x, count=2, ips=100000000, reset_on_triple_fault=0, ignore_bad_msrs=0" \
	  --log $(T)/bochs-smp-suite.log --result $(T)/bochs-smp-suite.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smp.elf | tail -1

# The exceptions suite again under Bochs: CR4.PVI (virtual IF without
# traps) and #AC, which QEMU does not emulate.
SPECIAL_SUITES += bochs-exc
SPECIAL_RESULTS += bochs-exc
test-bochs-exc: all | $(T)
	-@$(BT) --name bochs-exc --log $(T)/bochs-exc.log --result $(T)/bochs-exc.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-exc.elf | tail -1

# The core suite under Bochs: with CR4.PVI every sysenter exit is an
# iret (sysenter_iret, entry.S), which must give the saved frame its IF
# back (sysenter.h); the flags tests fail without it.
SPECIAL_SUITES += bochs-core
SPECIAL_RESULTS += bochs-core
test-bochs-core: all | $(T)
	-@$(BT) --name bochs-core --log $(T)/bochs-core.log --result $(T)/bochs-core.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1

# The exceptions suite (its FPU tests above all) with eager FPU switching.
SPECIAL_SUITES += exc-fpu-eager
SPECIAL_RESULTS += exc-fpu-eager
test-exc-fpu-eager: all | $(T)
	-@$(QT) --name exc-fpu-eager --append fpu=eager --log $(T)/exc-fpu-eager.log \
	  --result $(T)/exc-fpu-eager.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-exc.elf | tail -1

# The launcher's small-space policy (docs/smallspaces.md): a short
# launcher session (boot, pingpong, serial, kbd, the break key, exit) with
# the driver tasks and the echo server in small spaces by default, and in
# large ones with the root task's module option nosmall; each demo must
# say which, and a small task must still be small at its end.
SPECIAL_SUITES += root-small root-nosmall
SPECIAL_RESULTS += root-small root-nosmall
test-root-small: all | $(T)
	-@python3 tools/launcher-test.py --name root-small --space small --short \
	  --log $(T)/root-small.log --result $(T)/root-small.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/root.elf | tail -1
test-root-nosmall: all | $(T)
	-@python3 tools/launcher-test.py --name root-nosmall --space large --short \
	  --log $(T)/root-nosmall.log --result $(T)/root-nosmall.res \
	  $(B)/pecan.elf $(SIGMA0) "$(B)/user/root.elf nosmall" | tail -1

# Small spaces on several CPUs (docs/smallspaces.md "SMP"): the suite
# smallspace adds its SMP part (threads of small spaces on two CPUs,
# promotion, demotion, unmap and deletion under a running thread,
# migration, IPC across CPUs, a stress loop) when more than one CPU runs
# threads: on 2 and 4 CPUs under -icount, on 2 with multi-threaded TCG
# (no -icount: the CPUs really run in parallel), on Bochs's 2 CPUs (which
# check segment limits), and the launcher's small-space policy on 2 CPUs.
SMALLSMP_SUITES := smallspace-smp2 smallspace-smp4 smallspace-mttcg bochs-smallspace-smp2 root-small-smp2
SPECIAL_SUITES += $(SMALLSMP_SUITES)
SPECIAL_RESULTS += $(SMALLSMP_SUITES)
test-smallspace-smp2: all | $(T)
	-@$(QT) --name smallspace-smp2 --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^smp: threads run on 2 CPU\(s\)' \
	  --log $(T)/smallspace-smp2.log --result $(T)/smallspace-smp2.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smallspace.elf | tail -1
test-smallspace-smp4: all | $(T)
	-@$(QT) --name smallspace-smp4 --qemu-arg -smp --qemu-arg 4 \
	  --expect-log '^smp: threads run on 4 CPU\(s\)' \
	  --log $(T)/smallspace-smp4.log --result $(T)/smallspace-smp4.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smallspace.elf | tail -1
test-smallspace-mttcg: all | $(T)
	-@$(QT) --name smallspace-mttcg --no-icount --timeout 240 \
	  --qemu-arg -accel --qemu-arg tcg,thread=multi --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^smp: threads run on 2 CPU\(s\)' \
	  --log $(T)/smallspace-mttcg.log --result $(T)/smallspace-mttcg.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smallspace.elf | tail -1
test-bochs-smallspace-smp2: all | $(T)
	-@$(BT) --name bochs-smallspace-smp2 --timeout 900 \
	  --bochsrc "cpu: model=corei7_skylake_x, count=2, ips=100000000, reset_on_triple_fault=0, ignore_bad_msrs=0" \
	  --log $(T)/bochs-smallspace-smp2.log --result $(T)/bochs-smallspace-smp2.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smallspace.elf | tail -1
test-root-small-smp2: all | $(T)
	-@python3 tools/launcher-test.py --name root-small-smp2 --space small --short --smp 2 \
	  --log $(T)/root-small-smp2.log --result $(T)/root-small-smp2.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/root.elf | tail -1

# Real interrupts held by the virtual IF, with PVI.
# Small address spaces under Bochs too: it checks segment limits (QEMU
# does not), so an access past a small space's limit raises #GP there.
SPECIAL_SUITES += bochs-smallspace
SPECIAL_RESULTS += bochs-smallspace
test-bochs-smallspace: all | $(T)
	-@$(BT) --name bochs-smallspace --log $(T)/bochs-smallspace.log --result $(T)/bochs-smallspace.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smallspace.elf | tail -1
# The same with the assembly IPC fast path on: with PVI (Bochs has it)
# every exit is an iret and that path is off, so vif=trap keeps the #GP
# emulation; Bochs then checks the limits of the descriptors that the
# path's inline small-to-small switch writes.
SPECIAL_SUITES += bochs-smallspace-trap
SPECIAL_RESULTS += bochs-smallspace-trap
test-bochs-smallspace-trap: all | $(T)
	-@$(BT) --name bochs-smallspace-trap --append vif=trap --log $(T)/bochs-smallspace-trap.log \
	  --result $(T)/bochs-smallspace-trap.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-smallspace.elf | tail -1

SPECIAL_SUITES += bochs-vifirq
SPECIAL_RESULTS += bochs-vifirq
test-bochs-vifirq: all | $(T)
	-@$(BT) --name bochs-vifirq --log $(T)/bochs-vifirq.log --result $(T)/bochs-vifirq.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-vifirq.elf | tail -1

# The VMM under Bochs: there cli/sti do not trap (PVI); the guest's are patched anyway.
SPECIAL_SUITES += bochs-vmm
SPECIAL_RESULTS += bochs-vmm
test-bochs-vmm: all | $(T)
	-@$(BT) --name bochs-vmm --log $(T)/bochs-vmm.log --result $(T)/bochs-vmm.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-vmm.elf | tail -1


# The interactive kernel debugger (docs/kdb.md), driven from the host over
# the serial console (tools/kdb-test.py): a scripted session under QEMU
# (-icount; break key, NMI from the monitor, commands, breakpoint, steps,
# branch step, watchpoint), the same break key and breakpoint under Bochs,
# the debugger entered by a kernel fault and by a panic, and on two CPUs (the other one
# stopped by NMI IPI, `cpu n`). The in-guest half (an
# unprivileged thread cannot enter or read through it) is the suite kdb.
SPECIAL_SUITES += kdb-host kdb-bochs kdb-fault kdb-smp kdb-watchdog
SPECIAL_RESULTS += kdb-host kdb-bochs kdb-fault kdb-panic kdb-smp kdb-watchdog exc-kdb-watchdog
KDBT := tools/kdb-test.py
test-kdb-host: all | $(T)
	-@timeout -k 5 300 $(KDBT) --name kdb-host --log $(T)/kdb-host.log --result $(T)/kdb-host.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-kdb.elf | tail -1
test-kdb-bochs: all | $(T)
	-@timeout -k 5 300 $(KDBT) --bochs --name kdb-bochs --log $(T)/kdb-bochs.log \
	  --result $(T)/kdb-bochs.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-kdb.elf | tail -1
test-kdb-smp: all | $(T)
	-@timeout -k 5 300 $(KDBT) --smp 2 --name kdb-smp --log $(T)/kdb-smp.log \
	  --result $(T)/kdb-smp.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-kdb.elf | tail -1
# The NMI watchdog (kdb=watchdog): a kernel stuck with interrupts off
# enters; the exceptions suite (v86, FPU, long kernel paths) runs with it
# on and must not see it fire.
test-kdb-watchdog: all | $(T)
	-@timeout -k 5 300 $(KDBT) --watchdog --name kdb-watchdog --log $(T)/kdb-watchdog.log \
	  --result $(T)/kdb-watchdog.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-kdb.elf | tail -1
	-@$(QT) --name exc-kdb-watchdog --append kdb=watchdog --log $(T)/exc-kdb-watchdog.log \
	  --result $(T)/exc-kdb-watchdog.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-exc.elf | tail -1
test-kdb-fault: all | $(T)
	-@timeout -k 5 300 $(KDBT) --fault --name kdb-fault --log $(T)/kdb-fault.log \
	  --result $(T)/kdb-fault.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-kdb.elf | tail -1
	-@timeout -k 5 300 $(KDBT) --panic --name kdb-panic --log $(T)/kdb-panic.log \
	  --result $(T)/kdb-panic.res $(B)/pecan.elf $(SIGMA0) $(B)/user/test-kdb.elf | tail -1

# KDB=0 (config.mk) removes the debugger: that kernel must hold no symbol
# of it (kdb0-syms) and still pass the core and misc suites (misc checks
# the kdebug protocol, which stays).
SPECIAL_SUITES += kdb0
SPECIAL_RESULTS += kdb0-syms core-kdb0 misc-kdb0
test-kdb0: all | $(T)
	@$(MAKE) -s --no-print-directory B=$(B)/kdb0 KDB=0 $(B)/kdb0/pecan.elf
	-@n=$$(nm $(B)/kdb0/pecan.elf | grep -ci 'kdb_\|kdb\.'); \
	  if [ "$$n" = 0 ]; then r="kdb0-syms: 1 passed, 0 failed"; \
	  else nm $(B)/kdb0/pecan.elf | grep -i 'kdb_\|kdb\.' | head; r="kdb0-syms: 0 passed, 1 failed"; fi; \
	  echo "$$r" | tee $(T)/kdb0-syms.res
	-@$(QT) --name core-kdb0 --log $(T)/core-kdb0.log --result $(T)/core-kdb0.res \
	  $(B)/kdb0/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1
	-@$(QT) --name misc-kdb0 --log $(T)/misc-kdb0.log --result $(T)/misc-kdb0.res \
	  $(B)/kdb0/pecan.elf $(SIGMA0) $(B)/user/test-misc.elf | tail -1

# The kernel once more at -O0, running the core and threads suites: thread
# start-up (a kernel continuation that fills its user frame and leaves
# through arch_enter_user) must not depend on the compiler's frame layout.
SPECIAL_SUITES += O0
SPECIAL_RESULTS += core-O0 threads-O0
test-O0: all | $(T)
	@$(MAKE) -s --no-print-directory B=$(B)/O0 OPT=-O0 $(B)/O0/pecan.elf
	-@$(QT) --name core-O0 --log $(T)/core-O0.log --result $(T)/core-O0.res \
	  $(B)/O0/pecan.elf $(SIGMA0) $(B)/user/test-core.elf | tail -1
	-@$(QT) --name threads-O0 --log $(T)/threads-O0.log --result $(T)/threads-O0.res \
	  $(B)/O0/pecan.elf $(SIGMA0) $(B)/user/test-threads.elf | tail -1


# The kernel with the interrupt-latency instrumentation (IRQOFF_STATS,
# config.mk) for the latency suite and benchmark: the same sources built
# into $(B)/irqoff.
IRQOFF_KERNEL := $(B)/irqoff/pecan.elf
irqoff-kernel:
	@$(MAKE) --no-print-directory B=$(B)/irqoff IRQOFF_STATS=1 $(IRQOFF_KERNEL)

test-qemu-latency: all irqoff-kernel | $(T)
	-@$(QT) --name latency --log $(T)/latency.log --result $(T)/latency.res \
	  $(IRQOFF_KERNEL) $(SIGMA0) $(B)/user/test-latency.elf | tail -1

# The bench kernel (STATS=1, config.mk): the same sources built into
# $(B)/stats, counting kernel entries, CR3 loads and %gs reloads for the
# table's counter columns (kernel/stats.h, user/lib/benchctr.h).
STATS_KERNEL := $(B)/stats/pecan.elf
stats-kernel:
	@$(MAKE) --no-print-directory B=$(B)/stats STATS=1 $(STATS_KERNEL)

# The kernel without the fast paths (FASTPATH=0, config.mk): the same
# sources built into $(B)/nofast. The core, memory, exception and
# interrupt suites and the IPC differential test run on it too, and their
# results must be the same line for line as on the default kernel
# (tools/same-results.sh writes <suite>-same.res).
NOFAST_KERNEL := $(B)/nofast/pecan.elf
nofast-kernel:
	@$(MAKE) --no-print-directory B=$(B)/nofast FASTPATH=0 $(NOFAST_KERNEL)

# Benchmarks whose rows go into the table (tools/bench-table.sh).
BENCH_COUNTED := pingpong mem exc irq

NOFAST_SUITES := core mem exc irq ipcdiff smallspace
SPECIAL_SUITES += $(addsuffix -nofast,$(NOFAST_SUITES))
SPECIAL_RESULTS += $(addsuffix -nofast,$(NOFAST_SUITES)) $(addsuffix -same,$(NOFAST_SUITES))
$(addprefix test-,$(addsuffix -nofast,$(NOFAST_SUITES))): test-%-nofast: all nofast-kernel test-qemu-% | $(T)
	-@$(QT) --name $*-nofast --log $(T)/$*-nofast.log --result $(T)/$*-nofast.res \
	  $(NOFAST_KERNEL) $(SIGMA0) $(B)/user/test-$*.elf | tail -1
	-@tools/same-results.sh $*-same $(T)/$*.log $(T)/$*-nofast.log > $(T)/$*-same.res; \
	  tail -1 $(T)/$*-same.res

# The differential test must catch a wrong fast path: a kernel whose fast
# path reports a wrong sender (FASTPATH=2, config.mk) must make the
# ipcdiff logs differ (it may hang: a short timeout; the logs differ by then).
SPECIAL_SUITES += ipcdiff-mutant
SPECIAL_RESULTS += ipcdiff-mutant
test-ipcdiff-mutant: all test-qemu-ipcdiff | $(T)
	@$(MAKE) -s --no-print-directory B=$(B)/mutant FASTPATH=2 $(B)/mutant/pecan.elf
	-@$(QT) --name ipcdiff-on-mutant --timeout 15 --log $(T)/ipcdiff-on-mutant.log \
	  $(B)/mutant/pecan.elf $(SIGMA0) $(B)/user/test-ipcdiff.elf > /dev/null; \
	  if tools/same-results.sh x $(T)/ipcdiff.log $(T)/ipcdiff-on-mutant.log | \
	     tail -1 | grep -q ': 0 passed, 1 failed'; then \
	    echo "ipcdiff-mutant: 1 passed, 0 failed"; \
	  else echo "ipcdiff-mutant: 0 passed, 1 failed"; fi | tee $(T)/ipcdiff-mutant.res

bench: all irqoff-kernel stats-kernel nofast-kernel | $(T)
	@tools/deps.sh --install build qemu bochs
	@$(MAKE) -s --no-print-directory B=$(B)/up MAX_CPUS=1 $(B)/up/pecan.elf
	@for b in $(notdir $(wildcard user/bench/*)); do \
	  k=$(B)/pecan.elf; [ $$b = latency ] && k=$(IRQOFF_KERNEL); \
	  a=; [ $$b = smp ] && a="--qemu-arg -smp --qemu-arg 4"; \
	  $(QT) --name bench-$$b --timeout 600 $$a --log $(T)/bench-$$b.log \
	    $$k $(SIGMA0) $(B)/user/bench-$$b.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-$$b.log || { echo "bench-$$b failed"; tail -20 $(T)/bench-$$b.log; exit 1; }; \
	done
	@# The trace hooks' cost: the trace bench once more on a TRACE=0 kernel;
	@# "tracing off" minus "compiled out" is what the disabled hooks cost.
	@$(MAKE) --no-print-directory B=$(B)/notrace TRACE=0 $(B)/notrace/pecan.elf
	@$(QT) --name bench-trace-notrace --timeout 600 --log $(T)/bench-trace-notrace.log \
	  $(B)/notrace/pecan.elf $(SIGMA0) $(B)/user/bench-trace.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-trace-notrace.log || { echo "bench-trace (TRACE=0) failed"; exit 1; }; \
	  awk '/^bench: trace ipc-roundtrip TRACE=0/ { out = $$(NF-1) } \
	       /^bench: trace ipc-roundtrip tracing off:/ { off = $$(NF-1) } \
	       END { if (out && off) printf "bench: trace hooks compiled in, off: %+d instructions per round trip (%+.1f per message)\n", off - out, (off - out) / 2 }' \
	  $(T)/bench-trace-notrace.log $(T)/bench-trace.log
	@# The IPC figures of the general path: the kernel without fast paths.
	@$(QT) --name bench-pingpong-nofast --timeout 600 --log $(T)/bench-pingpong-nofast.log \
	  $(NOFAST_KERNEL) $(SIGMA0) $(B)/user/bench-pingpong.elf > /dev/null; \
	  grep '^bench: ipc' $(T)/bench-pingpong-nofast.log | sed 's/^bench:/bench (FASTPATH=0):/' || \
	  { echo "bench-pingpong on the FASTPATH=0 kernel failed"; tail -20 $(T)/bench-pingpong-nofast.log; exit 1; }
	@# Host time, without -icount: what the address-space switch costs in
	@# QEMU (a CR3 write flushes its software TLB).
	@$(QT) --name bench-pingpong-host --no-icount --timeout 600 --log $(T)/bench-pingpong-host.log \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-pingpong.elf > /dev/null; \
	  grep '^bench-host:' $(T)/bench-pingpong-host.log | sed 's/^bench-host:/bench (no -icount):/' || \
	  { echo "bench-pingpong without -icount failed"; tail -20 $(T)/bench-pingpong-host.log; exit 1; }
	@# The local round trip once more on a MAX_CPUS=1 kernel (docs/smp.md).
	@$(QT) --name bench-smp-up --timeout 600 --log $(T)/bench-smp-up.log \
	  $(B)/up/pecan.elf $(SIGMA0) $(B)/user/bench-smp.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-smp-up.log | sed 's/^bench:/bench (MAX_CPUS=1):/' || \
	  { echo "bench-smp on MAX_CPUS=1 failed"; tail -20 $(T)/bench-smp-up.log; exit 1; }
	@# Small vs large spaces once more without -icount: host time, where
	@# a CR3 write flushes QEMU's TLB (docs/smallspaces.md).
	@$(QT) --name bench-small-host --no-icount --timeout 600 --log $(T)/bench-small-host.log \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-small.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-small-host.log | sed 's/^bench:/bench (host time, no -icount):/' || \
	  { echo "bench-small without -icount failed"; tail -20 $(T)/bench-small-host.log; exit 1; }
	@# The FPU costs once more with eager switching (fpu=eager).
	@$(QT) --name bench-exc-eager --timeout 600 --append fpu=eager --log $(T)/bench-exc-eager.log \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-exc.elf > /dev/null; \
	  grep '^bench: ipc' $(T)/bench-exc-eager.log | sed 's/^bench:/bench (fpu=eager):/' || \
	  { echo "bench-exc with fpu=eager failed"; tail -20 $(T)/bench-exc-eager.log; exit 1; }
	@# Bochs has VME/PVI (QEMU has not): cli/sti without traps, and its
	@# TSC counts instructions too (clock: sync=none).
	@$(BT) --name bench-exc-bochs --timeout 300 --log $(T)/bench-exc-bochs.log \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-exc.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-exc-bochs.log | sed 's/^bench:/bench (bochs, PVI):/' || \
	  { echo "bench-exc under bochs failed"; tail -20 $(T)/bench-exc-bochs.log; exit 1; }
	@# The counted benchmarks once more on the bench kernel and on the
	@# general path's, then the table.
	@for b in $(BENCH_COUNTED); do \
	  for k in stats:$(STATS_KERNEL) general:$(NOFAST_KERNEL); do \
	    $(QT) --name bench-$$b-$${k%%:*} --timeout 600 --log $(T)/bench-$$b-$${k%%:*}.log \
	      $${k#*:} $(SIGMA0) $(B)/user/bench-$$b.elf > /dev/null; \
	    grep -q '^bench-row:' $(T)/bench-$$b-$${k%%:*}.log || \
	    { echo "bench-$$b on $${k#*:} failed"; tail -20 $(T)/bench-$$b-$${k%%:*}.log; exit 1; }; \
	  done; \
	done
	@tools/bench-table.sh $(T)

# ---- trace buffer and profiler (docs/kdb.md) -------------------------------
# The host tools are Python 3; matplotlib (for the PNG) is Debian's
# python3-matplotlib, hence /usr/bin/python3 where it exists (a python3
# earlier in PATH, e.g. pyenv's, may lack it).
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)

# Unit tests of tools/trace2chrome and tools/prof-top, malformed dumps
# included (tests/tools).
SPECIAL_SUITES += trace-tools
SPECIAL_RESULTS += trace-tools
test-trace-tools: | $(T)
	-@$(PYTHON) tests/tools/run_tests.py > $(T)/trace-tools.log 2>&1; \
	  tail -1 $(T)/trace-tools.log | tee $(T)/trace-tools.res

# The profiler's dumps of the trace suite, symbolised on the host: the
# sleeping profile's hottest function is the kernel's idle loop (kernel
# symbol table build/pecan.sym), the busy one's the suite's hot loop.
SPECIAL_SUITES += prof-top
SPECIAL_RESULTS += prof-top
test-prof-top: test-qemu-trace
	-@p=0 f=0; \
	  if $(PYTHON) tools/prof-top $(T)/trace.log --dump 1 --sym $(B)/pecan.sym \
	      --expect-top idle_loop > $(T)/prof-top.log 2>&1; then p=$$((p+1)); else f=$$((f+1)); fi; \
	  if $(PYTHON) tools/prof-top $(T)/trace.log --dump 2 --elf $(B)/user/test-trace.elf \
	      --expect-top hot_spin >> $(T)/prof-top.log 2>&1; then p=$$((p+1)); else f=$$((f+1)); fi; \
	  echo "prof-top: $$p passed, $$f failed" | tee $(T)/prof-top.res

# The trace suite with two CPUs up: the ring is found through
# cpu_current() (trace.c, this_cpu) instead of the one-CPU shortcut.
SPECIAL_SUITES += trace-smp2
SPECIAL_RESULTS += trace-smp2
test-trace-smp2: all | $(T)
	-@$(QT) --name trace-smp2 --qemu-arg -smp --qemu-arg 2 \
	  --expect-log '^@TRACE v1 begin cpus=2 ' \
	  --log $(T)/trace-smp2.log --result $(T)/trace-smp2.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-trace.elf | tail -1

# A traced page-fault round trip (user/trace-demo) rendered as a timeline:
# docs/img/trace-demo.png and .json (open the JSON in ui.perfetto.dev).
trace-demo: all | $(T)
	@tools/deps.sh --install build qemu trace
	@$(QT) --name trace-demo --log $(T)/trace-demo.log --result $(T)/trace-demo.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/trace-demo.elf | tail -1
	@mkdir -p docs/img
	$(PYTHON) tools/trace2chrome --strict $(T)/trace-demo.log -o docs/img/trace-demo.json \
	  --png docs/img/trace-demo.png \
	  --title "Pecan: a page fault travels from the faulting thread through the pager and back"

.PHONY: trace-demo test-trace-tools test-prof-top test-trace-smp2

test: test-deps
	@rm -rf $(T)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-host $(addprefix test-qemu-,$(QEMU_SUITES)) \
	  $(addprefix test-,$(SPECIAL_SUITES))
	@tools/sum-results.sh $(addprefix $(T)/,$(addsuffix .res,host $(QEMU_SUITES) $(SPECIAL_RESULTS)))

.PHONY: test-deps test-host irqoff-kernel stats-kernel nofast-kernel $(addprefix test-,$(SPECIAL_SUITES))

# The system-call fuzzer (docs/fuzz.md). `make test` runs the suite `fuzz`
# (its regression seeds, then seed 1, short); `make fuzz` runs long ones:
#   make fuzz SEED=7 N=1000000 SEEDS=4 SHAPES=all FROM=0
SEED ?= 1
SEEDS ?= 1
N ?= 100000
SHAPES ?=
FROM ?= 0
fuzz: all
	@tools/deps.sh --install build qemu
	@tools/fuzz.sh --seed $(SEED) --seeds $(SEEDS) --n $(N) --from $(FROM) \
	  $(if $(SHAPES),--shapes $(SHAPES))

.PHONY: fuzz

# The suite `fuzz` in `make test` runs each regression seed's first 30 000
# calls (RCAP in fuzz.c) and seed 1 with 50 000: 11-22 s, up to a minute on a loaded
# 2-core host, hence its own timeout. `make fuzz-regress` runs every
# regression seed at the full length it was found with (about 130 s).
test-qemu-fuzz: all | $(T)
	-@$(QT) --name fuzz --timeout 240 --log $(T)/fuzz.log --result $(T)/fuzz.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-fuzz.elf | tail -1

fuzz-regress: all | $(T)
	-@$(QT) --name fuzz-regress --timeout 900 --log $(T)/fuzz-regress.log \
	  --result $(T)/fuzz-regress.res $(B)/pecan.elf $(SIGMA0) \
	  "$(B)/user/test-fuzz.elf rn=0 l=0" | tail -1

.PHONY: fuzz-regress
