#!/usr/bin/env bash
# tests/net/vnet_mq.sh: virtio-net multiqueue (virtio 1.2 5.1.6.5.5, with
# the control queue of 5.1.6.5): a queue pair per CPU, each pair's
# interrupt and poller on its CPU, transmit on the sending CPU's queue,
# and connections accepted by httpd's service on the CPU their queue
# belongs to (net/tcp_aq.c).
#
# Boots apps/httpd (direct boot, TCG) on a multi_queue tap in a private
# namespace (tests/lib/netns.sh; nothing leaves it), once per
# configuration: smp 2 with 2 queues, smp 4 with 4, and smp 2 with the
# device's 2 queues turned down to one by the guest (vnet.queues=1, the
# control). Per configuration:
#   boot_CFG    the virtio-net line names mq (or not) and the pairs in use
#   http_CFG    tests/net/vnet_mq_client.py: VNET_MQ_CONNS connections at
#               once, four keep-alive GETs of /612.html each and two of
#               /1m.bin, every body byte for byte
#   queues_CFG  /stats: every queue pair received and sent frames and
#               took interrupts (one pair for the control)
#   cpus_CFG    /stats: httpd's service on every CPU accepted connections;
#               with MQ off (the control), only that every connection was
#               accepted (whoever is first takes it, as before MQ)
#   steer_CFG   /stats: TCP_ACCEPT_STEERED (taken on the CPU of their
#               queue) more than TCP_ACCEPT_STOLEN; none of either when MQ
#               is off
#   clean_CFG   no panic or CPU exception in the guest's log
# One "PASS vnet_mq: ..." or "FAIL vnet_mq: ..." line per case; exit 1 if
# any failed, 77 to skip (never under CI=true). Every wait is bounded;
# QEMU is killed by PID. VNET_MQ_ONLY=CFG runs one configuration,
# VNET_MQ_KEEP=1 keeps the logs.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/lib/guest.sh
source "$ROOT/tests/lib/guest.sh"

GUEST=10.77.11.2
HOST=10.77.11.1
CONNS=${VNET_MQ_CONNS:-48}
ONLY=${VNET_MQ_ONLY:-}

guest_init vnet_mq VNET_MQ qemu-system-x86_64 python3 make gcc curl
tmp=$GUEST_TMP
guest_build httpd

NS=$(netns_name vnetmq)
NETNS_MULTI_QUEUE=1
netns_create "$NS" "$HOST/24" tap0

# name | smp | device queues | guest options | pairs the guest uses
CONFIGS=(
	"mq2|2|2||2"
	"mq4|4|4||4"
	"off2|2|2|vnet.queues=1|1"
)

# json_check CFG FILE: the queues, cpus and steer cases from one /stats.
json_check() {
	local cfg=$1 file=$2 pairs=$3 smp=$4 conns=$5 line
	while IFS= read -r line; do
		case $line in
		PASS*) pass "${line#PASS }" ;;
		*) fail "${line#FAIL }" ;;
		esac
	done < <(python3 - "$file" "$cfg" "$pairs" "$smp" "$conns" <<'PY'
import json, sys
path, cfg, pairs, smp, conns = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
try:
    st = json.load(open(path))
except Exception as e:
    for c in ("queues", "cpus", "steer"):
        print("FAIL %s_%s: /stats is not JSON (%s)" % (c, cfg, e))
    sys.exit(0)
v = st.get("virtio_net", {})
q = v.get("per_queue", [])
desc = " ".join("q%d rx %d tx %d irq %d" % (i, x["rx_frames"], x["tx_frames"], x["irqs"]) for i, x in enumerate(q))
ok = v.get("queues") == pairs and len(q) == pairs and all(x["rx_frames"] and x["tx_frames"] and x["irqs"] for x in q)
print("%s queues_%s: %d pairs, %s" % ("PASS" if ok else "FAIL", cfg, v.get("queues", 0), desc))
svcs = st["http"]["services"]
acc = {s["cpu"]: s["accepted"] for s in svcs}
if pairs > 1:
    ok = len(acc) == smp and all(acc.get(c, 0) > 0 for c in range(smp))
else:
    ok = len(acc) == smp and sum(acc.values()) >= conns
print("%s cpus_%s: accepted per cpu %s" % ("PASS" if ok else "FAIL", cfg, " ".join("%d:%d" % (c, acc.get(c, 0)) for c in range(smp))))
tcp = st["tcp"]
steered, stolen = tcp.get("TCP_ACCEPT_STEERED", -1), tcp.get("TCP_ACCEPT_STOLEN", -1)
if pairs > 1:
    ok = steered > stolen
else:
    ok = steered == 0 and stolen == 0
print("%s steer_%s: steered %d stolen %d" % ("PASS" if ok else "FAIL", cfg, steered, stolen))
PY
)
}

for cfg in "${CONFIGS[@]}"; do
	IFS='|' read -r name smp queues append pairs <<<"$cfg"
	[[ -n "$ONLY" && "$ONLY" != "$name" ]] && continue
	log="$tmp/guest-$name.log"
	guest_boot "boot_$name: no ready line" "$NS" "$log" '^httpd: ready' \
		httpd --direct --nic virtio --net tap:tap0 --smp "$smp" --queues "$queues" --timeout 300 \
		--append "ip=$GUEST/24 httpd.log=0 $append" || continue
	pid=$GUEST_PID
	line=$(grep -m1 -o 'virtio-net: .*pairs [0-9]*' "$log")
	got=${line##*pairs }
	mq=0
	[[ "$line" == *" mq"* || "$line" == *"(mq"* ]] && mq=1
	if [[ "$got" == "$pairs" && $mq -eq $((pairs > 1 ? 1 : 0)) ]]; then
		pass "boot_$name $pairs pairs at smp $smp (mq negotiated: $mq) after ${GUEST_BOOT_S}s"
	else
		fail "boot_$name: expected $pairs pairs, the guest said: ${line:-nothing}"
	fi
	out=$(netns_exec "$NS" timeout 150 python3 "$ROOT/tests/net/vnet_mq_client.py" "$GUEST" \
		--conns "$CONNS" --page "$ROOT/apps/httpd/www/612.html" --timeout 120 2>&1 | tail -n 1)
	if [[ "$out" == ok* ]]; then
		pass "http_$name ${out#ok }"
	else
		fail "http_$name: ${out:-no output from the client}"
	fi
	if netns_exec "$NS" timeout 60 curl -s -m 50 -o "$tmp/stats-$name.json" "http://$GUEST/stats"; then
		json_check "$name" "$tmp/stats-$name.json" "$pairs" "$smp" "$CONNS"
	else
		fail "queues_$name: GET /stats failed"
	fi
	bg_stop "$pid"
	if guest_no_faults "clean_$name: the guest's log reports a fault:" "$log"; then
		pass "clean_$name no fault in the guest's log"
	fi
done

guest_finish
