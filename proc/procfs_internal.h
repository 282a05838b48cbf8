/* procfs_internal.h: what the proc/ side of /proc shares between its files
 * and its self-tests. */
#ifndef PROC_PROCFS_INTERNAL_H
#define PROC_PROCFS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

struct as;
struct seqbuf;
struct task;
struct uio;

/* Print t's /proc/<pid>/stat line (52 fields, proc(5)). 0 or -errno. */
int procfs_pid_stat(struct task *t, struct seqbuf *sb);
/* Print t's /proc/<pid>/status. 0 or -errno. */
int procfs_pid_status(struct task *t, struct seqbuf *sb);
/* Print t's /proc/<pid>/cmdline: the argv strings, NUL-separated. */
int procfs_pid_cmdline(struct task *t, struct seqbuf *sb);

/* Print t's /proc/<pid>/maps and smaps (procfs_maps.c). 0 or -errno. */
int procfs_pid_maps(struct task *t, struct seqbuf *sb);
int procfs_pid_smaps(struct task *t, struct seqbuf *sb);

/* Read t's /proc/<pid>/pagemap at pos into u (procfs_pagemap.c): bytes
 * read or -errno (-EINVAL unless whole, aligned 8-byte entries). */
long procfs_pid_pagemap(struct task *t, struct uio *u, uint64_t pos);

/* Copy up to n bytes at va in as into buf through as's page tables, never
 * faulting a page in. Returns the bytes copied: fewer than n when a page
 * is not present or va leaves user space. */
size_t procfs_peek(struct as *as, uintptr_t va, void *buf, size_t n);

/* Register the system-wide files: /proc/stat, loadavg, cpuinfo, version,
 * cmdline, devices, swaps, sys/kernel/. */
void procfs_sys_init(void);

#endif
