//! bytecode: a tiny stack-machine interpreter (a dispatch loop over a `match`,
//! i.e. a wasm `br_table`) running a loop program for n iterations:
//!
//! ```text
//!     acc = 1; i = n
//!     loop: acc = acc * 31 + i
//!           acc = acc ^ (acc >> 7)
//!           i = i - 1
//!           if i != 0 goto loop
//!     return acc
//! ```
//!
//! All arithmetic is wrapping i64. `run(n)` returns acc (n < 1 is treated as
//! 1). Exercises br_table dispatch, i64
//! arithmetic, loads/stores of the VM stack and locals.
#![cfg_attr(not(test), no_std)]

use core::hint::black_box;

// Opcodes; operands (if any) follow in the next code word.
const PUSH: i64 = 0; // PUSH imm
const LOAD: i64 = 1; // LOAD local
const STORE: i64 = 2; // STORE local
const ADD: i64 = 3;
const SUB: i64 = 4;
const MUL: i64 = 5;
const XOR: i64 = 6;
const SHR: i64 = 7; // a b -> a >> (b & 63), logical
const DUP: i64 = 8;
const JNZ: i64 = 9; // JNZ target: pop; jump if non-zero
const JMP: i64 = 10; // JMP target
const HALT: i64 = 11; // return top of stack

const LOOP: i64 = 8; // code index of the loop head below

#[rustfmt::skip]
fn program(n: i64) -> [i64; 43] {
    [
        PUSH, n, STORE, 0, // i = n
        PUSH, 1, STORE, 1, // acc = 1
        // LOOP (index 8):
        LOAD, 1, PUSH, 31, MUL, LOAD, 0, ADD, STORE, 1, // acc = acc * 31 + i
        LOAD, 1, LOAD, 1, PUSH, 7, SHR, XOR, STORE, 1, // acc ^= acc >> 7
        LOAD, 0, PUSH, 1, SUB, DUP, STORE, 0, // i -= 1 (leave i on the stack)
        JNZ, LOOP, // if i != 0 goto LOOP
        LOAD, 1, HALT, // return acc
        JMP, 0, // never reached
    ]
}

#[inline(never)]
fn interpret(code: &[i64]) -> i64 {
    let mut stack = [0i64; 16];
    let mut locals = [0i64; 4];
    let mut sp = 0usize; // next free slot
    let mut pc = 0usize;
    loop {
        let op = code[pc];
        pc += 1;
        match op {
            PUSH => {
                stack[sp] = code[pc];
                pc += 1;
                sp += 1;
            }
            LOAD => {
                stack[sp] = locals[code[pc] as usize];
                pc += 1;
                sp += 1;
            }
            STORE => {
                sp -= 1;
                locals[code[pc] as usize] = stack[sp];
                pc += 1;
            }
            ADD | SUB | MUL | XOR | SHR => {
                sp -= 1;
                let b = stack[sp];
                let a = stack[sp - 1];
                stack[sp - 1] = match op {
                    ADD => a.wrapping_add(b),
                    SUB => a.wrapping_sub(b),
                    MUL => a.wrapping_mul(b),
                    XOR => a ^ b,
                    _ => ((a as u64) >> (b & 63)) as i64,
                };
            }
            DUP => {
                stack[sp] = stack[sp - 1];
                sp += 1;
            }
            JNZ => {
                sp -= 1;
                if stack[sp] != 0 {
                    pc = code[pc] as usize;
                } else {
                    pc += 1;
                }
            }
            JMP => pc = code[pc] as usize,
            HALT => return stack[sp - 1],
            _ => return -1,
        }
    }
}

#[no_mangle]
pub extern "C" fn run(n: i32) -> i64 {
    bench_common::link();
    let code = program(n.max(1) as i64);
    interpret(black_box(&code))
}

#[cfg(test)]
mod tests {
    fn reference(n: i64) -> i64 {
        let (mut acc, mut i) = (1i64, n);
        loop {
            acc = acc.wrapping_mul(31).wrapping_add(i);
            acc ^= ((acc as u64) >> 7) as i64;
            i = i.wrapping_sub(1);
            if i == 0 {
                return acc;
            }
        }
    }

    #[test]
    fn matches_native_loop() {
        for n in [1, 2, 3, 10, 1000] {
            assert_eq!(super::run(n as i32), reference(n));
        }
    }

    #[test]
    fn checksums() {
        for (n, want) in [(SMALL_N, SMALL_SUM), (RECOMMENDED_N, RECOMMENDED_SUM)] {
            let got = super::run(n);
            println!("expected: bytecode {n} {got}");
            assert_eq!(got, want);
        }
    }
    const SMALL_N: i32 = 1000;
    const SMALL_SUM: i64 = -6187995501595861982;
    const RECOMMENDED_N: i32 = 100000;
    const RECOMMENDED_SUM: i64 = 4512631579863553174;
}
