# tests/unit/pci.mk: host tests of PCI enumeration, BAR sizing, the
# capability walk and MSI/MSI-X programming (drivers/pci/pci.c) against a
# fake configuration space (tests/unit/pci/fake_conf.c).
PCI_TEST_SRCS := drivers/pci/pci.c lib/fmt.c tests/unit/pci/fake_conf.c

UNIT_TESTS += $(BUILD)/host/pci/pci_test

$(BUILD)/host/pci/pci_test: tests/unit/pci/pci_test.c $(PCI_TEST_SRCS) drivers/pci/pci.h drivers/pci/pci_priv.h tests/unit/pci/fake_conf.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DPCI_MMIO_LIMIT=UINT64_MAX -o $@ $< $(PCI_TEST_SRCS) $(HOST_LDLIBS)
