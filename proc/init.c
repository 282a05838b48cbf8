/* init.c: creating pid 1.
 *
 * Pid 1 starts as a kernel thread on its own stack, so that it is the
 * current task while it opens the console and runs the program named by
 * rdinit= (default /init, then /sbin/init, /bin/sh) through the same exec
 * path as execve(2). Its first return to user mode goes through the trap
 * frame exec prepared. Like Linux, init starts in session 0, process group 0. */
#include "fs/vfs.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/power.h"
#include "mm/as.h"
#include "proc/exec.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"
#include "proc/thread.h"

static void set_default_rlimits(struct task *t)
{
	for (int i = 0; i < RLIM_NLIMITS; i++)
		t->rlimits[i] = (struct rlimit64){ RLIM_INFINITY, RLIM_INFINITY };
	t->rlimits[RLIMIT_STACK] = (struct rlimit64){ AS_STACK_MAX, RLIM_INFINITY };
	t->rlimits[RLIMIT_NOFILE] = (struct rlimit64){ NOFILE_DEFAULT, NOFILE_HARD };
	t->rlimits[RLIMIT_NPROC] = (struct rlimit64){ TASK_LIMIT, TASK_LIMIT };
	t->rlimits[RLIMIT_CORE] = (struct rlimit64){ 0, RLIM_INFINITY };
	t->rlimits[RLIMIT_MEMLOCK] = (struct rlimit64){ 8UL << 20, 8UL << 20 };
	t->rlimits[RLIMIT_NICE] = (struct rlimit64){ 0, 0 };   /* Linux's defaults */
	t->rlimits[RLIMIT_RTPRIO] = (struct rlimit64){ 0, 0 };
	t->rlimits[RLIMIT_SIGPENDING] = (struct rlimit64){ 1024, 1024 };
	t->rlimits[RLIMIT_MSGQUEUE] = (struct rlimit64){ 819200, 819200 };
}

static void open_console(void)
{
	struct file *f;
	struct fdtable *fds = proc_current()->files;

	if (vfs_open("/dev/console", O_RDWR, 0, &f) < 0) {
		kprintf("init: cannot open /dev/console\n");
		return;
	}
	file_ref(f);
	file_ref(f);
	fd_install(fds, f, 0, false);
	fd_install(fds, f, 1, false);
	fd_install(fds, f, 2, false);
}

#define INIT_MAX_ARGS 32

static char init_words[1024];
static char *init_argv[INIT_MAX_ARGS + 2];
static char *init_envp[INIT_MAX_ARGS + 4] = { "HOME=/", "TERM=linux",
					     "PATH=/sbin:/usr/sbin:/bin:/usr/bin" };

static bool is_kernel_param(const char *w)
{
	static const char *const known[] = { "rdinit=", "init=", "console=", "mem=", "quiet",
					     "selftest", "crashtest", "BOOT_IMAGE=" };

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t n = strlen(known[i]);
		if (!strncmp(w, known[i], n) && (known[i][n - 1] == '=' || !w[n]))
			return true;
	}
	return false;
}

/* As Linux: command-line words the kernel does not use go to init, those
 * with '=' as environment, the others as arguments; after "--" all are
 * arguments. */
static void split_init_args(void)
{
	int argc = 1, envc = 3;
	bool after_dashes = false;
	char *w = init_words;

	strlcpy(init_words, cmdline_get(), sizeof(init_words));
	while (*w) {
		char *end = w;
		while (*end && *end != ' ')
			end++;
		bool last = !*end;
		*end = 0;
		if (!*w || (!after_dashes && is_kernel_param(w))) {
		} else if (!after_dashes && !strcmp(w, "--")) {
			after_dashes = true;
		} else if (!after_dashes && strchr(w, '=')) {
			if (envc < INIT_MAX_ARGS)
				init_envp[envc++] = w;
		} else if (argc < INIT_MAX_ARGS) {
			init_argv[argc++] = w;
		}
		w = last ? end : end + 1;
	}
	init_argv[argc] = NULL;
	init_envp[envc] = NULL;
}

static void init_thread(void)
{
	static char rdinit[256];
	const char *tries[] = { rdinit, "/init", "/sbin/init", "/bin/sh" };

	open_console();
	split_init_args();
	if (!cmdline_value("rdinit", rdinit, sizeof(rdinit)))
		rdinit[0] = 0;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (!tries[i][0])
			continue;
		init_argv[0] = (char *)tries[i];
		int err = exec_kernel(tries[i], init_argv, init_envp);
		if (!err)
			return; /* to user mode through the trap frame exec built */
		if (i == 0 || err != -ENOENT) /* a missing default is not news */
			kprintf("init: cannot run %s: error %d\n", tries[i], -err);
		if (i == 0)
			break; /* an explicit rdinit= is not second-guessed */
	}
	kprintf("kernel: no init program could be run; powering off\n");
	power_off();
}

void proc_start_init(void)
{
	struct task *t = task_alloc();

	KASSERT(t && t->pid == 1);
	t->files = fdtable_new();
	t->fs = fs_context_new();
	t->sig = signal_state_new();
	t->as = as_create();
	KASSERT(t->files && t->fs && t->sig && t->as);
	KASSERT(thread_group_new(t) == 0);
	t->parent = NULL;
	t->exit_signal = SIGCHLD;
	set_default_rlimits(t);
	task_set_comm(t, "init");
	proc_init_task = t;
	task_prepare_kernel_entry(t, init_thread);
	sched_add_new(t);
}
