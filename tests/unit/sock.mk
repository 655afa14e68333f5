# tests/unit/sock.mk: host tests of the socket layer (sock/) with
# ASan/UBSan: the core and descriptor table over two stacks on the
# simulated link (tests/unit/sock/sock_pair.c), pthreads as threads
# (tests/fakes/sock_os_host.c). sock/posix_*.c are built against skiff's
# include/ with their names renamed (SOCK_POSIX_NAMES: socket becomes
# skp_socket...), and so is the test that calls them (posix_test.c), so
# that neither meets libc's. Links the net/ objects tests/unit/net.mk
# builds (this file sorts after it, so NET_OBJS is set). `make unit-sock`
# runs these alone.

SOCK_BUILD    := $(BUILD)/host/sock
SOCK_POSIX    := $(wildcard sock/posix_*.c)
SOCK_SRCS     := $(filter-out $(SOCK_POSIX) sock/svc%.c,$(wildcard sock/*.c)) \
	tests/fakes/sock_os_host.c tests/unit/sock/sock_pair.c
SOCK_OBJS     := $(patsubst %.c,$(SOCK_BUILD)/obj/%.o,$(SOCK_SRCS) $(SOCK_POSIX))
SOCK_TESTS    := $(patsubst tests/unit/sock/%.c,$(SOCK_BUILD)/%,$(wildcard tests/unit/sock/*_test.c))
SOCK_CFLAGS   := $(HOST_CFLAGS) -fno-sanitize-recover=all -Itests/fakes -Itests/unit/sock -pthread
SOCK_POSIX_NAMES := socket bind listen accept accept4 connect send recv sendto \
	recvfrom sendmsg recvmsg shutdown getsockname getpeername setsockopt \
	getsockopt read write readv writev close dup dup2 fcntl poll \
	epoll_create epoll_create1 epoll_ctl epoll_wait inet_pton inet_ntop \
	inet_aton inet_addr inet_ntoa getaddrinfo freeaddrinfo gai_strerror \
	getnameinfo
SOCK_POSIX_CFLAGS := -Iinclude $(foreach n,$(SOCK_POSIX_NAMES),-D$(n)=skp_$(n))

# What an app sees: skiff's headers, skiff's calls.
$(patsubst %.c,$(SOCK_BUILD)/obj/%.o,$(SOCK_POSIX)) $(SOCK_BUILD)/posix_test: \
	SOCK_CFLAGS += $(SOCK_POSIX_CFLAGS)

UNIT_TESTS += $(SOCK_TESTS)

.PHONY: unit-sock
unit-sock: $(SOCK_TESTS)
	$(Q)tools/run-unit.sh $(SOCK_TESTS)

$(SOCK_OBJS): $(SOCK_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(SOCK_CFLAGS) -MMD -MP -c $< -o $@

$(SOCK_TESTS): $(SOCK_BUILD)/%: tests/unit/sock/%.c $(SOCK_OBJS) $(NET_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(SOCK_CFLAGS) -MMD -MP -o $@ $< $(SOCK_OBJS) $(NET_OBJS) $(HOST_LDLIBS)

-include $(SOCK_OBJS:.o=.d) $(SOCK_TESTS:=.d)
