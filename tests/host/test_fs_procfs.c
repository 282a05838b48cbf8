/* test_fs_procfs.c: /proc/<pid> through a fake procfs_pid_ops (the proc/
 * layer's side), /proc/self, fd links, /dev/fd, registered generators. */
#include "fs_shims.h"
#include "htest.h"

static int fake_list(int *pids, int max)
{
	if (max < 1)
		return 0;
	pids[0] = 42;
	return 1;
}

static struct task *fake_get(int pid)
{
	return pid == 42 ? &host_task : NULL;
}

static void fake_put(struct task *t)
{
	(void)t;
}

static const char *const fake_files[] = { "status", "cmdline", "pos", NULL };

static int fake_gen(struct task *t, const char *name, struct seqbuf *sb)
{
	if (!strcmp(name, "status"))
		seq_printf(sb, "Name:\thost\nPid:\t%d\n", t->pid);
	else
		seq_write(sb, "prog\0arg\0", 9);
	return 0;
}

static bool fake_positional(const char *name)
{
	return !strcmp(name, "pos");
}

/* "pos": byte i of the file is i % 251, at any offset; 1 TiB long. */
static long fake_read_at(struct task *t, const char *name, struct uio *u, uint64_t pos)
{
	unsigned char b[64];
	size_t n = u->len < sizeof(b) ? u->len : sizeof(b);

	(void)t;
	if (strcmp(name, "pos") || pos >= (1ULL << 40))
		return 0;
	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)((pos + i) % 251);
	return uio_copy_out(u, 0, b, n) ? -EFAULT : (long)n;
}

static const struct procfs_pid_ops fake_ops = {
	.list = fake_list,
	.get = fake_get,
	.put = fake_put,
	.files = fake_files,
	.gen = fake_gen,
	.positional = fake_positional,
	.read_at = fake_read_at,
};

static int gen_hello(struct seqbuf *sb)
{
	for (int i = 0; i < 1000; i++) /* grows the buffer several times */
		seq_printf(sb, "line %d\n", i);
	return 0;
}

static long slurp(const char *path, char *buf, size_t size)
{
	long fd = sys_open(U(path), O_RDONLY, 0), n, total = 0;

	if (fd < 0)
		return fd;
	while ((n = sys_read((int)fd, U(buf + total), size - 1 - (size_t)total)) > 0)
		total += n;
	buf[total] = 0;
	sys_close((int)fd);
	return total;
}

HTEST(pid_dirs)
{
	static char buf[16384];
	long n, fd;
	struct linux_stat st;

	host_fs_setup();
	procfs_set_pid_ops(&fake_ops);
	HCHECK(slurp("/proc/42/status", buf, sizeof(buf)) > 0 && strstr(buf, "Pid:\t42"));
	HCHECK(slurp("/proc/self/status", buf, sizeof(buf)) > 0);
	HCHECK(slurp("/proc/self/cmdline", buf, sizeof(buf)) == 9);
	HCHECK(sys_open(U("/proc/43/status"), O_RDONLY, 0) == -ENOENT);
	/* a positional file: read where asked, seekable far past 4 GiB */
	fd = sys_open(U("/proc/42/pos"), O_RDONLY, 0);
	HCHECK(fd >= 0);
	HCHECK(sys_pread64((int)fd, U(buf), 8, 1000000007) == 8 &&
	       (unsigned char)buf[0] == 1000000007 % 251);
	HCHECK(sys_lseek((int)fd, 5ULL << 32, SEEK_SET) == (5LL << 32));
	HCHECK(sys_read((int)fd, U(buf), 4) == 4 && (unsigned char)buf[3] == ((5ULL << 32) + 3) % 251);
	HCHECK(sys_lseek((int)fd, 0, SEEK_END) == -EINVAL);
	HCHECK(sys_stat(U("/proc/42/pos"), U(&st)) == 0 && (st.st_mode & 0777) == 0400);
	sys_close((int)fd);
	HCHECK(sys_open(U("/proc/42/pos"), O_WRONLY, 0) == -EACCES);
	HCHECK(sys_open(U("/proc/042/status"), O_RDONLY, 0) == -ENOENT);
	HCHECK(sys_stat(U("/proc/42"), U(&st)) == 0 && S_ISDIR(st.st_mode));
	/* listing: the registered files, then the pid */
	fd = sys_open(U("/proc"), O_RDONLY | O_DIRECTORY, 0);
	n = sys_getdents64((int)fd, U(buf), sizeof(buf));
	HCHECK(n > 0);
	bool saw_pid = false, saw_meminfo = false;
	for (long off = 0; off < n;) {
		const char *name = buf + off + 19;

		saw_pid |= !strcmp(name, "42");
		saw_meminfo |= !strcmp(name, "meminfo");
		off += *(uint16_t *)(buf + off + 16);
	}
	HCHECK(saw_pid && saw_meminfo);
	sys_close((int)fd);
	/* fd links: readlink names the file, open reaches the same inode */
	sys_mkdir(U("/pp"), 0755);
	long f = sys_open(U("/pp/file"), O_CREAT | O_RDWR, 0644);
	sys_write((int)f, U("abc"), 3);
	char link[32];
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", f);
	HCHECK(sys_readlink(U(link), U(buf), sizeof(buf)) == 8 && !memcmp(buf, "/pp/file", 8));
	HCHECK(slurp(link, buf, sizeof(buf)) == 3 && !strcmp(buf, "abc"));
	snprintf(link, sizeof(link), "/dev/fd/%ld", f);
	HCHECK(slurp(link, buf, sizeof(buf)) == 3);
	HCHECK(sys_readlink(U("/proc/self/cwd"), U(buf), sizeof(buf)) == 1 && buf[0] == '/');
	HCHECK(sys_readlink(U("/proc/self/fd/99"), U(buf), sizeof(buf)) == -ENOENT);
	/* a pipe's fd link: "pipe:[ino]", and reopening joins the same pipe */
	int p[2];
	sys_pipe2(U(p), O_NONBLOCK);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", p[1]);
	HCHECK(sys_readlink(U(link), U(buf), sizeof(buf)) > 6 && !memcmp(buf, "pipe:[", 6));
	long w2 = sys_open(U(link), O_WRONLY, 0);
	HCHECK(w2 >= 0 && sys_write((int)w2, U("via proc"), 8) == 8);
	HCHECK(sys_read(p[0], U(buf), sizeof(buf)) == 8 && !memcmp(buf, "via proc", 8));
	sys_close(p[1]);
	sys_close((int)w2);
	HCHECK(sys_read(p[0], U(buf), sizeof(buf)) == 0);
	sys_close(p[0]);
	/* a deleted file's link */
	sys_unlink(U("/pp/file"));
	snprintf(link, sizeof(link), "/proc/self/fd/%ld", f);
	HCHECK(sys_readlink(U(link), U(buf), sizeof(buf)) == 9 && !memcmp(buf, "(deleted)", 9));
	procfs_set_pid_ops(NULL);
	HCHECK(sys_open(U("/proc/42/status"), O_RDONLY, 0) == -ENOENT);
}

HTEST(registered_generators)
{
	static char buf[16384];

	host_fs_setup();
	HCHECK(procfs_register("sys/kernel/hello", gen_hello) == 0);
	HCHECK(slurp("/proc/sys/kernel/hello", buf, sizeof(buf)) > 8000);
	HCHECK(strstr(buf, "line 999\n") != NULL);
	struct linux_stat st;
	HCHECK(sys_stat(U("/proc/sys/kernel"), U(&st)) == 0 && S_ISDIR(st.st_mode));
	HCHECK(sys_stat(U("/proc/sys/kernel/hello"), U(&st)) == 0 && S_ISREG(st.st_mode));
	/* the same inode number on every lookup */
	struct linux_stat st2;
	sys_stat(U("/proc/sys/kernel/hello"), U(&st2));
	HCHECK(st.st_ino == st2.st_ino);
	HCHECK(sys_mkdir(U("/proc/newdir"), 0755) == -EPERM);
	long fd = sys_open(U("/proc/sys/kernel/hello"), O_RDONLY, 0);
	HCHECK(sys_lseek((int)fd, 5, SEEK_SET) == 5);
	HCHECK(sys_read((int)fd, U(buf), 2) == 2 && !memcmp(buf, "0\n", 2));
	sys_close((int)fd);
	/* .. from inside procfs climbs back to / */
	HCHECK(sys_chdir(U("/proc/sys/kernel")) == 0);
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) == 17 && !strcmp(buf, "/proc/sys/kernel"));
	HCHECK(sys_chdir(U("../../..")) == 0);
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) == 2);
}

HTEST_MAIN()
