/* nop.c: bench-nop, the smallest static program: the exec target of the
 * fork+exec and shell-loop benchmarks. */
int main(void)
{
	return 0;
}
