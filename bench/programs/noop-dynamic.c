/*
 * Does nothing, dynamically linked: the program `proc-loop execve N /bench/noop-dynamic` runs, so
 * the row counts what every dynamic program's start costs (the loader mapping and relocating libc).
 */
int main(void) { return 0; }
