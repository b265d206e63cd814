# Fed to `python.wasm` on stdin with no arguments: with stdin not a terminal, CPython
# runs it as a script (no banner, no prompts).
def collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
print("longest below 1000:", max(range(1, 1000), key=collatz))
import sys
print("stdin is a tty:", sys.stdin.isatty(), "stdout is a tty:", sys.stdout.isatty())
