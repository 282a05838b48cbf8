/* t_hostile_mm.c: address-space calls with arguments meant to confuse the
 * region bookkeeping: mmap hints that overlap existing mappings, mremap
 * onto itself or onto a neighbour, splits at every page, and a fork after
 * each, so that any page table entry left outside a region (or counted
 * twice) shows up at exit, in the child, or in MemFree (the runner).
 * Every expectation is Linux's. */
#include "utest.h"

#define P 4096ul
#define BASE ((char *)0x0000000300000000ul) /* far from everything else */

static char *map_fixed(char *at, size_t len)
{
	return mmap(at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

/* Fills page i of [p, p + n pages) with the byte tag + i. */
static void fill(char *p, size_t n, char tag)
{
	for (size_t i = 0; i < n; i++)
		memset(p + i * P, tag + (char)i, P);
}

static bool page_is(const char *p, char c)
{
	for (size_t i = 0; i < P; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* Forks a child that touches every given page and exits: a broken
 * address space tends to show at the child's exit. */
static void fork_and_exit(char *p, size_t n)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (size_t i = 0; i < n; i++)
			p[i * P] ^= 1;
		_exit(0);
	}
	UT_EXITED(ut_wait(pid), 0);
}

/* A hint is only a hint: when the range it names is not free, mmap
 * without MAP_FIXED must go elsewhere and leave the old mapping alone.
 * Bug: the kernel checked only the first and last page of the hinted
 * range, so a mapping inside it was covered by the new one (writes went
 * to both, munmap of the new one took the old). */
UT_CASE(mmap_hint_over_existing_mapping, 10)
{
	char *old = map_fixed(BASE + P, P);

	if (!UT_CHECK(old == BASE + P))
		return;
	fill(old, 1, 'X');
	char *n = mmap(BASE, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!UT_CHECK(n != MAP_FAILED))
		return;
	if (!UT_CHECK(n + 3 * P <= old || n >= old + P))
		UT_NOTE("new mapping %p..%p covers the old one at %p\n", n, n + 3 * P, old);
	memset(n, 'Y', 3 * P);
	UT_CHECK(page_is(old, 'X'));
	munmap(n, 3 * P);
	UT_CHECK(page_is(old, 'X'));
	munmap(old, P);
}

/* mremap onto a range that overlaps the source: Linux says EINVAL and
 * changes nothing. */
UT_CASE(mremap_fixed_overlapping, 10)
{
	static const long shift[] = { 2, -2, 0, 1 };

	for (size_t i = 0; i < sizeof(shift) / sizeof(shift[0]); i++) {
		char *a = map_fixed(BASE + 8 * P, 4 * P);
		if (!UT_CHECK(a == BASE + 8 * P))
			return;
		fill(a, 4, 'a');
		void *r = mremap(a, 4 * P, 6 * P, MREMAP_MAYMOVE | MREMAP_FIXED, a + shift[i] * (long)P);
		if (!UT_CHECK(r == MAP_FAILED && errno == EINVAL))
			UT_NOTE("shift %ld pages: mremap returned %p\n", shift[i], r);
		else
			for (size_t j = 0; j < 4; j++)
				UT_CHECK(page_is(a + j * P, (char)('a' + j)));
		munmap(BASE, 32 * P);
	}
}

/* MREMAP_FIXED to a free place with the same size moves the pages there
 * (the old range is then gone). */
UT_CASE(mremap_fixed_same_size_moves, 10)
{
	char *a = map_fixed(BASE, 2 * P), *to = BASE + 16 * P;

	if (!UT_CHECK(a == BASE))
		return;
	fill(a, 2, 'm');
	void *r = mremap(a, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, to);
	if (UT_CHECK(r == to)) {
		UT_CHECK(page_is(to, 'm'));
		UT_CHECK(page_is(to + P, 'n'));
		/* The old place is unmapped: mapping it again gives zeros. */
		char *again = mmap(a, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
				   -1, 0);
		UT_CHECK(again == a);
	}
	munmap(BASE, 32 * P);
}

/* Overlapping hints, then fork: the child's exit must find every page
 * counted once. (With the hint bug this panicked the kernel: see
 * t_hostile_crash mmap_hint_overlap_fork_rss_panic; here the hint is
 * avoided and only splits are used.) */
UT_CASE(split_every_page_then_fork, 20)
{
	char *a = map_fixed(BASE, 16 * P);

	if (!UT_CHECK(a == BASE))
		return;
	fill(a, 16, 'A');
	for (size_t i = 0; i < 16; i += 2)
		UT_OK(mprotect(a + i * P, P, PROT_READ));
	for (size_t i = 1; i < 16; i += 4)
		UT_OK(munmap(a + i * P, P));
	/* Over the holes: ENOMEM. */
	UT_ERR(mprotect(a, 16 * P, PROT_READ | PROT_WRITE), ENOMEM);
	pid_t pid = fork();
	if (pid == 0) {
		for (size_t i = 0; i < 16; i += 2)
			if (!page_is(a + i * P, (char)('A' + i)))
				_exit(1);
		_exit(0);
	}
	UT_EXITED(ut_wait(pid), 0);
	for (size_t i = 0; i < 16; i += 2)
		UT_CHECK(page_is(a + i * P, (char)('A' + i)));
	munmap(a, 16 * P);
}

/* mremap growing into a neighbour must move (or fail), never cover it. */
UT_CASE(mremap_grow_into_neighbour, 10)
{
	char *a = map_fixed(BASE, 2 * P), *b = map_fixed(BASE + 3 * P, P);

	if (!UT_CHECK(a == BASE && b == BASE + 3 * P))
		return;
	fill(a, 2, 'g');
	fill(b, 1, 'N');
	UT_CHECK(mremap(a, 2 * P, 4 * P, 0) == MAP_FAILED && errno == ENOMEM);
	char *r = mremap(a, 2 * P, 4 * P, MREMAP_MAYMOVE);
	if (UT_CHECK(r != MAP_FAILED)) {
		UT_CHECK(r + 4 * P <= b || r >= b + P);
		UT_CHECK(page_is(r, 'g') && page_is(r + P, 'h'));
		fork_and_exit(r, 4);
		munmap(r, 4 * P);
	}
	UT_CHECK(page_is(b, 'N'));
	munmap(b, P);
}

UT_MAIN()
