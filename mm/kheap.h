/* kheap.h: the kernel heap. */
#ifndef MM_KHEAP_H
#define MM_KHEAP_H

#include <stddef.h>

/* Allocate size bytes aligned to 16 (to the page for sizes >= a page);
 * NULL when out of memory. Any size up to 16 MiB. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* Free a kmalloc/kzalloc block (NULL is allowed). Freed memory is poisoned. */
void kfree(void *p);

void kheap_init(void);
/* Frames the heap holds now (slabs, page blocks, large blocks): meminfo. */
size_t kheap_frames(void);

#endif
