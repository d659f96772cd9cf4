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
	@tools/deps.sh --install build host-test qemu bochs

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
	-@$(QT) --name badaddr --expect-panic 'root task segment \[20000000, .*is not in free RAM' \
	  --log $(T)/badaddr.log --result $(T)/badaddr.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bad-highlink.elf | tail -1

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

# The exceptions suite again under Bochs: CR4.PVI (virtual IF without
# traps) and #AC, which QEMU does not emulate.
SPECIAL_SUITES += bochs-exc
SPECIAL_RESULTS += bochs-exc
test-bochs-exc: all | $(T)
	-@$(BT) --name bochs-exc --log $(T)/bochs-exc.log --result $(T)/bochs-exc.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-exc.elf | tail -1

# Real interrupts held by the virtual IF, with PVI.
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



bench: all | $(T)
	@tools/deps.sh --install build qemu bochs
	@for b in $(notdir $(wildcard user/bench/*)); do \
	  $(QT) --name bench-$$b --timeout 600 --log $(T)/bench-$$b.log \
	    $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-$$b.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-$$b.log || { echo "bench-$$b failed"; tail -20 $(T)/bench-$$b.log; exit 1; }; \
	done
	@# Bochs has VME/PVI (QEMU has not): cli/sti without traps, and its
	@# TSC counts instructions too (clock: sync=none).
	@$(BT) --name bench-exc-bochs --timeout 300 --log $(T)/bench-exc-bochs.log \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-exc.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-exc-bochs.log | sed 's/^bench:/bench (bochs, PVI):/' || \
	  { echo "bench-exc under bochs failed"; tail -20 $(T)/bench-exc-bochs.log; exit 1; }

test: test-deps
	@rm -rf $(T)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-host $(addprefix test-qemu-,$(QEMU_SUITES)) \
	  $(addprefix test-,$(SPECIAL_SUITES))
	@tools/sum-results.sh $(addprefix $(T)/,$(addsuffix .res,host $(QEMU_SUITES) $(SPECIAL_RESULTS)))

.PHONY: test-deps test-host $(addprefix test-,$(SPECIAL_SUITES))

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
