/* Writes through a null pointer: the guest must die of SIGSEGV, nothing else. */
int main(void) {
  *(volatile int *)0 = 1;
  return 0;
}
