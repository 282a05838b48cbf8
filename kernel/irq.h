/* irq.h: legacy 8259 PIC interrupt lines 0-15. */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#define IRQ_BASE_VECTOR 32

/* Remap the PICs to vectors 32-47 and mask every line. */
void irq_init(void);
/* Install the handler for a line; it runs with interrupts off, after which
 * the PIC is acknowledged. */
void irq_register(int irq, void (*handler)(void));
void irq_unmask(int irq);
void irq_mask(int irq);
/* Called by the trap dispatcher for vectors 32-47. */
void irq_dispatch(int irq);

#endif
