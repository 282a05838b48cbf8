/* spawnloop.c: bench-spawnloop COUNT PROGRAM: runs PROGRAM COUNT times, one
 * after the other, with posix_spawn and waitpid, like a shell loop would.
 * The shell-loop benchmark's stand-in when there is no /bin/sh. Exits 0 if
 * every run exited 0. */
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	long count;

	if (argc < 3)
		return 2;
	count = strtol(argv[1], NULL, 10);
	for (long i = 0; i < count; i++) {
		pid_t pid;
		int st;
		if (posix_spawn(&pid, argv[2], NULL, NULL, &argv[2], environ))
			return 1;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
			return 1;
	}
	return 0;
}
