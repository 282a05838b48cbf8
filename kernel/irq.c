/* irq.c: the two 8259 PICs, remapped to vectors 32-47.
 *
 * The BIOS leaves them on vectors 8-15, on top of CPU exceptions, so they are
 * remapped and fully masked before interrupts are first enabled; a line is
 * unmasked only when its handler is installed. Spurious IRQ 7/15 (ISR bit
 * clear) are acknowledged as the 8259 requires and otherwise ignored. */
#include "kernel/irq.h"

#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/printk.h"

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xA0
#define PIC2_DATA 0xA1
#define PIC_EOI 0x20

static void (*handlers[16])(void);
static uint16_t mask_bits = 0xFFFF;

static void write_masks(void)
{
	outb(PIC1_DATA, mask_bits & 0xFF);
	outb(PIC2_DATA, mask_bits >> 8);
}

void irq_init(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, IRQ_BASE_VECTOR);
	outb(PIC2_DATA, IRQ_BASE_VECTOR + 8);
	outb(PIC1_DATA, 0x04); /* slave on IRQ 2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* 8086 mode */
	outb(PIC2_DATA, 0x01);
	mask_bits = 0xFFFF & ~(1u << 2); /* cascade line stays open */
	write_masks();
}

void irq_register(int irq, void (*handler)(void))
{
	KASSERT(irq >= 0 && irq < 16);
	handlers[irq] = handler;
}

void irq_unmask(int irq)
{
	uint64_t f = irq_save();

	mask_bits &= (uint16_t)~(1u << irq);
	write_masks();
	irq_restore(f);
}

void irq_mask(int irq)
{
	uint64_t f = irq_save();

	mask_bits |= (uint16_t)(1u << irq);
	write_masks();
	irq_restore(f);
}

static bool is_spurious(int irq)
{
	uint16_t port = irq == 7 ? PIC1_CMD : PIC2_CMD;

	if (irq != 7 && irq != 15)
		return false;
	outb(port, 0x0B); /* read ISR */
	return !(inb(port) & 0x80);
}

void irq_dispatch(int irq)
{
	if (is_spurious(irq)) {
		if (irq == 15)
			outb(PIC1_CMD, PIC_EOI);
		return;
	}
	if (irq >= 8)
		outb(PIC2_CMD, PIC_EOI);
	outb(PIC1_CMD, PIC_EOI);
	if (handlers[irq])
		handlers[irq]();
}
