def fib(n): return n if n < 2 else fib(n-1) + fib(n-2)
d = {}
for i in range(30000): d[str(i)] = i * i
s = sorted(d.items(), key=lambda kv: kv[1] % 997)
print(fib(18), len(s), s[5])
