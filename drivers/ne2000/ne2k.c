/*
 * drivers/ne2000/ne2k.c: NE2000 (DP8390 core) Ethernet on PCI, as QEMU's
 * ne2k_pci (10ec:8029, a Realtek RTL8029) presents it.
 *
 * What it does: resets the card, reads the MAC from the station PROM and
 * brings the 8390 up in the order of the DP8390D datasheet (July 1995),
 * 11.0 "Initialization Procedures". The card's buffer memory holds two
 * transmit buffers and the receive ring (6.0 "Receive Buffer Ring"); frames
 * move between that memory and the host only through the remote DMA data
 * port (9.0 "Remote DMA"), 16 bits at a time.
 *
 * Promises:
 *   - the IRQ handler only masks the card (IMR = 0), acknowledges ISR and
 *     kicks the network thread; poll() drains the ring up to CURR, reading
 *     each frame straight into a pktbuf (the one copy, from the card), and
 *     moves BNRY after every frame so the card gets its space back at once;
 *   - every ring header is checked (status, length, next page in range and
 *     consistent with the length and with CURR); a bad one is counted and
 *     the ring is resynchronised (BNRY = CURR - 1), never trusted;
 *   - transmit: two 6-page buffers used in turn, then a FIFO of at most
 *     NE2K_TXQ_MAX frames; beyond that frames are dropped and counted;
 *   - ring overwrite (ISR.OVW) is handled exactly as 7.0 "Buffer Ring
 *     Overflow" prescribes, resending a transmit it interrupted;
 *   - every wait on the card is bounded.
 *
 * QEMU's model (hw/net/ne2000.c, 7.2; details in NOTES.md): it has no
 * can_receive hook, so the net layer never queues for it and no register
 * write is needed to flush a queue; a frame that does not fit (less than
 * 1518 bytes between CURR and BNRY) is silently dropped: no OVW, no missed
 * packet tally, no interrupt. So a driver that leaves frames in the ring
 * after acknowledging PRX waits for an interrupt that never comes: deaf.
 * Hence poll() always drains to CURR, and rearming the interrupt mask with
 * PRX still set raises the line again at once. The model also treats CURR == BNRY as an empty ring, so
 * BNRY is kept at "last page read" (next - 1) as the datasheet says, and a
 * ring the model lapped shows up as a bad header and is resynchronised.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "drivers/ne2000/ne2k_regs.h"
#include "drivers/pci/pci.h"
#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "net/netif.h"
#include "net/pktbuf.h"

#define NE2K_VENDOR		0x10ec
#define NE2K_DEVICE		0x8029

/* Buffer memory (NE2000 word mode: 16 KiB at 0x4000; QEMU and some clones: 32 KiB). */
#define NE2K_MEM_START_PG	0x40
#define NE2K_MEM_STOP_16K	0x80
#define NE2K_MEM_STOP_32K	0xc0
#define NE2K_TX_SLOT_PAGES	6	/* 1536 bytes: a maximum frame */
#define NE2K_TX_SLOTS		2
#define NE2K_RX_START_PG	(NE2K_MEM_START_PG + NE2K_TX_SLOTS * NE2K_TX_SLOT_PAGES)

#define NE2K_PROM_BYTES		32	/* word mode: each PROM byte appears twice */
#define NE2K_ETH_MIN		60	/* shortest frame, without CRC (802.3 minimum 64 with it) */
#define NE2K_ETH_MAX		1518	/* longest frame we accept, without CRC (1514 + a VLAN tag) */
#define NE2K_TX_MAX		1514	/* longest frame we send */
#define NE2K_TXQ_MAX		8	/* frames waiting for a transmit buffer */
#define NE2K_IMR_MASK		(NE2K_ISR_PRX | NE2K_ISR_PTX | NE2K_ISR_RXE | NE2K_ISR_TXE | NE2K_ISR_OVW | NE2K_ISR_CNT)
/* Always unmasked; PTX and TXE only while a frame waits behind the one on the wire (ne2k_imr_want). */
#define NE2K_IMR_RX		(NE2K_ISR_PRX | NE2K_ISR_RXE | NE2K_ISR_OVW | NE2K_ISR_CNT)
#define NE2K_IMR_TX		(NE2K_ISR_PTX | NE2K_ISR_TXE)
#define NE2K_RESET_US		20000	/* reset and RST bit: bounded wait */
#define NE2K_RDC_SPINS		100000	/* remote DMA completion: bounded poll */
#define NE2K_TX_TIMEOUT_NS	(100 * NSEC_PER_MSEC)	/* 10 Mb/s sends 1514 bytes in 1.2 ms */
#define NE2K_NOIRQ_POLL_NS	(100 * NSEC_PER_MSEC)	/* without an interrupt line, poll this often */
#define NE2K_OVW_WAIT_US	1600	/* 7.0: "wait for at least 1.6 ms" after STOP */

struct ne2k {
	uint16_t io;			/* I/O BAR base */
	struct spinlock lock;		/* the card's registers; see the invariant below */
	struct netstack *ns;		/* whose pool received frames are copied into */
	struct netif *nif;		/* NULL while between stacks */
	struct netdev *dev;		/* for netdev_kick */
	uint8_t mac[ETH_ALEN];
	uint8_t run;			/* NE2K_CR_STA, or NE2K_CR_STP while stopped */
	uint8_t rx_start, rx_stop;	/* ring pages [rx_start, rx_stop) */
	uint8_t next_pkt;		/* ring page of the next frame to read */
	volatile uint8_t pending;	/* ISR bits the IRQ handler saw, for poll */
	uint8_t imr;			/* what IMR holds: 0 while the handler has the card masked */
	/* Transmit buffers: a FIFO of NE2K_TX_SLOTS, head is on the wire when tx_active. */
	uint8_t tx_head;
	uint8_t tx_count;
	bool tx_active;
	uint16_t tx_len[NE2K_TX_SLOTS];
	uint64_t tx_started_ns;
	struct pktq txq;		/* frames waiting for a slot */
	int gsi;			/* -1: no interrupt, polled on the tick */
	/* Counters (driver-level; the stack counts packets and bytes). */
	uint64_t rx_frames, rx_bad_hdr, rx_err_status, rx_nobufs, rx_resyncs;
	uint64_t rx_overflows, rx_missed, rx_crc, rx_align;
	uint64_t tx_frames, tx_errors, tx_dropped, tx_timeouts, tx_resends;
	uint64_t dma_timeouts, irqs;
	uint64_t stats_every_ns;	/* ne2k.stats=SECONDS: log the counters that often; 0 never */
	uint64_t stats_last_ns;
};

SKIFF_OPTION(ne2k_stats, "ne2k.stats", "log the NE2000 driver's counters every N seconds while it is busy (default 0: never)");

/*
 * Invariant: outside nk->lock, CR selects page 0 with no remote DMA in
 * progress, so the IRQ handler can touch ISR and IMR without writing CR.
 */

static inline void ne2k_out(const struct ne2k *nk, uint16_t reg, uint8_t v)
{
	outb((uint16_t)(nk->io + reg), v);
}

static inline uint8_t ne2k_in(const struct ne2k *nk, uint16_t reg)
{
	return inb((uint16_t)(nk->io + reg));
}

static void ne2k_cmd(struct ne2k *nk, uint8_t bits)
{
	ne2k_out(nk, NE2K_CR, (uint8_t)(NE2K_CR_PAGE0 | nk->run | bits));
}

/* Pages from a to b going forward around the ring. */
static unsigned ne2k_ring_dist(const struct ne2k *nk, uint8_t a, uint8_t b)
{
	unsigned n = (unsigned)(nk->rx_stop - nk->rx_start);
	return ((unsigned)b + n - (unsigned)a) % n;
}

static uint8_t ne2k_ring_prev(const struct ne2k *nk, uint8_t pg)
{
	return pg == nk->rx_start ? (uint8_t)(nk->rx_stop - 1) : (uint8_t)(pg - 1);
}

/* ---- remote DMA (9.0) ---------------------------------------------------- */

static void ne2k_dma_start(struct ne2k *nk, uint16_t addr, uint16_t count, uint8_t dir)
{
	ne2k_cmd(nk, NE2K_CR_NODMA);
	ne2k_out(nk, NE2K_ISR, NE2K_ISR_RDC);
	ne2k_out(nk, NE2K_RBCR0, (uint8_t)count);
	ne2k_out(nk, NE2K_RBCR1, (uint8_t)(count >> 8));
	ne2k_out(nk, NE2K_RSAR0, (uint8_t)addr);
	ne2k_out(nk, NE2K_RSAR1, (uint8_t)(addr >> 8));
	ne2k_cmd(nk, dir);
}

/* 9.0: the transfer is over when ISR.RDC is set; then leave the DMA idle. */
static void ne2k_dma_finish(struct ne2k *nk)
{
	int i;
	for (i = 0; i < NE2K_RDC_SPINS; i++)
		if (ne2k_in(nk, NE2K_ISR) & NE2K_ISR_RDC)
			break;
	if (i == NE2K_RDC_SPINS)
		nk->dma_timeouts++;
	ne2k_out(nk, NE2K_ISR, NE2K_ISR_RDC);
	ne2k_cmd(nk, NE2K_CR_NODMA);
}

/*
 * Card memory at addr -> buf, len bytes. The RTL8029 (and QEMU's model)
 * move 32 bits per access of the data port in word mode, as Linux's
 * ne2k-pci does for it: half the port accesses of 16-bit transfers, and
 * each access is a VM exit or, under TCG, a trip through QEMU's I/O
 * dispatch with its big lock (host->guest TCP: 381 instead of 757 per
 * full frame). The last 1-3 bytes go 16 bits at a time, so no read runs
 * more than one byte past the data: a dword there could cross the end
 * of the card's memory (QEMU then returns all ones for the whole dword).
 * An odd tail reads one byte more, as before.
 */
static void ne2k_dma_read(struct ne2k *nk, uint16_t addr, uint8_t *buf, size_t len)
{
	size_t i;
	uint16_t port = (uint16_t)(nk->io + NE2K_DATA);
	ne2k_dma_start(nk, addr, (uint16_t)((len + 1) & ~(size_t)1), NE2K_CR_RREAD);
	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w = inl(port);
		memcpy(buf + i, &w, 4);	/* the card's memory is little-endian, as we are */
	}
	for (; i + 1 < len; i += 2) {
		uint16_t w = inw(port);
		memcpy(buf + i, &w, 2);
	}
	if (i < len)
		buf[i] = (uint8_t)inw(port);
	ne2k_dma_finish(nk);
}

/* buf -> card memory at addr, zero-padded to pad_to bytes (short frames leak no stale data); 32 bits a time. */
static void ne2k_dma_write(struct ne2k *nk, uint16_t addr, const uint8_t *buf, size_t len, size_t pad_to)
{
	size_t total = len > pad_to ? len : pad_to;
	size_t i;
	uint16_t port = (uint16_t)(nk->io + NE2K_DATA);
	total = (total + 3) & ~(size_t)3;
	ne2k_dma_start(nk, addr, (uint16_t)total, NE2K_CR_RWRITE);
	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w;
		memcpy(&w, buf + i, 4);
		outl(port, w);
	}
	for (; i < total; i += 4) {
		uint32_t w = 0;
		if (i < len)
			memcpy(&w, buf + i, len - i);
		outl(port, w);
	}
	ne2k_dma_finish(nk);
}

static uint8_t ne2k_read_curr(struct ne2k *nk)
{
	ne2k_out(nk, NE2K_CR, (uint8_t)(NE2K_CR_PAGE1 | nk->run | NE2K_CR_NODMA));
	uint8_t curr = ne2k_in(nk, NE2K_CURR);
	ne2k_cmd(nk, NE2K_CR_NODMA);
	return curr;
}

/* ---- receive (6.0, 7.0) -------------------------------------------------- */

/*
 * Give up on the ring's contents: the next frame is whatever the card
 * writes at CURR; BNRY = CURR - 1 hands it every other page.
 */
static void ne2k_ring_resync(struct ne2k *nk, uint8_t curr)
{
	nk->rx_resyncs++;
	if (nk->rx_resyncs <= 5 || nk->rx_resyncs % 100 == 0)
		kwarn("ne2k", "receive ring resynchronised (%llu so far; bad headers %llu)",
		      (unsigned long long)nk->rx_resyncs, (unsigned long long)nk->rx_bad_hdr);
	nk->next_pkt = curr;
	ne2k_out(nk, NE2K_BNRY, ne2k_ring_prev(nk, curr));
}

/*
 * 6.0: each frame starts on a page with a 4-byte header: receive status,
 * next page, byte count (count includes 4 bytes beyond the frame: the CRC on
 * a real chip, the header in QEMU; either way the frame is count - 4 and it
 * occupies count + 4 bytes of ring). Returns true when the header is sane.
 */
static bool ne2k_hdr_ok(const struct ne2k *nk, const uint8_t h[4], uint8_t curr)
{
	unsigned count = (unsigned)h[2] | (unsigned)h[3] << 8;
	uint8_t next = h[1];
	if (count < NE2K_ETH_MIN + 4 || count > NE2K_ETH_MAX + 4)
		return false;
	if (next < nk->rx_start || next >= nk->rx_stop)
		return false;
	unsigned pages = (count + 4 + NE2K_PAGE_SIZE - 1) / NE2K_PAGE_SIZE;
	unsigned d = ne2k_ring_dist(nk, nk->next_pkt, next);
	unsigned used = ne2k_ring_dist(nk, nk->next_pkt, curr);	/* > 0: the caller saw next_pkt != CURR */
	/* Some 8390 clones skip one page more than the length needs (Linux 8390.c accepts it too). */
	return (d == pages || d == pages + 1) && d <= used;
}

/* Copies the frame at next_pkt (header h) into a new pktbuf, handling the ring's wrap. */
static struct pktbuf *ne2k_rx_copy(struct ne2k *nk, const uint8_t h[4])
{
	size_t len = ((size_t)h[2] | (size_t)h[3] << 8) - 4;
	struct pktbuf *p = pktbuf_alloc(nk->ns, NET_HEADROOM, len);
	if (!p)
		return NULL;
	uint32_t addr = (uint32_t)nk->next_pkt * NE2K_PAGE_SIZE + 4;
	uint32_t end = (uint32_t)nk->rx_stop * NE2K_PAGE_SIZE;
	size_t first = len;
	if (addr + len > end)
		first = end - addr;	/* even: page-aligned end minus a page-aligned start + 4 */
	ne2k_dma_read(nk, (uint16_t)addr, p->data, first);
	if (first < len)
		ne2k_dma_read(nk, (uint16_t)(nk->rx_start * NE2K_PAGE_SIZE), p->data + first, len - first);
	return p;
}

/*
 * 7.0 "Removing Packets from the Ring": read frames from next_pkt up to
 * CURR, at most budget of them, into out; after each frame BNRY = next - 1.
 * Called with nk->lock held. Returns the number of frames queued.
 */
static int ne2k_rx_drain(struct ne2k *nk, int budget, struct pktq *out)
{
	int n = 0;
	while (n < budget) {
		uint8_t curr = ne2k_read_curr(nk);
		if (curr < nk->rx_start || curr >= nk->rx_stop) {
			nk->rx_bad_hdr++;	/* the card's own pointer is off the ring: start over at PSTART */
			ne2k_out(nk, NE2K_CR, (uint8_t)(NE2K_CR_PAGE1 | nk->run | NE2K_CR_NODMA));
			ne2k_out(nk, NE2K_CURR, nk->rx_start);
			ne2k_cmd(nk, NE2K_CR_NODMA);
			ne2k_ring_resync(nk, nk->rx_start);
			break;
		}
		if (nk->next_pkt == curr)
			break;
		uint8_t h[4];
		ne2k_dma_read(nk, (uint16_t)(nk->next_pkt * NE2K_PAGE_SIZE), h, sizeof(h));
		if (!ne2k_hdr_ok(nk, h, curr)) {
			nk->rx_bad_hdr++;
			if (nk->rx_bad_hdr <= 5)
				kwarn("ne2k", "bad ring header at page %#x (CURR %#x): status %#x next %#x count %u",
				      nk->next_pkt, curr, h[0], h[1], (unsigned)h[2] | (unsigned)h[3] << 8);
			ne2k_ring_resync(nk, curr);
			break;
		}
		if (!(h[0] & NE2K_RSR_PRX)) {
			nk->rx_err_status++;	/* only stored with RCR.SEP; skip it */
		} else {
			struct pktbuf *p = ne2k_rx_copy(nk, h);
			if (p) {
				pktq_push(out, p);
				nk->rx_frames++;
				n++;
			} else {
				nk->rx_nobufs++;	/* drop it but free its pages all the same */
			}
		}
		nk->next_pkt = h[1];
		ne2k_out(nk, NE2K_BNRY, ne2k_ring_prev(nk, nk->next_pkt));
	}
	return n;
}

/* ---- transmit (8.0) ------------------------------------------------------ */

static uint8_t ne2k_tx_page(unsigned slot)
{
	return (uint8_t)(NE2K_MEM_START_PG + slot * NE2K_TX_SLOT_PAGES);
}

/* 8.0: TPSR, TBCR, then CR.TXP; the card clears TXP when the frame is out. */
static void ne2k_tx_kick(struct ne2k *nk)
{
	uint16_t len = nk->tx_len[nk->tx_head];
	ne2k_out(nk, NE2K_TPSR, ne2k_tx_page(nk->tx_head));
	ne2k_out(nk, NE2K_TBCR0, (uint8_t)len);
	ne2k_out(nk, NE2K_TBCR1, (uint8_t)(len >> 8));
	ne2k_cmd(nk, NE2K_CR_NODMA | NE2K_CR_TXP);
	nk->tx_active = true;
	nk->tx_started_ns = time_ns();
}

/* Copies p into the free slot after the queued ones and frees p. */
static void ne2k_tx_load(struct ne2k *nk, struct pktbuf *p)
{
	unsigned slot = (nk->tx_head + nk->tx_count) % NE2K_TX_SLOTS;
	ne2k_dma_write(nk, (uint16_t)(ne2k_tx_page(slot) * NE2K_PAGE_SIZE), p->data, p->len, NE2K_ETH_MIN);
	nk->tx_len[slot] = (uint16_t)(p->len < NE2K_ETH_MIN ? NE2K_ETH_MIN : p->len);
	nk->tx_count++;
	pktbuf_free(p);
}

/* Retires a finished (or hung) transmit, refills the slots from txq, starts the next. */
static void ne2k_tx_reap(struct ne2k *nk)
{
	if (nk->tx_active) {
		bool done = !(ne2k_in(nk, NE2K_CR) & NE2K_CR_TXP);
		if (done) {
			if (ne2k_in(nk, NE2K_TSR) & NE2K_TSR_PTX)
				nk->tx_frames++;
			else
				nk->tx_errors++;
		} else if (time_ns() - nk->tx_started_ns > NE2K_TX_TIMEOUT_NS) {
			nk->tx_timeouts++;	/* give the slot back; the frame is lost */
			done = true;
		}
		if (done) {
			nk->tx_active = false;
			nk->tx_head = (uint8_t)((nk->tx_head + 1) % NE2K_TX_SLOTS);
			nk->tx_count--;
		}
	}
	while (nk->tx_count < NE2K_TX_SLOTS && nk->txq.len)
		ne2k_tx_load(nk, pktq_pop(&nk->txq));
	if (!nk->tx_active && nk->tx_count)
		ne2k_tx_kick(nk);
}

/*
 * The interrupts worth taking now. A transmit interrupt only matters to
 * start a frame that waits behind the one on the wire; otherwise the next
 * xmit or poll reaps the finished one. QEMU's model completes TXP inside
 * the CR write, so there it is never wanted and each transmitted frame
 * costs no interrupt (before: one more interrupt and a whole network
 * thread pass per frame sent). Card lock held.
 */
static uint8_t ne2k_imr_want(const struct ne2k *nk)
{
	return (uint8_t)(NE2K_IMR_RX | (nk->tx_count > 1 || nk->txq.len ? NE2K_IMR_TX : 0));
}

static void ne2k_set_imr(struct ne2k *nk, uint8_t imr)
{
	nk->imr = imr;
	ne2k_out(nk, NE2K_IMR, imr);
}

static int ne2k_xmit(struct netif *nif, struct pktbuf *p)
{
	struct ne2k *nk = netif_drv(nif);
	int err = 0;
	if (p->len > NE2K_TX_MAX) {
		nk->tx_dropped++;
		pktbuf_free(p);
		return -EMSGSIZE;
	}
	uint64_t f = spin_lock_irqsave(&nk->lock);
	ne2k_tx_reap(nk);
	if (nk->tx_count < NE2K_TX_SLOTS) {
		ne2k_tx_load(nk, p);
		if (!nk->tx_active)
			ne2k_tx_kick(nk);
		p = NULL;
	} else if (nk->txq.len < NE2K_TXQ_MAX) {
		pktq_push(&nk->txq, p);
		p = NULL;
	} else {
		nk->tx_dropped++;
		err = -ENOBUFS;
	}
	if (nk->imr && nk->imr != ne2k_imr_want(nk))
		ne2k_set_imr(nk, ne2k_imr_want(nk));	/* a frame now waits: its turn needs PTX */
	spin_unlock_irqrestore(&nk->lock, f);
	if (p)
		pktbuf_free(p);
	return err;
}

/* ---- interrupts and the network thread ----------------------------------- */

/*
 * Mask the card so the level-triggered line drops, acknowledge what it
 * reported (all but OVW, which the overflow routine clears at its step 9),
 * and leave the work to poll(). A shared line may call us for another device.
 */
static void ne2k_irq(void *ctx)
{
	struct ne2k *nk = ctx;
	spin_lock(&nk->lock);
	uint8_t isr = ne2k_in(nk, NE2K_ISR);
	/* Only unmasked bits are ours: a masked PTX may sit in ISR until the next poll. */
	bool ours = isr & nk->imr;
	if (ours) {
		ne2k_set_imr(nk, 0);
		nk->pending |= isr;
		ne2k_out(nk, NE2K_ISR, (uint8_t)(isr & NE2K_IMR_MASK & ~NE2K_ISR_OVW));
		nk->irqs++;
	}
	spin_unlock(&nk->lock);
	if (ours)
		netdev_kick(nk->dev);
}

/*
 * 7.0 "Buffer Ring Overflow", steps 1-11: the only sanctioned way out of an
 * overwrite warning. Called with nk->lock held; returns frames queued on out.
 */
static int ne2k_overflow(struct ne2k *nk, int budget, struct pktq *out)
{
	bool txp = ne2k_in(nk, NE2K_CR) & NE2K_CR_TXP;	/* 1 */
	ne2k_out(nk, NE2K_CR, NE2K_CR_PAGE0 | NE2K_CR_NODMA | NE2K_CR_STP);	/* 2 */
	time_udelay(NE2K_OVW_WAIT_US);	/* 3 */
	ne2k_out(nk, NE2K_RBCR0, 0);	/* 4 */
	ne2k_out(nk, NE2K_RBCR1, 0);
	bool resend = false;	/* 5: resend only if the transmit neither finished nor failed */
	if (txp)
		resend = !(ne2k_in(nk, NE2K_ISR) & (NE2K_ISR_PTX | NE2K_ISR_TXE));
	ne2k_out(nk, NE2K_TCR, NE2K_TCR_LOOP1);	/* 6 */
	ne2k_cmd(nk, NE2K_CR_NODMA);	/* 7: START again (nk->run is STA) */
	int n = ne2k_rx_drain(nk, budget, out);	/* 8 */
	ne2k_out(nk, NE2K_ISR, NE2K_ISR_OVW);	/* 9 */
	ne2k_out(nk, NE2K_TCR, NE2K_TCR_NORMAL);	/* 10 */
	if (resend) {	/* 11 */
		nk->tx_resends++;
		ne2k_cmd(nk, NE2K_CR_NODMA | NE2K_CR_TXP);
	}
	nk->rx_overflows++;
	return n;
}

static void ne2k_log_stats(struct ne2k *nk)
{
	klog("ne2k", "rx %llu (bad hdr %llu, resync %llu, nobufs %llu, err %llu, ovw %llu, missed %llu) "
	     "tx %llu (err %llu, dropped %llu, timeout %llu, resend %llu) irqs %llu dma-timeouts %llu",
	     (unsigned long long)nk->rx_frames, (unsigned long long)nk->rx_bad_hdr,
	     (unsigned long long)nk->rx_resyncs, (unsigned long long)nk->rx_nobufs,
	     (unsigned long long)nk->rx_err_status, (unsigned long long)nk->rx_overflows,
	     (unsigned long long)nk->rx_missed, (unsigned long long)nk->tx_frames,
	     (unsigned long long)nk->tx_errors, (unsigned long long)nk->tx_dropped,
	     (unsigned long long)nk->tx_timeouts, (unsigned long long)nk->tx_resends,
	     (unsigned long long)nk->irqs, (unsigned long long)nk->dma_timeouts);
}

static int ne2k_poll(void *drv, int budget)
{
	struct ne2k *nk = drv;
	struct pktq q = { 0 };
	int n;

	uint64_t f = spin_lock_irqsave(&nk->lock);
	uint8_t isr = (uint8_t)(nk->pending | ne2k_in(nk, NE2K_ISR));
	nk->pending = 0;
	/* Acknowledge before draining: a frame landing after this sets PRX again and re-interrupts. */
	ne2k_out(nk, NE2K_ISR, (uint8_t)(isr & NE2K_IMR_MASK & ~NE2K_ISR_OVW));
	if (isr & NE2K_ISR_CNT) {	/* the tallies clear when read (10.0) */
		nk->rx_align += ne2k_in(nk, NE2K_CNTR0);
		nk->rx_crc += ne2k_in(nk, NE2K_CNTR1);
		nk->rx_missed += ne2k_in(nk, NE2K_CNTR2);
	}
	if (isr & NE2K_ISR_OVW)
		n = ne2k_overflow(nk, budget, &q);
	else
		n = ne2k_rx_drain(nk, budget, &q);
	ne2k_tx_reap(nk);
	spin_unlock_irqrestore(&nk->lock, f);

	/* Outside the card lock: the stack may answer at once and call ne2k_xmit. */
	struct pktbuf *p;
	while ((p = pktq_pop(&q)))
		netif_input(nk->nif, p);
	if (nk->stats_every_ns && n) {
		uint64_t now = time_ns();
		if (now - nk->stats_last_ns >= nk->stats_every_ns) {
			nk->stats_last_ns = now;
			ne2k_log_stats(nk);
		}
	}
	return n;
}

static void ne2k_irq_rearm(void *drv)
{
	struct ne2k *nk = drv;
	if (nk->gsi < 0)
		return;
	uint64_t f = spin_lock_irqsave(&nk->lock);
	ne2k_tx_reap(nk);	/* the pass's last transmit may be done already: then no PTX wanted */
	ne2k_set_imr(nk, ne2k_imr_want(nk));	/* pending, unmasked bits raise the line at once */
	spin_unlock_irqrestore(&nk->lock, f);
}

/* ---- netif ops ----------------------------------------------------------- */

static void ne2k_get_mac(struct netif *nif, uint8_t mac[ETH_ALEN])
{
	struct ne2k *nk = netif_drv(nif);
	memcpy(mac, nk->mac, ETH_ALEN);
}

/* Down: monitor mode (addresses checked, nothing buffered); up: broadcast + our address. */
static int ne2k_set_up(struct netif *nif, bool up)
{
	struct ne2k *nk = netif_drv(nif);
	uint64_t f = spin_lock_irqsave(&nk->lock);
	ne2k_out(nk, NE2K_RCR, up ? NE2K_RCR_AB : NE2K_RCR_MON);
	spin_unlock_irqrestore(&nk->lock, f);
	return 0;
}

static const struct netif_ops ne2k_netif_ops = {
	.xmit = ne2k_xmit,
	.get_mac = ne2k_get_mac,
	.get_mtu = NULL,	/* 1500 */
	.link_ok = NULL,	/* the 8390 reports no link state: always up */
	.set_up = ne2k_set_up,
};

/*
 * The network thread has no periodic tick: ask for a poll when a transmit
 * could time out (a hung send raises no interrupt), and all the time when
 * there is no interrupt line. Reads under the stack lock, as xmit writes.
 */
static uint64_t ne2k_next_deadline(void *drv)
{
	struct ne2k *nk = drv;
	if (nk->gsi < 0)
		return time_ns() + NE2K_NOIRQ_POLL_NS;
	if (nk->tx_active)
		return nk->tx_started_ns + NE2K_TX_TIMEOUT_NS + 1;
	return UINT64_MAX;
}

/*
 * NOTES.md "For the stack": the ring holds rx pages / 6 full frames and
 * QEMU drops whatever else arrives, without a trace. A TCP window one
 * full frame below that leaves room for the ACKs sharing the ring.
 */
static void ne2k_cap_window(struct ne2k *nk)
{
	uint32_t frames = (uint32_t)(nk->rx_stop - nk->rx_start) / 6;
	netif_set_rcv_window_max(nk->ns, netif_index(nk->nif), (frames > 2 ? frames - 1 : 1) * 1460u);
}

/*
 * Leaving a stack (its lock held; the interface is already down, so the
 * receiver is in monitor mode): the frames waiting for a transmit slot are
 * that stack's buffers. Frames already in the card's slots are copies.
 */
static void ne2k_unbind(void *drv)
{
	struct ne2k *nk = drv;
	uint64_t f = spin_lock_irqsave(&nk->lock);
	struct pktq q = nk->txq;
	nk->txq = (struct pktq){ 0 };
	spin_unlock_irqrestore(&nk->lock, f);
	pktq_purge(&q);
	nk->nif = NULL;
	nk->ns = NULL;
}

/* Joining a stack (its lock held): received frames go into its pool from now on. */
static int ne2k_bind(void *drv, struct netif *nif)
{
	struct ne2k *nk = drv;
	nk->ns = netif_stack(nif);
	nk->nif = nif;
	ne2k_cap_window(nk);
	return 0;
}

static const struct netdev_ops ne2k_netdev_ops = {
	.poll = ne2k_poll,
	.irq_rearm = ne2k_irq_rearm,
	.next_deadline = ne2k_next_deadline,
	.unbind = ne2k_unbind,
	.bind = ne2k_bind,
};

/* ---- bring-up (11.0) ----------------------------------------------------- */

/* NE2000 reset: reading the reset port pulses it; ISR.RST says the 8390 stopped. */
static int ne2k_reset(struct ne2k *nk)
{
	uint8_t v = ne2k_in(nk, NE2K_RESET);
	ne2k_out(nk, NE2K_RESET, v);
	for (int us = 0; us < NE2K_RESET_US; us += 10) {
		if (ne2k_in(nk, NE2K_ISR) & NE2K_ISR_RST) {
			ne2k_out(nk, NE2K_ISR, 0xff);
			return 0;
		}
		time_udelay(10);
	}
	return -EIO;
}

/* Stopped, word-wide, receiver off, loopback: the state in which the PROM and memory are probed. */
static void ne2k_quiesce(struct ne2k *nk)
{
	nk->run = NE2K_CR_STP;
	ne2k_out(nk, NE2K_CR, NE2K_CR_PAGE0 | NE2K_CR_NODMA | NE2K_CR_STP);
	ne2k_out(nk, NE2K_DCR, NE2K_DCR_WTS | NE2K_DCR_LS | NE2K_DCR_FT1);
	ne2k_out(nk, NE2K_RBCR0, 0);
	ne2k_out(nk, NE2K_RBCR1, 0);
	ne2k_set_imr(nk, 0);
	ne2k_out(nk, NE2K_ISR, 0xff);
	ne2k_out(nk, NE2K_RCR, NE2K_RCR_MON);
	ne2k_out(nk, NE2K_TCR, NE2K_TCR_LOOP1);
}

/* The station address PROM sits at card address 0; in word mode each byte is doubled. */
static void ne2k_read_prom(struct ne2k *nk)
{
	uint8_t prom[NE2K_PROM_BYTES];
	ne2k_dma_read(nk, 0, prom, sizeof(prom));
	for (int i = 0; i < ETH_ALEN; i++)
		nk->mac[i] = prom[2 * i];
}

/* 32 KiB of buffer memory (QEMU) or the NE2000's 16 KiB, where 0x8000 is absent or aliases 0x4000. */
static uint8_t ne2k_probe_mem_stop(struct ne2k *nk)
{
	static const uint8_t hi[2] = { 0x5a, 0xa5 }, lo[2] = { 0x3c, 0xc3 };
	uint8_t got[2];
	ne2k_dma_write(nk, NE2K_MEM_STOP_16K * NE2K_PAGE_SIZE, hi, 2, 0);
	ne2k_dma_write(nk, NE2K_MEM_START_PG * NE2K_PAGE_SIZE, lo, 2, 0);
	ne2k_dma_read(nk, NE2K_MEM_STOP_16K * NE2K_PAGE_SIZE, got, 2);
	return memcmp(got, hi, 2) == 0 ? NE2K_MEM_STOP_32K : NE2K_MEM_STOP_16K;
}

/*
 * 11.0 "Initialization Procedures", in the datasheet's order: stop, DCR,
 * clear RBCR, RCR (monitor), TCR (loopback), ring pointers, clear ISR, IMR,
 * page 1: PAR, MAR, CURR; START; TCR normal; then accept frames.
 */
static void ne2k_hw_init(struct ne2k *nk)
{
	ne2k_quiesce(nk);	/* steps 1-5 */
	ne2k_out(nk, NE2K_PSTART, nk->rx_start);	/* 6 */
	ne2k_out(nk, NE2K_PSTOP, nk->rx_stop);
	ne2k_out(nk, NE2K_BNRY, nk->rx_start);	/* ring empty: BNRY = CURR - 1 */
	ne2k_out(nk, NE2K_ISR, 0xff);	/* 7 */
	ne2k_out(nk, NE2K_IMR, 0);	/* 8: unmasked by irq_rearm once routed */
	ne2k_out(nk, NE2K_CR, NE2K_CR_PAGE1 | NE2K_CR_NODMA | NE2K_CR_STP);	/* 9 */
	for (int i = 0; i < ETH_ALEN; i++)
		ne2k_out(nk, (uint16_t)(NE2K_PAR0 + i), nk->mac[i]);
	for (int i = 0; i < 8; i++)
		ne2k_out(nk, (uint16_t)(NE2K_MAR0 + i), 0);	/* no multicast groups */
	ne2k_out(nk, NE2K_CURR, (uint8_t)(nk->rx_start + 1));
	nk->next_pkt = (uint8_t)(nk->rx_start + 1);
	nk->run = NE2K_CR_STA;
	ne2k_cmd(nk, NE2K_CR_NODMA);	/* 10: START, back on page 0 */
	ne2k_out(nk, NE2K_TCR, NE2K_TCR_NORMAL);	/* 11 */
	ne2k_out(nk, NE2K_RCR, NE2K_RCR_AB);	/* receiver on: our address and broadcast */
}

/* PCI INTx is level-triggered, active low (PCI 3.0 2.2.6) unless the MADT says how the ISA line is wired. */
static int ne2k_route_irq(struct ne2k *nk, const struct pci_dev *d, int *vector_out)
{
	if (d->irq_pin == 0 || d->irq_line == 0 || d->irq_line == 0xff)
		return -ENODEV;
	unsigned flags;
	uint32_t gsi = ioapic_isa_gsi(d->irq_line, &flags);
	if (!(flags & IOAPIC_LEVEL))
		flags = IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW;
	int vector = irq_alloc_vector();
	if (vector < 0)
		return vector;
	irq_set_handler((unsigned)vector, ne2k_irq, nk);
	int err = ioapic_route(gsi, (uint8_t)vector, flags, (uint8_t)lapic_id());
	if (err) {
		irq_set_handler((unsigned)vector, NULL, NULL);
		return err;
	}
	nk->gsi = (int)gsi;
	*vector_out = vector;
	return 0;
}

static bool ne2k_match(const struct pci_dev *d)
{
	return d->vendor == NE2K_VENDOR && d->device == NE2K_DEVICE;
}

static int ne2k_attach(struct pci_dev *d)
{
	if (!d->bar[0].io || d->bar[0].size < 0x20 || d->bar[0].addr > 0xffff)
		return -ENODEV;
	pci_enable_bus_master(d);	/* turns on I/O decoding */
	struct ne2k *nk = kzalloc(sizeof(*nk));
	if (!nk)
		return -ENOMEM;
	nk->io = (uint16_t)d->bar[0].addr;
	nk->lock = (struct spinlock)SPINLOCK_INIT("ne2k");
	nk->ns = netdev_stack();
	nk->gsi = -1;
	long every = cmdline_get_long("ne2k.stats", 0);
	nk->stats_every_ns = every > 0 ? (uint64_t)every * NSEC_PER_SEC : 0;

	int err = ne2k_reset(nk);
	if (err) {
		kwarn("ne2k", "%02x:%02x.%x: no reset acknowledge at io %#x", d->bus, d->dev, d->fn, nk->io);
		kfree(nk);
		return err;
	}
	ne2k_quiesce(nk);
	/* Remote DMA needs the 8390 started; monitor mode and loopback keep the wire out of it. */
	nk->run = NE2K_CR_STA;
	ne2k_read_prom(nk);
	nk->rx_start = NE2K_RX_START_PG;
	nk->rx_stop = ne2k_probe_mem_stop(nk);
	ne2k_hw_init(nk);

	int idx = netdev_register(&ne2k_netif_ops, &ne2k_netdev_ops, nk, "ne2k", &nk->dev);
	if (idx < 0) {
		ne2k_quiesce(nk);
		kfree(nk);
		return idx;
	}
	nk->nif = netif_get(nk->ns, idx);
	ne2k_cap_window(nk);

	int vector = -1;
	err = ne2k_route_irq(nk, d, &vector);
	if (err)
		kwarn("ne2k", "no interrupt (line %u, %d): polled every 100 ms only", d->irq_line, err);
	else
		ne2k_irq_rearm(nk);
	klog("ne2k", "%02x:%02x.%x io %#x irq %u (gsi %d, vector %#x), %u KiB buffer: rx ring %u pages, tx %ux%u pages",
	     d->bus, d->dev, d->fn, nk->io, d->irq_line, nk->gsi, vector,
	     (unsigned)(nk->rx_stop - NE2K_MEM_START_PG) / 4, (unsigned)(nk->rx_stop - nk->rx_start),
	     NE2K_TX_SLOTS, NE2K_TX_SLOT_PAGES);
	return 0;
}

static const struct netdrv ne2k_driver = {
	.name = "ne2k",
	.match = ne2k_match,
	.attach = ne2k_attach,
};
NETDRV(ne2k_driver);
