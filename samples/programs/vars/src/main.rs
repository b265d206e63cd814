//! `vars`: variables of many Rust types, for a debugger's variables view and its
//! expression evaluation (names, fields, indexes, derefs).
//!
//! Built at opt-level 0 (a per-package override in ../Cargo.toml), so every local and
//! parameter has a DWARF location for its whole scope; `#[inline(always)]` functions are
//! still inlined, so some of them belong to inlined frames:
//!
//! ```text
//! main
//! ├─ area        #[inline(always)]  — inlined into `main`
//! └─ describe    #[inline(never)]   — a real call with parameters
//!    └─ weigh    #[inline(always)]  — inlined into `describe`
//! ```
//!
//! Each group of `println!`s prints variables in scope with `{:?}` as `name = value`, one
//! per line; samples/variables.toml lists, for the first line of each group (the stop
//! line), what a debugger must show there, and the program's output shows the same
//! values. Takes no arguments; exits with 0.

use std::hint::black_box;

#[derive(Debug, Clone, Copy)]
struct Point {
    x: i32,
    y: i32,
}

#[derive(Debug, Clone, Copy)]
struct Rect {
    origin: Point,
    size: Point,
}

/// A tuple struct (fields read only by `Debug`, hence `allow(dead_code)`).
#[allow(dead_code)]
#[derive(Debug)]
struct Meters(i32, u8);

/// Unit, tuple and struct variants.
#[allow(dead_code)]
#[derive(Debug)]
enum Shape {
    Circle { r: f64 },
    Square(i32),
    Empty,
}

/// A C-like enum.
#[derive(Debug, Clone, Copy)]
#[allow(dead_code)]
enum Color {
    Red,
    Green,
    Blue,
}

/// Inlined into `main`: `rect`, `scale`, `width` and `height` belong to an inlined frame.
#[inline(always)]
fn area(rect: &Rect, scale: i32) -> i32 {
    let width = rect.size.x * scale;
    let height = rect.size.y * scale;
    println!("rect = {:?}", rect);
    println!("rect.size.x = {:?}", rect.size.x);
    println!("scale = {:?}", scale);
    println!("width = {:?}", width);
    println!("height = {:?}", height);
    width * height
}

/// Inlined into `describe` (an inlined frame inside a real one).
#[inline(always)]
fn weigh(values: &[i32], bias: i64) -> i64 {
    let first = values[0];
    let sum: i64 = values.iter().map(|&v| v as i64).sum::<i64>() + bias;
    println!("values = {:?}", values);
    println!("values[3] = {:?}", values[3]);
    println!("bias = {:?}", bias);
    println!("first = {:?}", first);
    println!("sum = {:?}", sum);
    sum
}

/// A real call: parameters of several kinds.
#[inline(never)]
fn describe(shape: &Shape, color: Color, label: &str, count: u64, values: &[i32]) -> i64 {
    let doubled = count * 2;
    let seen = !values.is_empty();
    println!("shape = {:?}", shape);
    println!("color = {:?}", color);
    println!("label = {:?}", label);
    println!("count = {:?}", count);
    println!("values = {:?}", values);
    println!("doubled = {:?}", doubled);
    println!("seen = {:?}", seen);
    let weight = weigh(values, -100);
    weight + doubled as i64
}

fn main() {
    // Scalars.
    let small: i32 = black_box(-42);
    let big: u64 = black_box(12_345_678_901);
    let negative: i64 = black_box(-9_000_000_000);
    let byte: u8 = black_box(255);
    let flag: bool = black_box(true);
    let letter: char = black_box('w');
    let ratio: f64 = black_box(2.5);
    let tenth: f64 = black_box(0.1);
    let one: f64 = black_box(1.0);
    println!("small = {:?}", small);
    println!("big = {:?}", big);
    println!("negative = {:?}", negative);
    println!("byte = {:?}", byte);
    println!("flag = {:?}", flag);
    println!("letter = {:?}", letter);
    println!("ratio = {:?}", ratio);
    println!("tenth = {:?}", tenth);
    println!("one = {:?}", one);

    // Structs, a tuple struct, a tuple, an array and a slice of it.
    let p = black_box(Point { x: 3, y: -4 });
    let rect = black_box(Rect {
        origin: Point { x: 1, y: 2 },
        size: Point { x: 10, y: 20 },
    });
    let meters = black_box(Meters(7, 9));
    let pair: (i32, bool, char) = black_box((5, false, 'z'));
    let arr: [i32; 4] = black_box([10, 20, 30, 40]);
    let slice: &[i32] = &arr[1..3];
    println!("p = {:?}", p);
    println!("p.x = {:?}", p.x);
    println!("p.y = {:?}", p.y);
    println!("rect = {:?}", rect);
    println!("rect.origin.x = {:?}", rect.origin.x);
    println!("rect.size = {:?}", rect.size);
    println!("meters = {:?}", meters);
    println!("pair = {:?}", pair);
    println!("arr = {:?}", arr);
    println!("arr[2] = {:?}", arr[2]);
    println!("slice = {:?}", slice);
    println!("slice[1] = {:?}", slice[1]);

    // Strings, a Vec, Option, Result, enums.
    let name: &str = black_box("wasm");
    let owned: String = black_box(String::from("scope"));
    let numbers: Vec<u32> = black_box(vec![1, 2, 3]);
    let some: Option<u32> = black_box(Some(5));
    let none: Option<u32> = black_box(None);
    let ok: Result<i32, String> = black_box(Ok(7));
    let err: Result<i32, String> = black_box(Err(String::from("bad")));
    let circle = black_box(Shape::Circle { r: 2.5 });
    let square = black_box(Shape::Square(3));
    let empty = black_box(Shape::Empty);
    let color = black_box(Color::Green);
    println!("name = {:?}", name);
    println!("owned = {:?}", owned);
    println!("numbers = {:?}", numbers);
    println!("numbers[1] = {:?}", numbers[1]);
    println!("some = {:?}", some);
    println!("none = {:?}", none);
    println!("ok = {:?}", ok);
    println!("err = {:?}", err);
    println!("circle = {:?}", circle);
    println!("square = {:?}", square);
    println!("empty = {:?}", empty);
    println!("color = {:?}", color);

    // A reference, raw pointers (one written through).
    let point_ref: &Point = &p;
    let raw: *const Point = &rect.size;
    let mut counter: u32 = 1;
    let counter_ptr: *mut u32 = &mut counter;
    unsafe { *counter_ptr += 41 }; // SAFETY: points to `counter`, a live local nothing else borrows
    println!("point_ref = {:?}", point_ref);
    println!("point_ref.y = {:?}", point_ref.y);
    println!("*point_ref = {:?}", *point_ref);
    println!("*raw = {:?}", unsafe { *raw }); // SAFETY: points to `rect.size`, live and initialised
    println!("raw = {:p}", raw);
    println!("*counter_ptr = {:?}", unsafe { *counter_ptr }); // SAFETY: as above, `counter` is live
    println!("counter = {:?}", counter);

    // Calls: one inlined, one real.
    let surface = area(&rect, 2);
    let weight = describe(&circle, color, name, big, &arr);
    println!("surface = {:?}", surface);
    println!("weight = {:?}", weight);
    println!("small = {:?}", small);

    black_box((&square, &empty, &some, &none, &ok, &err, &owned, &numbers, &meters, &pair));
}
