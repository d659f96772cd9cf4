# Test suites and benchmarks. Every suite writes build/test/<name>.res with
# its "name: N passed, N failed" line; sum-results.sh adds them up and
# prints the totals last.

T := $(B)/test
QT := tools/qemu-test.sh
BT := tools/bochs-test.sh
SIGMA0 := $(B)/user/sigma0.elf

# Suites that boot a test program as the root task under QEMU.
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

test-kfault: all | $(T)
	-@$(QT) --name kfault --expect-panic 'KERNEL FAULT: page fault' \
	  --append "test=kfault" --log $(T)/kfault.log --result $(T)/kfault.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1

test-badelf: all $(T)/not-elf.bin
	-@$(QT) --name badelf --expect-panic 'module 1 \(root task\) is not a loadable ELF32' \
	  --log $(T)/badelf.log --result $(T)/badelf.res \
	  $(B)/pecan.elf $(SIGMA0) $(T)/not-elf.bin | tail -1

test-nomods: all | $(T)
	-@$(QT) --name nomods --expect-panic 'no boot modules' \
	  --log $(T)/nomods.log --result $(T)/nomods.res $(B)/pecan.elf | tail -1

test-bochs: all | $(T)
	-@$(BT) --name bochs-boot --log $(T)/bochs-boot.log --result $(T)/bochs-boot.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-boot.elf | tail -1

# The exceptions suite again under Bochs: CR4.PVI (virtual IF without
# traps) and #AC, which QEMU does not emulate.
test-bochs-exc: all | $(T)
	-@$(BT) --name bochs-exc --log $(T)/bochs-exc.log --result $(T)/bochs-exc.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-exc.elf | tail -1

# The VMM under Bochs: there cli/sti do not trap (PVI); the guest's are patched anyway.
test-bochs-vmm: all | $(T)
	-@$(BT) --name bochs-vmm --log $(T)/bochs-vmm.log --result $(T)/bochs-vmm.res \
	  $(B)/pecan.elf $(SIGMA0) $(B)/user/test-vmm.elf | tail -1

ALL_RESULTS := host $(QEMU_SUITES) kfault badelf nomods bochs-boot bochs-exc bochs-vmm

test: test-deps
	@rm -rf $(T)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-host $(addprefix test-qemu-,$(QEMU_SUITES)) \
	  test-kfault test-badelf test-nomods test-bochs test-bochs-exc test-bochs-vmm
	@tools/sum-results.sh $(addprefix $(T)/,$(addsuffix .res,$(ALL_RESULTS)))

bench: all | $(T)
	@tools/deps.sh --install build qemu
	@for b in $(notdir $(wildcard user/bench/*)); do \
	  $(QT) --name bench-$$b --timeout 600 --log $(T)/bench-$$b.log \
	    $(B)/pecan.elf $(SIGMA0) $(B)/user/bench-$$b.elf > /dev/null; \
	  grep '^bench:' $(T)/bench-$$b.log || { echo "bench-$$b failed"; tail -20 $(T)/bench-$$b.log; exit 1; }; \
	done

.PHONY: test-deps test-host test-kfault test-badelf test-nomods test-bochs test-bochs-exc \
	test-bochs-vmm
