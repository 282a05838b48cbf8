/* random.c: the kernel's random generator (getrandom, AT_RANDOM, /dev/random).
 *
 * ChaCha20 in counter mode under a 256-bit key, with fast key erasure: each
 * request rekeys from the generator's own next block, so a later compromise
 * of the key does not reveal earlier output. The key is seeded from RDSEED/
 * RDRAND when CPUID offers them, otherwise from TSC and PIT-clock jitter,
 * and every request stirs in the TSC. Integer-only: no SSE in the kernel. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/lib/string.h"

static uint32_t rng_key[8];
static uint64_t rng_counter;
static bool rng_seeded;

static inline uint32_t rotl32(uint32_t v, int c)
{
	return (v << c) | (v >> (32 - c));
}

#define QR(a, b, c, d)                                                                             \
	do {                                                                                       \
		a += b; d ^= a; d = rotl32(d, 16);                                                 \
		c += d; b ^= c; b = rotl32(b, 12);                                                 \
		a += b; d ^= a; d = rotl32(d, 8);                                                  \
		c += d; b ^= c; b = rotl32(b, 7);                                                  \
	} while (0)

/* One ChaCha20 block (RFC 8439 layout, 64-bit counter, zero nonce). */
static void chacha20_block(const uint32_t key[8], uint64_t counter, uint32_t out[16])
{
	uint32_t in[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 };
	uint32_t x[16];

	memcpy(&in[4], key, 32);
	in[12] = (uint32_t)counter;
	in[13] = (uint32_t)(counter >> 32);
	in[14] = in[15] = 0;
	memcpy(x, in, sizeof(x));
	for (int i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (int i = 0; i < 16; i++)
		out[i] = x[i] + in[i];
}

static bool cpu_has_rdrand(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	return c & (1u << 30);
}

static bool rdrand64(uint64_t *v)
{
	uint8_t ok;

	for (int tries = 0; tries < 10; tries++) {
		__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
		if (ok)
			return true;
	}
	return false;
}

/* Mix v into the key and stir it through one block. */
static void rng_mix(uint64_t v)
{
	uint32_t blk[16];

	rng_key[rng_counter & 7] ^= (uint32_t)v;
	rng_key[(rng_counter + 1) & 7] ^= (uint32_t)(v >> 32);
	chacha20_block(rng_key, rng_counter++, blk);
	memcpy(rng_key, blk, 32);
	memset(blk, 0, sizeof(blk));
}

static void rng_seed(void)
{
	bool hw = cpu_has_rdrand();
	uint64_t v;

	for (int i = 0; i < 8; i++) {
		v = rdtsc() ^ (clock_monotonic_ns() << 17);
		if (hw && rdrand64(&v))
			v ^= rdtsc();
		rng_mix(v);
	}
	rng_seeded = true;
}

void random_bytes(void *buf, size_t n)
{
	uint8_t *out = buf;
	uint32_t blk[16];

	if (!rng_seeded)
		rng_seed();
	rng_mix(rdtsc());
	while (n) {
		size_t chunk = n < 64 ? n : 64;

		chacha20_block(rng_key, rng_counter++, blk);
		memcpy(out, blk, chunk);
		out += chunk;
		n -= chunk;
	}
	chacha20_block(rng_key, rng_counter++, blk); /* fast key erasure */
	memcpy(rng_key, blk, 32);
	memset(blk, 0, sizeof(blk));
}

/* Stir caller-provided bytes (writes to /dev/random) into the key. */
void random_stir(const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		v = (v << 8) | p[i];
		if ((i & 7) == 7 || i + 1 == n)
			rng_mix(v);
	}
}
