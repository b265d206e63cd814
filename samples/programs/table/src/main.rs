//! `table`: indirect calls. Function pointers in a `Vec<fn(i32) -> i32>` and trait
//! objects (`Box<dyn Shape>`) are called through the Wasm table with `call_indirect`.
//! Prints one line per call and exits with 0.

use std::hint::black_box;

#[inline(never)]
fn double(x: i32) -> i32 {
    x * 2
}

#[inline(never)]
fn square(x: i32) -> i32 {
    x * x
}

#[inline(never)]
fn negate(x: i32) -> i32 {
    -x
}

#[inline(never)]
fn collatz_step(x: i32) -> i32 {
    if x % 2 == 0 {
        x / 2
    } else {
        3 * x + 1
    }
}

trait Shape {
    fn name(&self) -> &'static str;
    fn area(&self) -> i32;
}

struct Square(i32);
struct Rect(i32, i32);
struct Triangle(i32, i32);

impl Shape for Square {
    fn name(&self) -> &'static str {
        "square"
    }
    fn area(&self) -> i32 {
        self.0 * self.0
    }
}

impl Shape for Rect {
    fn name(&self) -> &'static str {
        "rect"
    }
    fn area(&self) -> i32 {
        self.0 * self.1
    }
}

impl Shape for Triangle {
    fn name(&self) -> &'static str {
        "triangle"
    }
    fn area(&self) -> i32 {
        self.0 * self.1 / 2
    }
}

fn main() {
    // black_box hides the contents from the optimiser, so every call stays indirect.
    let ops: Vec<(&str, fn(i32) -> i32)> = black_box(vec![
        ("double", double as fn(i32) -> i32),
        ("square", square),
        ("negate", negate),
        ("collatz_step", collatz_step),
    ]);
    for (name, op) in &ops {
        let x = 7;
        println!("{name}({x}) = {}", op(x));
    }

    let shapes: Vec<Box<dyn Shape>> =
        black_box(vec![Box::new(Square(5)), Box::new(Rect(3, 4)), Box::new(Triangle(6, 3))]);
    let mut total = 0;
    for shape in &shapes {
        let area = shape.area();
        total += area;
        println!("{} area {}", shape.name(), area);
    }
    println!("total area {total}");
}
