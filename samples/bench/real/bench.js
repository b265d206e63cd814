function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
let s = 0;
for (let i = 0; i < 200000; i++) { s = (s + i * i) % 1000003; }
const a = [];
for (let i = 0; i < 20000; i++) a.push((i * 7919) % 10007);
a.sort((x, y) => x - y);
console.log(fib(25), s, a[100]);
