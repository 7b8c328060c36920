// A program for a debugger: gdb breaks in add(), shows the stack and an argument, steps a line
// and continues (breakpoints are int3 bytes poked into the read-only text, steps use the trap flag).
#include <stdio.h>

int add(int a, int b) {
  return a + b;
}

int main(void) {
  int sum = 0;
  for (int i = 0; i < 3; i++) sum = add(sum, i);
  printf("sum %d\n", sum);
  return 0;
}
